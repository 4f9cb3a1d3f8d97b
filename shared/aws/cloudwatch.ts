import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  type MetricAlarm,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import type { RolloutPolicy } from '#shared/policy/policy-schema.ts';
import type { AlarmReading, AlarmState } from '#shared/rollout/observed-state.ts';
import { guardAlarmNamesFor } from '#shared/rollout/rollout-state.ts';
import { apiRateLimited } from '#shared/runtime/settings.ts';
import { type DescribedAlarm, type Repointing, repointedAlarm } from '#shared/targets/real-time/scaling-alarms.ts';
import { rateLimit } from './api-rate-limits.ts';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { registered } from './lazy-client.ts';

export const cloudwatch = registered(new CloudWatchClient(clientOptions('cloudwatch')));
rateLimit(cloudwatch, 'cloudwatch', apiRateLimited);

// DescribeAlarms takes at most 100 names per call.
const namesPerCall = 100;

/**
 * The state (and its reason) of each alarm by name, metric or composite; an alarm that does not exist is
 * absent. Without AlarmTypes CloudWatch returns metric alarms only, so a composite would look missing.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
 */
export async function readAlarms(alarmNames: readonly string[]): Promise<Record<string, AlarmReading>> {
  const readings: Record<string, AlarmReading> = {};
  for (let start = 0; start < alarmNames.length; start += namesPerCall) {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: alarmNames.slice(start, start + namesPerCall),
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        // A page holds 50 alarms unless asked for more.
        MaxRecords: namesPerCall,
      }),
    );
    for (const alarm of [...(page.MetricAlarms ?? []), ...(page.CompositeAlarms ?? [])]) {
      if (alarm.AlarmName === undefined) continue;
      const transitionedAt = alarm.StateTransitionedTimestamp?.toISOString();
      readings[alarm.AlarmName] = {
        state: alarm.StateValue as AlarmState,
        reason: alarm.StateReason,
        ...(transitionedAt === undefined ? {} : { transitionedAt }),
      };
    }
  }
  return readings;
}

// A rollout's alarm changes state a few times at most; a history longer than this is read no further.
const historyPagesLimit = 5;

/**
 * When the alarm last went to ALARM after `since` (CloudWatch's own clock, exclusive), and why; undefined
 * when it did not. Metric and composite alarms alike: without AlarmTypes only metric alarms' history is
 * returned. https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarmHistory.html
 */
export async function lastAlarmSince(
  alarmName: string,
  since: string | undefined,
): Promise<{ at: string; reason?: string } | undefined> {
  let nextToken: string | undefined;
  for (let page = 0; page < historyPagesLimit; page += 1) {
    const answer = await cloudwatch.send(
      new DescribeAlarmHistoryCommand({
        AlarmName: alarmName,
        AlarmTypes: ['MetricAlarm', 'CompositeAlarm'],
        HistoryItemType: 'StateUpdate',
        ...(since === undefined ? {} : { StartDate: new Date(since) }),
        ScanBy: 'TimestampDescending',
        MaxRecords: namesPerCall,
        ...(nextToken === undefined ? {} : { NextToken: nextToken }),
      }),
    );
    for (const item of answer.AlarmHistoryItems ?? []) {
      const at = item.Timestamp?.toISOString();
      if (at === undefined || (since !== undefined && Date.parse(at) <= Date.parse(since))) continue;
      const data = parseHistoryData(item.HistoryData);
      if (data?.newState?.stateValue === 'ALARM')
        return { at, ...(data.newState.stateReason ? { reason: data.newState.stateReason } : {}) };
    }
    nextToken = answer.NextToken;
    if (nextToken === undefined) return undefined;
  }
  return undefined;
}

