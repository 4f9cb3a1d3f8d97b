import { describe, expect, it } from 'vitest';
import type { StepPolicyAlarms } from '#shared/rollout/rollout-state.ts';
import { listsNaming, type Repointing, repointedAlarm } from '#shared/targets/real-time/scaling-alarms.ts';

const policyArn = (id: string, variant = 'fraud-detector-1', name = 'scale-out') =>
  `arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:${id}:resource/sagemaker/endpoint/fraud-prod/variant/${variant}:policyName/${name}`;
const topic = 'arn:aws:sns:us-east-1:123456789012:fraud-pager';
const deleted = policyArn('0b7c5e1a-1111-4c1a-9f00-000000000001');
const putBack = policyArn('6d8972f3-efc8-437c-92d1-6270f29a66e7');

const recorded: StepPolicyAlarms = {
  policyName: 'scale-out',
  policyArn: deleted,
  variantName: 'fraud-detector-1',
  alarms: [{ alarmName: 'fraud-prod-high-load', actionLists: ['AlarmActions'] }],
};

/** The team's alarm as DescribeAlarms returns it, invoking the recorded policy and paging someone. */
const described = {
  AlarmName: 'fraud-prod-high-load',
  AlarmArn: 'arn:aws:cloudwatch:us-east-1:123456789012:alarm:fraud-prod-high-load',
  AlarmDescription: 'scale out on load',
  AlarmConfigurationUpdatedTimestamp: new Date('2026-11-01T00:00:00Z'),
  ActionsEnabled: true,
  OKActions: [topic],
  AlarmActions: [topic, deleted],
  InsufficientDataActions: [],
  StateValue: 'OK',
  StateReason: 'Threshold Crossed',
  StateReasonData: '{}',
  StateUpdatedTimestamp: new Date('2026-11-02T00:00:00Z'),
  StateTransitionedTimestamp: new Date('2026-11-02T00:00:00Z'),
  MetricName: 'InvocationsPerInstance',
  Namespace: 'AWS/SageMaker',
  Statistic: 'Sum',
  Dimensions: [
    { Name: 'EndpointName', Value: 'fraud-prod' },
    { Name: 'VariantName', Value: 'fraud-detector-1' },
  ],
  Period: 60,
  Unit: 'None',
  EvaluationPeriods: 3,
  DatapointsToAlarm: 2,
  Threshold: 1000,
  ComparisonOperator: 'GreaterThanThreshold',
  TreatMissingData: 'notBreaching',
};

const repointing = (changes: Partial<Repointing> = {}): Repointing => ({
  recorded,
  policyArn: putBack,
  variantName: 'fraud-detector-1',
  resourceIdOf: (variant) => `endpoint/fraud-prod/variant/${variant}`,
  ...changes,
});

/** What PutMetricAlarm is given when only the actions change: every field the team set, none CloudWatch sets. */
const { AlarmArn, AlarmConfigurationUpdatedTimestamp, StateValue, StateReason, StateReasonData, ...configured } =
  described;
const { StateUpdatedTimestamp, StateTransitionedTimestamp, InsufficientDataActions, ...unchanged } = configured;

describe('repointedAlarm', () => {
  it('puts the new ARN where the deleted one was, every other field of the alarm as it is', () => {
    expect(repointedAlarm(described, repointing())).toEqual({ ...unchanged, AlarmActions: [topic, putBack] });
  });

  it('puts it back in the list that named the policy when the delete took the action away', () => {
    // DeleteScalingPolicy "deletes the underlying alarm action" (API_DeleteScalingPolicy).
    const withoutAction = { ...described, AlarmActions: [topic] };

    expect(repointedAlarm(withoutAction, repointing())?.AlarmActions).toEqual([topic, putBack]);
  });

  it('moves the alarm to the new variant at completion: the policy there, its VariantName dimension renamed', () => {
    const onNewVariant = policyArn('9e0b1c2d-2222-4c1a-9f00-000000000002', 'fraud-detector-2');
    const moved = repointing({ policyArn: onNewVariant, variantName: 'fraud-detector-2' });
    const renamed = [
      { Name: 'EndpointName', Value: 'fraud-prod' },
      { Name: 'VariantName', Value: 'fraud-detector-2' },
    ];
    const { MetricName, Namespace, Statistic, Period, Dimensions, ...rest } = unchanged;
    const load = (dimensions: typeof renamed) => [
      {
        Id: 'load',
        MetricStat: { Metric: { Namespace, MetricName, Dimensions: dimensions }, Period, Stat: Statistic },
        ReturnData: true,
      },
    ];
    // DescribeAlarms answers an empty Dimensions for an alarm on Metrics; PutMetricAlarm refuses both.
    const metricMath = {
      ...described,
      MetricName: undefined,
      Namespace: undefined,
      Statistic: undefined,
      Period: undefined,
    };

    expect(repointedAlarm(described, moved)).toEqual({
      ...unchanged,
      AlarmActions: [topic, onNewVariant],
      Dimensions: renamed,
    });
    expect(repointedAlarm({ ...metricMath, Dimensions: [], Metrics: load(Dimensions) }, moved)).toEqual({
      ...rest,
      AlarmActions: [topic, onNewVariant],
      Metrics: load(renamed),
    });
  });

  it('drops any stale incarnation of the same policy, never another policy', () => {
    const stale = policyArn('aaaaaaaa-3333-4c1a-9f00-000000000003');
    const scaleIn = policyArn('bbbbbbbb-4444-4c1a-9f00-000000000004', 'fraud-detector-1', 'scale-in');

    const input = repointedAlarm({ ...described, AlarmActions: [stale, scaleIn, deleted] }, repointing());

    expect(input?.AlarmActions).toEqual([putBack, scaleIn]);
  });

  it('is nothing to do when the alarm invokes the current ARN already', () => {
    expect(repointedAlarm({ ...described, AlarmActions: [topic, putBack] }, repointing())).toBeUndefined();
  });
});

describe('listsNaming', () => {
  it('names every action list that holds the ARN', () => {
    expect(listsNaming({ ...described, OKActions: [deleted] }, deleted)).toEqual(['AlarmActions', 'OKActions']);
    expect(listsNaming(described, putBack)).toEqual([]);
  });
});
