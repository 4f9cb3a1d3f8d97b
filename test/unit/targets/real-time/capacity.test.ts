import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import type { ChallengerPlan } from '#shared/rollout/rollout-state.ts';
import {
  challengerInstancesAt,
  challengerShortfall,
  fullTrafficInstances,
  incumbentShortfalls,
  servingInstanceCount,
  withLiveBaseline,
} from '#shared/targets/real-time/capacity.ts';
import { plainChallengerPlan, rolloutRecord } from '../../../support/rollout-records.ts';

const plan = (changes: Partial<ChallengerPlan>): ChallengerPlan => ({ ...plainChallengerPlan, ...changes });

function endpoint(variants: ObservedEndpoint['variants']): ObservedEndpoint {
  return {
    status: 'InService',
    configName: 'c',
    variants,
    shadowVariants: [],
    lastModifiedTime: '2026-11-25T09:00:00Z',
  };
}

describe('challengerInstancesAt', () => {
  it('gives each step at least its share of the live count, rounded up', () => {
    const sixLive = plan({ baselineInstanceCount: 6 });
    expect([10, 50, 100].map((percent) => challengerInstancesAt(sixLive, percent))).toEqual([1, 3, 6]);
    expect(challengerInstancesAt(sixLive, 34)).toBe(3); // 2.04 -> 3
  });

  it('gives the whole live count from the first step with capacity full', () => {
    expect(challengerInstancesAt(plan({ baselineInstanceCount: 6, capacity: 'full' }), 10)).toBe(6);
  });

  it('never goes below the policy minimum or one instance', () => {
    expect(challengerInstancesAt(plan({ baselineInstanceCount: 6, minInstanceCount: 2 }), 10)).toBe(2);
    expect(challengerInstancesAt(plan({ baselineInstanceCount: 1 }), 1)).toBe(1);
  });

  it('follows the incumbents when they scaled out since the rollout started', () => {
    expect(challengerInstancesAt(plan({ baselineInstanceCount: 4 }), 50, 10)).toBe(5);
  });

  it('is never below the share of the baseline, never above the baseline (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 100 }), (baseline, percent) => {
        const count = challengerInstancesAt(plan({ baselineInstanceCount: baseline }), percent);
        expect(count).toBeGreaterThanOrEqual((baseline * percent) / 100);
        expect(count).toBeLessThanOrEqual(Math.max(1, baseline));
      }),
    );
  });
});

describe('shortfalls', () => {
  const rollout = rolloutRecord({
    endpointName: 'e',
    groupName: 'g',
    packageVersion: 2,
    phase: 'Baking',
    incumbentVariants: [{ VariantName: 'g-1' }],
    incumbentInstanceCounts: { 'g-1': 6 },
    challenger: plan({ baselineInstanceCount: 6 }),
  });

  it('asks for the challenger instances the next share needs, or nothing when it has them', () => {
    const live = endpoint([
      { VariantName: 'g-1', weight: 90, currentInstanceCount: 6 },
      { VariantName: 'g-2', weight: 10, currentInstanceCount: 1 },
    ]);
    expect(challengerShortfall(rollout, live, 50)).toEqual({ VariantName: 'g-2', DesiredInstanceCount: 3 });
    expect(challengerShortfall(rollout, live, 10)).toBeUndefined();
  });

  it('counts only incumbents that serve: a variant at weight 0 is not capacity', () => {
    const live = endpoint([
      { VariantName: 'a', weight: 1, currentInstanceCount: 4 },
      { VariantName: 'b', weight: 0, currentInstanceCount: 9 },
    ]);
    expect(servingInstanceCount(live, ['a', 'b'])).toBe(4);
  });

  it('finds incumbents below the count they had when the rollout started', () => {
    const scaledIn = endpoint([{ VariantName: 'g-1', weight: 50, currentInstanceCount: 3 }]);
    expect(incumbentShortfalls(rollout, scaledIn)).toEqual([{ VariantName: 'g-1', DesiredInstanceCount: 6 }]);
    const whole = endpoint([{ VariantName: 'g-1', weight: 50, currentInstanceCount: 7 }]);
    expect(incumbentShortfalls(rollout, whole)).toEqual([]);
  });
});

describe("the incumbents' load", () => {
  const rollout = rolloutRecord({
    endpointName: 'e',
    groupName: 'g',
    packageVersion: 2,
    phase: 'Baking',
    incumbentVariants: [{ VariantName: 'g-1' }],
    incumbentInstanceCounts: { 'g-1': 6 },
    challenger: plan({ baselineInstanceCount: 6 }),
  });
  const split = (incumbent: number, share: number, challenger = 3) =>
    endpoint([
      { VariantName: 'g-1', weight: share, currentInstanceCount: incumbent },
      { VariantName: 'g-2', weight: 100 - share, currentInstanceCount: challenger },
    ]);

  it('is the live count over the share they serve once auto scaling scaled them out: 9 at 50% is 18', () => {
    expect(fullTrafficInstances(rollout, split(9, 50))).toBe(18);
    expect(challengerShortfall(rollout, split(9, 50), 50)).toEqual({ VariantName: 'g-2', DesiredInstanceCount: 9 });
    expect(withLiveBaseline(rollout, split(9, 50)).challenger.baselineInstanceCount).toBe(18);
  });

  it('is the baseline while they have not scaled out: 6 left at 50% say nothing of the load', () => {
    expect(fullTrafficInstances(rollout, split(6, 50))).toBe(6);
    expect(withLiveBaseline(rollout, split(6, 50))).toBe(rollout);
  });

  it('is kept once they serve nothing, so the new version at 100% is sized for what they saw', () => {
    const grown = withLiveBaseline(rollout, split(9, 50));
    expect(fullTrafficInstances(grown, split(9, 0, 9))).toBe(18);
    expect(challengerShortfall(grown, split(9, 0, 9), 100)).toEqual({ VariantName: 'g-2', DesiredInstanceCount: 18 });
  });

  it('sizes a one-instance incumbent at one instance for every step until it scales out', () => {
    const one = rolloutRecord({
      ...rollout,
      incumbentInstanceCounts: { 'g-1': 1 },
      challenger: plan({ baselineInstanceCount: 1 }),
    });
    expect([10, 50, 100].map((percent) => challengerInstancesAt(one.challenger, percent))).toEqual([1, 1, 1]);
    // At 50% auto scaling (max 20) took it to 4: the load of all of the traffic is 8 instances.
    expect(challengerShortfall(one, split(4, 50, 1), 50)).toEqual({ VariantName: 'g-2', DesiredInstanceCount: 4 });
    expect(fullTrafficInstances(one, split(4, 50, 1))).toBe(8);
  });

  it('never asks a step for less than its share of the largest load seen (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 99 }),
        fc.integer({ min: 1, max: 100 }),
        (live, share, percent) => {
          const observed = split(live, share, 1);
          const needed = challengerInstancesAt(rollout.challenger, percent, fullTrafficInstances(rollout, observed));
          const perInstanceLoad = live > 6 ? (live * 100) / share : 6;
          expect(needed).toBeGreaterThanOrEqual(Math.ceil((perInstanceLoad * percent) / 100 - 1e-9));
        },
      ),
    );
  });
});
