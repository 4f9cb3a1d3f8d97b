import { describe, expect, it } from 'vitest';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { AlarmReading } from '#shared/rollout/observed-state.ts';
import { endpointReadDue, endpointReadEveryMinutes, quietBakeNote } from '#shared/rollout/quiet-bake.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';

const start = '2026-12-03T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(start) + minutes * 60_000).toISOString();
const changedAt = '2026-12-03T11:00:00.000Z';

const group = {
  rollout: { steps: [50, 100], bakeMinutes: 10, strategy: 'canary', insufficientDataIsOk: false },
} as unknown as GroupPolicy;
const baking = {
  endpointName: 'shop-0001-prod',
  phase: 'Baking',
  stage: 'canary',
  stepIndex: 0,
  bakeStartedAt: start,
  paused: false,
  watchedAlarms: ['shop-0001-5xx', 'guard'],
  guardAlarms: ['guard'],
  alarmTransitionsSeen: { 'shop-0001-5xx': changedAt, guard: changedAt },
} as unknown as Rollout;
const ok: AlarmReading = { state: 'OK', transitionedAt: changedAt };
const allOk = { 'shop-0001-5xx': ok, guard: ok };

/** The first minute of the bake after `from` that is not the endpoint's slot to be read. */
function quietMinute(every: number, from = 2): number {
  for (let minute = from; minute < 9; minute += 1) {
    if (!endpointReadDue(baking.endpointName, at(minute), every)) return minute;
  }
  throw new Error('no quiet minute');
}

describe('a quiet bake', () => {
  it('waits without reading the endpoint while its alarms are OK and seen, outside its slot', () => {
    const minute = quietMinute(5);
    expect(quietBakeNote(group, baking, allOk, at(minute), 5)).toBe(
      `baking: ${minute} of 10 min, no alarm firing (the endpoint is read every 5 min and on each change of its status)`,
    );
  });

  it('reads the endpoint in its slot, which comes once every `every` minutes', () => {
    const due = Array.from({ length: 20 }, (_, minute) => endpointReadDue(baking.endpointName, at(minute), 5));
    expect(due.filter(Boolean)).toHaveLength(4);
    const firstDue = due.indexOf(true);
    expect(due.indexOf(true, firstDue + 1)).toBe(firstDue + 5);
  });

  it.each([
    ['an alarm in ALARM', { ...allOk, guard: { state: 'ALARM', transitionedAt: changedAt } }],
    ['an alarm with no data', { ...allOk, guard: { state: 'INSUFFICIENT_DATA', transitionedAt: changedAt } }],
    ['a missing alarm', { 'shop-0001-5xx': ok }],
    [
      'an alarm changed since the rollout looked (its history is read)',
      { ...allOk, guard: { state: 'OK', transitionedAt: at(1) } },
    ],
  ] as const)('reads everything with %s', (_, alarms) => {
    expect(quietBakeNote(group, baking, alarms as Record<string, AlarmReading>, at(quietMinute(5)), 5)).toBeUndefined();
  });

  it.each([
    ['in the first minute of the bake', baking, 0.5],
    ['in its last minute', baking, 9.5],
    ['paused', { ...baking, paused: true }, 4],
    ['promoted', { ...baking, promotedBy: 'alice' }, 4],
    ['before its bake started', { ...baking, bakeStartedAt: undefined }, 4],
    ['deploying', { ...baking, phase: 'Deploying' }, 4],
    ['in a shadow stage', { ...baking, stage: 'shadow' }, 4],
    ['with a record from before alarm changes were kept', { ...baking, alarmTransitionsSeen: undefined }, 4],
  ] as const)('reads everything %s', (_, rollout, minute) => {
    expect(quietBakeNote(group, rollout as Rollout, allOk, at(minute), 1_000_000)).toBeUndefined();
  });

  it('counts no data as the policy does', () => {
    const noData = { ...allOk, guard: { state: 'INSUFFICIENT_DATA', transitionedAt: changedAt } } as const;
    const lenient = { rollout: { ...group.rollout, insufficientDataIsOk: true } } as unknown as GroupPolicy;
    expect(quietBakeNote(lenient, baking, noData, at(quietMinute(5)), 5)).toMatch(/no alarm firing/);
    expect(quietBakeNote(group, baking, noData, at(quietMinute(5)), 5)).toBeUndefined();
  });

  it('reads everything when the bake has evidence to judge', () => {
    const judged = {
      rollout: { ...group.rollout, analysis: { method: 'sequential', metrics: [] } },
    } as unknown as GroupPolicy;
    expect(quietBakeNote(judged, baking, allOk, at(quietMinute(5)), 5)).toBeUndefined();
  });

  it('reads each endpoint every 5 minutes up to 1,500 rollouts, then less often, half the read rate at most', () => {
    expect(endpointReadEveryMinutes(10)).toBe(5);
    expect(endpointReadEveryMinutes(1_500)).toBe(5);
    expect(endpointReadEveryMinutes(10_000)).toBe(30);
    for (const active of [2_000, 5_000, 9_000]) {
      // Reads a minute, spread over the slots, within half of 10 DescribeEndpoint a second.
      expect(active / endpointReadEveryMinutes(active)).toBeLessThanOrEqual(300);
    }
  });
});
