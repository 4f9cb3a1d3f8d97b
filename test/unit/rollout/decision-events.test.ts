// Which decision events a write of the record makes, and which weights a step records: pure functions.
import { describe, expect, it } from 'vitest';
import { transitionEvents } from '#shared/rollout/decision-events.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { type RolloutAction, weightsSetBy, withTrafficRecorded } from '#shared/rollout/rollout-step.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';

const at = '2026-11-25T09:13:00Z';
const steps = [10, 50, 100];
const percentOf = (index: number) => steps[index];
const baking = rolloutRecord({
  endpointName: 'fraud-prod',
  groupName: 'fraud-detector',
  packageVersion: 2,
  phase: 'Baking',
});
const typesOf = (before: Rollout | undefined, after: Rollout) =>
  transitionEvents(before, after, at, percentOf).map((event) => event.detailType);

describe('transitionEvents', () => {
  it('starts a rollout that was not recorded, or that replaces another', () => {
    expect(typesOf(undefined, baking)).toEqual(['Rollout Started']);
    expect(typesOf({ ...baking, rolloutId: 'fraud-prod-v1', phase: 'Completed' }, baking)).toEqual(['Rollout Started']);
  });

  it('says nothing of a write that changes no decision (a wait, a bake starting)', () => {
    expect(typesOf(baking, { ...baking, waitingFor: 'alarm x does not exist', bakeStartedAt: at })).toEqual([]);
  });

  it("advances a step with the step's share, and a shadow that becomes a canary", () => {
    const [event] = transitionEvents(baking, { ...baking, stepIndex: 1 }, at, percentOf);
    expect(event).toMatchObject({
      detailType: 'Rollout Step Advanced',
      detail: { trafficPercent: 50, phase: 'Baking' },
    });
    expect(typesOf({ ...baking, stage: 'shadow' }, { ...baking, stage: 'canary' })).toEqual(['Rollout Step Advanced']);
  });

  it('names the person who paused, resumed or promoted it', () => {
    const alice = 'arn:aws:iam::123456789012:user/alice';
    const paused = {
      ...baking,
      paused: true,
      history: [{ at, phase: 'Baking' as const, note: 'paused', actor: alice }],
    };
    const [pause] = transitionEvents(baking, paused, at, percentOf);
    expect(pause).toMatchObject({ detailType: 'Rollout Paused', detail: { actor: alice } });
    expect(typesOf(paused, { ...paused, paused: false })).toEqual(['Rollout Resumed']);
    const [promote] = transitionEvents(baking, { ...baking, promotedBy: alice }, at, percentOf);
    expect(promote).toMatchObject({ detailType: 'Rollout Promoted', detail: { actor: alice } });
  });

  it('tells a missed deadline from an alarm, and each end of a rollout', () => {
    const rollingBack = { ...baking, phase: 'RollingBack' as const, reason: 'progress deadline exceeded' };
    expect(typesOf(baking, { ...rollingBack, rollbackCause: 'deadline' })).toEqual([
      'Rollout Deadline Exceeded',
      'Rollout Rolling Back',
    ]);
    expect(typesOf(baking, { ...rollingBack, rollbackCause: 'alarm' })).toEqual(['Rollout Rolling Back']);
    const deadline = { ...rollingBack, rollbackCause: 'deadline' as const };
    expect(typesOf(deadline, { ...deadline, phase: 'Failed' })).toEqual(['Rollout Failed']);
    expect(typesOf(rollingBack, { ...rollingBack, phase: 'RolledBack' })).toEqual(['Rollout Rolled Back']);
    expect(typesOf(baking, { ...baking, phase: 'Completed' })).toEqual(['Rollout Completed']);
  });

  it('carries the versioned detail of the rollout after the decision', () => {
    const [event] = transitionEvents(baking, { ...baking, phase: 'Completed' }, at, percentOf);
    expect(event?.detail).toEqual({
      schemaVersion: '1',
      endpointName: 'fraud-prod',
      groupName: 'fraud-detector',
      packageVersion: 2,
      packageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/2',
      rolloutId: 'fraud-prod-v2',
      phase: 'Completed',
      trafficPercent: null,
      reason: null,
      actor: 'sagemaker-rollout',
      at,
    });
  });
});

describe('the weights a step sets', () => {
  const weights: RolloutAction = {
    kind: 'setWeights',
    weights: [
      { VariantName: 'fraud-detector-1', DesiredWeight: 50 },
      { VariantName: 'fraud-detector-2', DesiredWeight: 50 },
    ],
  };

  it('come from a weights update, or from the config an endpoint update moves to', () => {
    expect(weightsSetBy([weights])).toEqual({ 'fraud-detector-1': 50, 'fraud-detector-2': 50 });
    const plan = { configName: 'c', variants: [{ VariantName: 'fraud-detector-2', InitialVariantWeight: 1 }] };
    const create = { kind: 'createEndpointConfig', plan: { ...plan, shadowVariants: [], settings: {}, tags: [] } };
    expect(weightsSetBy([create as RolloutAction, { kind: 'updateEndpoint', configName: 'c' }])).toEqual({
      'fraud-detector-2': 1,
    });
    expect(weightsSetBy([{ kind: 'updateEndpoint', configName: 'c', keepWeights: true }])).toBeUndefined();
    expect(weightsSetBy([{ kind: 'setCapacity', capacities: [] }])).toBeUndefined();
  });

  it('are recorded on the rollout with the time, the last 30 kept', () => {
    const changes = Array.from({ length: 30 }, (_, index) => ({ at: `t${index}`, weights: {} }));
    const step = withTrafficRecorded(
      { next: { ...baking, trafficChanges: changes }, actions: [weights], note: '' },
      at,
    );
    expect(step.next.trafficChanges).toHaveLength(30);
    expect(step.next.trafficChanges?.at(-1)).toEqual({
      at,
      weights: { 'fraud-detector-1': 50, 'fraud-detector-2': 50 },
    });
    const quiet = { next: baking, actions: [], note: 'baking' };
    expect(withTrafficRecorded(quiet, at)).toBe(quiet);
  });
});
