// The command a notice ends with names the stage of the stack that sent it, so that it runs as printed.
import { describe, expect, it } from 'vitest';
import { groupPolicySchema } from '#shared/policy/policy-schema.ts';
import { hintLine, rolloutCommand } from '#shared/rollout/command-line.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import { reconcileOnce } from '#shared/rollout/reconcile-once.ts';
import { commandToAct } from '#shared/rollout/rollout-step.ts';
import { realTimeDecisions } from '#shared/targets/real-time/decisions.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';

const group = groupPolicySchema.parse({
  endpointName: 'fraud-prod',
  executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
  instanceType: 'ml.m5.large',
  initialInstanceCount: 1,
  approval: { mode: 'manual' },
  rollout: { strategy: 'canary', steps: [10, 50, 100], bakeMinutes: 10, alarms: ['fraud-prod-5xx'] },
});

const starting = rolloutRecord({
  endpointName: 'fraud-prod',
  groupName: 'fraud-detector',
  packageVersion: 2,
  phase: 'Starting',
  watchedAlarms: ['fraud-prod-5xx'],
});

/** fraud-prod serving v1 alone, its 5xx alarm OK; `changes` on top. */
function observed(changes: Partial<Observed> = {}, owner: 'this stack' | 'untagged' = 'this stack'): Observed {
  return {
    endpoint: {
      status: 'InService',
      configName: 'fraud-prod-v1-final',
      variants: [{ VariantName: 'fraud-detector-1', weight: 1, currentInstanceCount: 1 }],
      shadowVariants: [],
      lastModifiedTime: '2026-11-25T08:00:00Z',
    },
    incumbent: {
      endpointOwner: { kind: owner },
      config: {
        variants: [{ VariantName: 'fraud-detector-1', ModelName: 'fraud-prod-v1', InstanceType: 'ml.m5.large' }],
        shadowVariants: [],
        settings: {},
        tags: [],
      },
      models: {},
    },
    alarms: { 'fraud-prod-5xx': 'OK' },
    ...changes,
  };
}

const now = '2026-11-25T09:01:00Z';
const lastLine = (message: string | undefined) => message?.split('\n').at(-1);

describe('the command a notice ends with', () => {
  it('names the stage when it is not the emulator’s, before the options', () => {
    expect(rolloutCommand('prod', 'abort fraud-prod', '--reason "..."')).toBe(
      'npx rollout abort fraud-prod --stage prod --reason "..."',
    );
    expect(rolloutCommand('local', 'abort fraud-prod', '--reason "..."')).toBe(
      'npx rollout abort fraud-prod --reason "..."',
    );
    expect(rolloutCommand('prod', 'history fraud-prod')).toBe('npx rollout history fraud-prod --stage prod');
  });

  it('is abort while the rollout moves and history once it is rolling back or has ended', () => {
    const moving = { endpointName: 'fraud-prod', phase: 'Baking' } as const;
    const rollingBack = { endpointName: 'fraud-prod', phase: 'RollingBack' } as const;
    const ended = { endpointName: 'fraud-prod', phase: 'RolledBack' } as const;

    expect(hintLine(commandToAct(moving), 'prod')).toBe(
      'To stop it: npx rollout abort fraud-prod --stage prod --reason "..."',
    );
    expect(hintLine(commandToAct(rollingBack), 'prod')).toBe(
      'To see what happened: npx rollout history fraud-prod --stage prod',
    );
    expect(hintLine(commandToAct(ended), 'local')).toBe('To see what happened: npx rollout history fraud-prod');
  });

  it('ends every notice of a decision, with the stage the engine passes', () => {
    const missingAlarm = reconcileOnce(realTimeDecisions, group, starting, observed({ alarms: {} }), now, 'prod');

    expect(missingAlarm.notices).toHaveLength(1);
    expect(lastLine(missingAlarm.notices[0]?.message)).toBe(
      'To stop it: npx rollout abort fraud-prod --stage prod --reason "..."',
    );
  });

  it('is the hand-over for an endpoint the stack may not update yet, named once in the text', () => {
    const untagged = reconcileOnce(realTimeDecisions, group, starting, observed({}, 'untagged'), now, 'prod');
    const [notice] = untagged.notices;

    expect(notice?.message).toContain('hand it over once with the command below');
    expect(lastLine(notice?.message)).toBe('To hand it over: npx rollout groups --stage prod --tag-endpoints');
    expect(notice).not.toHaveProperty('command');
  });
});
