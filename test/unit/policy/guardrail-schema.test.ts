// SageMaker's own strategies (sagemaker-canary, -linear, -rolling): a real-time group's only, within the
// DeploymentConfig's limits, without analysis or a shadow (shared/policy/guardrail-schema.ts).
import { describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import { parsePolicy } from '#shared/policy/load-policy.ts';
import { driverForGroup } from '#shared/targets/drivers.ts';

const policyWith = (rollout: string, target = 'instanceType: ml.m5.large\n    initialInstanceCount: 2') => `
defaults:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  approval: { mode: manual }
modelPackageGroups:
  ranker:
    endpointName: ranker-prod
    ${target}
    rollout: ${rollout}
`;

function problemsOf(text: string): string {
  try {
    parsePolicy(text, 't.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
}

describe('a real-time group with SageMaker’s own strategies', () => {
  it.each([
    ['{ strategy: sagemaker-canary, steps: [10, 100], bakeMinutes: 10 }'],
    ['{ strategy: sagemaker-linear, steps: [25, 50, 75, 100], bakeMinutes: 10 }'],
    ['{ strategy: sagemaker-rolling, steps: [20, 40, 60, 80, 100], bakeMinutes: 10 }'],
  ])('accepts %s and is deployed by the real-time-guardrails driver', (rollout) => {
    const group = parsePolicy(policyWith(rollout), 't.yml').group('ranker');
    expect(group === undefined ? undefined : driverForGroup(group).kind).toBe('real-time-guardrails');
  });

  it('leaves a real-time canary to the two-variant driver', () => {
    const group = parsePolicy(policyWith('{ strategy: canary, steps: [10, 100], bakeMinutes: 10 }'), 't.yml').group(
      'ranker',
    );
    expect(group === undefined ? undefined : driverForGroup(group).kind).toBe('real-time');
  });

  it.each([
    [
      '{ strategy: sagemaker-canary, steps: [10, 50, 100], bakeMinutes: 10 }',
      'rollout.steps: a sagemaker-canary is one step and then 100',
    ],
    [
      '{ strategy: sagemaker-canary, steps: [60, 100], bakeMinutes: 10 }',
      "rollout.steps[0]: a sagemaker-canary is at most 50% (SageMaker's canary size)",
    ],
    [
      '{ strategy: sagemaker-linear, steps: [5, 10, 15, 100], bakeMinutes: 10 }',
      'rollout.steps[0]: a sagemaker-linear step is 10% to 50%',
    ],
    [
      '{ strategy: sagemaker-rolling, steps: [60, 100], bakeMinutes: 10 }',
      "rollout.steps[0]: a sagemaker-rolling batch is 5% to 50% of the fleet (SageMaker's MaximumBatchSize)",
    ],
    [
      '{ strategy: sagemaker-rolling, steps: [20, 100], bakeMinutes: 10 }',
      'rollout.steps: sagemaker-rolling steps are equal increments',
    ],
    [
      '{ strategy: sagemaker-rolling, steps: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], bakeMinutes: 60 }',
      "rollout.bakeMinutes: the deployment would take 11.0 h, past SageMaker's 8 h limit",
    ],
    [
      '{ strategy: sagemaker-canary, steps: [10, 100], bakeMinutes: 61 }',
      'rollout.bakeMinutes: at most 60 with sagemaker-canary',
    ],
    [
      '{ strategy: sagemaker-canary, steps: [10, 100], bakeMinutes: 1, alarms: [a, b, c, d, e, f, g, h, i, j, k] }',
      "rollout.alarms: at most 10 with sagemaker-canary (SageMaker's auto-rollback alarms)",
    ],
    [
      '{ strategy: sagemaker-linear, steps: [50, 100], bakeMinutes: 10, analysis: { maxErrorRateIncrease: 0.01 } }',
      'rollout.analysis: no analysis with sagemaker-linear',
    ],
    [
      '{ strategy: sagemaker-canary, steps: [10, 100], bakeMinutes: 10, shadowMinutes: 5 }',
      'rollout.shadowMinutes: no shadow with sagemaker-canary',
    ],
    [
      '{ strategy: sagemaker-canary, steps: [10, 100], bakeMinutes: 10, challenger: { instanceType: ml.inf1.xlarge } }',
      "rollout.challenger.instanceType: SageMaker's guardrails exclude endpoints that use Inf1",
    ],
  ])('refuses %s, naming the key', (rollout, problem) => {
    expect(problemsOf(policyWith(rollout))).toContain(`modelPackageGroups.ranker.${problem}`);
  });

  it('refuses an ab-test’s fields with a SageMaker strategy', () => {
    expect(
      problemsOf(policyWith('{ strategy: sagemaker-canary, steps: [10, 100], bakeMinutes: 10, weightPercent: 10 }')),
    ).toContain('modelPackageGroups.ranker.rollout.weightPercent: only for strategy ab-test');
  });
});

describe('SageMaker’s own strategies elsewhere', () => {
  it.each([
    [
      'serverless: { memorySizeInMB: 2048, maxConcurrency: 20 }',
      "a serverless group's canary, linear and all-at-once already go through SageMaker's guardrails",
    ],
    [
      "multiModel: { endpointName: mme, modelPrefix: 's3://models/' }",
      'this target has no endpoint traffic for SageMaker to shift',
    ],
  ])('refuses them for %s, naming rollout.strategy', (target, why) => {
    const text = policyWith('{ strategy: sagemaker-canary, steps: [10, 100], bakeMinutes: 10 }', target).replace(
      '    endpointName: ranker-prod\n',
      target.startsWith('multiModel') ? '' : '    endpointName: ranker-prod\n',
    );
    expect(problemsOf(text)).toContain(
      `modelPackageGroups.ranker.rollout.strategy: sagemaker-canary is for a real-time group (instanceType): ${why}`,
    );
  });
});
