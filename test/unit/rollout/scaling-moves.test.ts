import { describe, expect, it } from 'vitest';
import type { VariantScaling } from '#shared/rollout/rollout-state.ts';
import { missingScaling, scalingForChallenger, stepScalingPolicies } from '#shared/rollout/scaling-moves.ts';

const customMetric = {
  PolicyName: 'cpu',
  PolicyType: 'TargetTrackingScaling',
  TargetTrackingScalingPolicyConfiguration: {
    TargetValue: 60,
    CustomizedMetricSpecification: {
      MetricName: 'CPUUtilization',
      Namespace: '/aws/sagemaker/Endpoints',
      Dimensions: [
        { Name: 'EndpointName', Value: 'e' },
        { Name: 'VariantName', Value: 'g-1' },
      ],
      Statistic: 'Average',
    },
  },
};

function scaling(variantName: string, changes: Partial<VariantScaling> = {}): VariantScaling {
  return {
    variantName,
    minCapacity: 2,
    maxCapacity: 10,
    targetSettings: {},
    policies: [customMetric],
    scheduledActions: [{ ScheduledActionName: 'nightly', Schedule: 'cron(0 1 * * ? *)' }],
    ...changes,
  };
}

describe('scalingForChallenger', () => {
  it('gives the new variant the incumbent’s registration, its metric dimensions renamed', () => {
    const moved = scalingForChallenger([scaling('g-1')], [{ VariantName: 'g-1' }], 'g-2');
    if (moved === undefined) throw new Error('nothing moved');

    expect(moved.variantName).toBe('g-2');
    expect(moved.minCapacity).toBe(2);
    const dimensions = (moved.policies[0] as typeof customMetric).TargetTrackingScalingPolicyConfiguration
      .CustomizedMetricSpecification.Dimensions;
    expect(dimensions).toEqual([
      { Name: 'EndpointName', Value: 'e' },
      { Name: 'VariantName', Value: 'g-2' },
    ]);
    expect(moved.scheduledActions).toEqual(scaling('g-1').scheduledActions);
  });

  it('adds up the capacities of several incumbents, taking the policies of the one with the most weight', () => {
    const moved = scalingForChallenger(
      [scaling('a', { minCapacity: 1, maxCapacity: 4, policies: [] }), scaling('b')],
      [
        { VariantName: 'a', InitialVariantWeight: 1 },
        { VariantName: 'b', InitialVariantWeight: 3 },
      ],
      'c',
    );
    expect(moved).toMatchObject({ minCapacity: 3, maxCapacity: 14, policies: [{ PolicyName: 'cpu' }] });
  });

  it('is nothing when no incumbent was registered', () => {
    expect(scalingForChallenger([], [{ VariantName: 'g-1' }], 'g-2')).toBeUndefined();
  });
});

describe('missingScaling', () => {
  it('finds a registration, a policy or a scheduled action that is gone', () => {
    const wanted = [scaling('g-1')];
    expect(missingScaling(wanted, { 'g-1': scaling('g-1') })).toEqual([]);
    expect(missingScaling(wanted, {})).toEqual(wanted);
    expect(missingScaling(wanted, { 'g-1': scaling('g-1', { policies: [] }) })).toEqual(wanted);
    expect(missingScaling(wanted, { 'g-1': scaling('g-1', { scheduledActions: [] }) })).toEqual(wanted);
  });
});

describe('stepScalingPolicies', () => {
  it('names the step scaling policies, whose alarms people must re-point', () => {
    const withStep = scaling('g', { policies: [customMetric, { PolicyName: 'steps', PolicyType: 'StepScaling' }] });
    expect(stepScalingPolicies(withStep)).toEqual(['steps']);
  });
});
