import { describe, expect, it } from 'vitest';
import { groupPolicySchema } from '#shared/policy/policy-schema.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import { decideRolloutStep } from '#shared/rollout/rollout-decision.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';

const group = groupPolicySchema.parse({
  endpointName: 'fraud-prod',
  executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
  instanceType: 'ml.m5.large',
  initialInstanceCount: 1,
  approval: { mode: 'manual' },
  rollout: { strategy: 'canary', steps: [10, 50, 100], bakeMinutes: 10 },
});

const starting: Rollout = {
  rolloutId: 'fraud-prod-v2',
  endpointName: 'fraud-prod',
  groupName: 'fraud-detector',
  packageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/2',
  packageVersion: 2,
  phase: 'Starting',
  stage: 'canary',
  stepIndex: 0,
  phaseSince: '2026-11-25T09:00:00Z',
  challengerVariant: 'fraud-detector-2',
  challengerModel: 'fraud-prod-v2',
  incumbentVariants: [],
  targetConfigName: '',
  guardAlarms: [],
  watchedAlarms: [],
  paused: false,
  history: [],
  retainedVersions: [],
  version: 1,
};

function observedWith(currentConfigVariants: Observed['currentConfigVariants']): Observed {
  return {
    endpoint: {
      status: 'InService',
      configName: 'fraud-prod-v1-final',
      variants: [{ VariantName: 'fraud-detector-1', weight: 1 }],
      shadowVariants: [],
      lastModifiedTime: '2026-11-25T08:00:00Z',
    },
    currentConfigVariants,
    alarms: {},
  };
}

describe('decideRolloutStep: starting a canary', () => {
  it('keeps the incumbent variant as it is and adds the new version at the first step', () => {
    const incumbent = {
      VariantName: 'fraud-detector-1',
      ModelName: 'fraud-prod-v1',
      InstanceType: 'ml.m5.large',
      InitialInstanceCount: 2,
    };

    const step = decideRolloutStep(group, starting, observedWith([incumbent]), '2026-11-25T09:01:00Z');

    expect(step.next.phase).toBe('Deploying');
    expect(step.next.incumbentConfigName).toBe('fraud-prod-v1-final');
    const config = step.actions.find((action) => action.kind === 'createEndpointConfig');
    expect(config).toEqual({
      kind: 'createEndpointConfig',
      plan: {
        configName: 'fraud-prod-v2-canary',
        variants: [
          { ...incumbent, InitialVariantWeight: 90 },
          {
            VariantName: 'fraud-detector-2',
            ModelName: 'fraud-prod-v2',
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 1,
            InitialVariantWeight: 10,
          },
        ],
        shadowVariants: [],
      },
    });
    expect(step.actions.map((action) => action.kind)).toEqual([
      'createModel',
      'createEndpointConfig',
      'updateEndpoint',
      'putGuardAlarms',
    ]);
  });

  it('waits rather than build a canary without the incumbent, which would send it all the traffic', () => {
    const step = decideRolloutStep(group, starting, observedWith([]), '2026-11-25T09:01:00Z');

    expect(step.next).toBe(starting);
    expect(step.actions).toEqual([]);
    expect(step.note).toContain('shows no production variant to keep');
  });
});