function parseHistoryData(
  text: string | undefined,
): { newState?: { stateValue?: string; stateReason?: string } } | undefined {
  try {
    return text === undefined ? undefined : JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The guard alarm names a rollout of this variant watches, for the limits the policy sets. */
export function guardAlarmNames(endpointName: string, variantName: string, policy: RolloutPolicy): string[] {
  const names = guardAlarmNamesFor(endpointName, variantName);
  return [
    ...(policy.guardAlarms.max5xxErrors !== undefined ? [names.errors] : []),
    ...(policy.guardAlarms.maxModelLatencyMicros !== undefined ? [names.latency] : []),
    ...(policy.guardAlarms.maxBacklogPerInstance !== undefined ? [names.backlog] : []),
  ];
}

/**
 * Alarms on the new variant's own metrics, so its errors are not averaged away by the incumbent's traffic.
 * Metrics: https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
 */
export async function putGuardAlarms(writer: Writer, endpointName: string, variantName: string, policy: RolloutPolicy) {
  const names = guardAlarmNamesFor(endpointName, variantName);
  const { max5xxErrors, maxModelLatencyMicros, maxBacklogPerInstance, periodSeconds, evaluationPeriods } =
    policy.guardAlarms;
  const common = {
    Namespace: 'AWS/SageMaker',
    Dimensions: [
      { Name: 'EndpointName', Value: endpointName },
      { Name: 'VariantName', Value: variantName },
    ],
    Period: periodSeconds,
    EvaluationPeriods: evaluationPeriods,
    ComparisonOperator: 'GreaterThanThreshold' as const,
    // No traffic yet is not a failure of the new version.
    TreatMissingData: 'notBreaching',
  };
  const alarms = [
    ...(max5xxErrors === undefined
      ? []
      : [
          {
            ...common,
            AlarmName: names.errors,
            MetricName: 'Invocation5XXErrors',
            Statistic: 'Sum' as const,
            Threshold: max5xxErrors,
          },
        ]),
    ...(maxModelLatencyMicros === undefined
      ? []
      : [
          {
            ...common,
            AlarmName: names.latency,
            MetricName: 'ModelLatency',
            Statistic: 'Average' as const,
            Threshold: maxModelLatencyMicros,
          },
        ]),
    // An asynchronous endpoint's queue: SageMaker reports it per endpoint, not per variant, so it guards
    // the endpoint as the new version takes its share. https://docs.aws.amazon.com/sagemaker/latest/dg/async-inference-monitor.html
    ...(maxBacklogPerInstance === undefined
      ? []
      : [
          {
            ...common,
            Dimensions: [{ Name: 'EndpointName', Value: endpointName }],
            AlarmName: names.backlog,
            MetricName: 'ApproximateBacklogSizePerInstance',
            Statistic: 'Average' as const,
            Threshold: maxBacklogPerInstance,
          },
        ]),
  ];
  for (const input of alarms) {
    const described = { ...input, AlarmDescription: `sagemaker-rollout guard for ${endpointName}/${variantName}` };
    await writer.write({ service: 'cloudwatch', operation: 'PutMetricAlarm', input: described }, () =>
      cloudwatch.send(new PutMetricAlarmCommand(described)),
    );
  }
}

export async function deleteAlarms(writer: Writer, alarmNames: readonly string[]) {
  const input = { AlarmNames: [...alarmNames] };
  await writer.write({ service: 'cloudwatch', operation: 'DeleteAlarms', input }, () =>
    cloudwatch.send(new DeleteAlarmsCommand(input)),
  );
}

type NamedAlarm = DescribedAlarm & { readonly AlarmName: string };
const named = (alarms: readonly MetricAlarm[] | undefined): NamedAlarm[] =>
  (alarms ?? []).flatMap((alarm) => (alarm.AlarmName === undefined ? [] : [{ ...alarm, AlarmName: alarm.AlarmName }]));

/** The metric alarms of these names that exist, every field as described. */
export async function describeMetricAlarms(alarmNames: readonly string[]): Promise<NamedAlarm[]> {
  const found: NamedAlarm[] = [];
  for (let start = 0; start < alarmNames.length; start += namesPerCall) {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmNames: alarmNames.slice(start, start + namesPerCall),
        MaxRecords: namesPerCall,
      }),
    );
    found.push(...named(page.MetricAlarms));
  }
  return found;
}

/**
 * The metric alarms with an action that starts with `actionPrefix` ("only those alarms that use a certain
 * alarm action", API_DescribeAlarms): for a policy's ARN, the alarms that invoke it.
 */
export async function alarmsWithActionPrefix(actionPrefix: string): Promise<NamedAlarm[]> {
  const found: NamedAlarm[] = [];
  let NextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({ ActionPrefix: actionPrefix, MaxRecords: namesPerCall, NextToken }),
    );
    found.push(...named(page.MetricAlarms));
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return found;
}

/**
 * Points the team's alarms that invoked a step scaling policy at its current ARN (scaling-alarms.ts), each
 * read just before so that nothing else of it changes; one already pointing there, or deleted since, is left.
 */
export async function repointAlarms(writer: Writer, alarmNames: readonly string[], repointing: Repointing) {
  for (const alarm of await describeMetricAlarms(alarmNames)) {
    const input = repointedAlarm(alarm, repointing);
    if (input === undefined) continue;
    await writer.write({ service: 'cloudwatch', operation: 'PutMetricAlarm', input }, () =>
      cloudwatch.send(new PutMetricAlarmCommand(input as PutMetricAlarmCommandInput)),
    );
  }
}
