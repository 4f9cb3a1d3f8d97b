import { describe, expect, it } from 'vitest';
import type { StepPolicyAlarms, VariantScaling } from '#shared/rollout/rollout-state.ts';
import {
  missingScaling,
  scalingForChallenger,
  scalingGaps,
  stepScalingNote,
} from '#shared/targets/real-time/scaling-moves.ts';

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

const policyArn = (id: string, variant = 'g-1', name = 'scale-out') =>
  `arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:${id}:resource/sagemaker/endpoint/e/variant/${variant}:policyName/${name}`;
const stepPolicy = { PolicyName: 'scale-out', PolicyType: 'StepScaling', StepScalingPolicyConfiguration: {} };
const invoked = (id: string, alarms: StepPolicyAlarms['alarms'], variantName = 'g-1'): StepPolicyAlarms => ({
  policyName: 'scale-out',
  policyArn: policyArn(id, variantName),
  variantName,
  alarms,
});
const highLoad = { alarmName: 'e-high-load', actionLists: ['AlarmActions' as const] };

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

  it('counts a step policy whose alarm does not invoke its current ARN as missing, naming the alarm', () => {
    const wanted = scaling('g-1', { policies: [stepPolicy], stepPolicies: [invoked('old-id', [highLoad])] });
    const putBack = (alarms: StepPolicyAlarms['alarms']) =>
      scaling('g-1', { policies: [stepPolicy], stepPolicies: [invoked('new-id', alarms)] });

    expect(missingScaling([wanted], { 'g-1': putBack([highLoad]) })).toEqual([]);
    const stale = putBack([{ alarmName: 'e-high-load', actionLists: [] }]);
    expect(missingScaling([wanted], { 'g-1': stale })).toEqual([wanted]);
    expect(scalingGaps(wanted, stale)).toEqual([
      `alarm e-high-load does not invoke step policy scale-out (${policyArn('new-id')})`,
    ]);
    // Named in OKActions only, where it was in AlarmActions: not as it was.
    expect(missingScaling([wanted], { 'g-1': putBack([{ ...highLoad, actionLists: ['OKActions'] }]) })).toEqual([
      wanted,
    ]);
  });

  it('does not miss an alarm the team deleted, nor one that invoked nothing when recorded', () => {
    const wanted = scaling('g-1', {
      policies: [stepPolicy],
      stepPolicies: [invoked('old-id', [highLoad, { alarmName: 'e-idle', actionLists: [] }])],
    });
    const putBack = scaling('g-1', {
      policies: [stepPolicy],
      stepPolicies: [invoked('new-id', [{ alarmName: 'e-idle', actionLists: [] }])],
    });

    expect(missingScaling([wanted], { 'g-1': putBack })).toEqual([]);
  });
});

describe('scalingForChallenger and step policies', () => {
  it('keeps the step policies’ alarms as read on the incumbent, for registering to re-point them', () => {
    const recorded = invoked('old-id', [highLoad]);
    const moved = scalingForChallenger(
      [scaling('g-1', { policies: [stepPolicy], stepPolicies: [recorded] })],
      [{ VariantName: 'g-1' }],
      'g-2',
    );

    expect(moved?.stepPolicies).toEqual([recorded]);
  });
});

describe('stepScalingNote', () => {
  const moved = (stepPolicies?: StepPolicyAlarms[]) =>
    scaling('g-2', { policies: [customMetric, stepPolicy], ...(stepPolicies ? { stepPolicies } : {}) });

  it('names the alarms that now invoke each step policy on the new variant', () => {
    expect(stepScalingNote(moved([invoked('old-id', [highLoad])]))).toBe(
      "\nStep scaling policy scale-out moved to g-2: alarm e-high-load now invokes it there (its metric's VariantName g-1 now g-2).",
    );
  });

  it('says what people must do where no alarm invoked it, or the alarms were not recorded', () => {
    expect(stepScalingNote(moved([invoked('old-id', [])]))).toBe(
      "\nStep scaling policy scale-out: no CloudWatch alarm invoked it on g-1, so it scales nothing on g-2 until an alarm's actions name its ARN.",
    );
    expect(stepScalingNote(moved())).toMatch(
      /^\nStep scaling policy scale-out was copied, but the alarms that invoke it were not recorded .*: point their actions at its new ARN/,
    );
    expect(stepScalingNote(scaling('g-2'))).toBe('');
  });
});
