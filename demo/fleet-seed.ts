// A fleet of active canaries, seeded straight into the emulator (the endpoints, their models and configs,
// the alarms, the rollout records and their alarm watchers) so that the scale tests and the bench start
// from hundreds of rollouts in seconds instead of replaying hundreds of rollouts.
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChallengerPlan, Rollout } from '#shared/rollout/rollout-state.ts';
import { withStackTag } from '#shared/rollout/stack-ownership.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { endpointErrorAlarm } from './production-endpoint.ts';

export const fleetRole = 'arn:aws:iam::123456789012:role/SageMakerExecution';
const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop:1';

export const fleetGroup = (index: number) => `shop-${String(index).padStart(4, '0')}`;
export const fleetEndpoint = (index: number) => `${fleetGroup(index)}-prod`;
export const fleetAlarm = (index: number) => `${fleetEndpoint(index)}-5xx`;
export const fleetPipeline = (index: number) => `${fleetGroup(index)}-delivery`;

/**
 * The policy of a fleet of `count` per-shop groups, each listed on its own (the hard case for IAM and the
 * bundle); with `deliveryPipelines`, each with a delivery pipeline of its own (the hard case for the
 * pipeline statement: the stack is packaged with it, never run).
 */
export function fleetPolicyYaml(count: number, { deliveryPipelines = false } = {}): string {
  const groups = Array.from(
    { length: count },
    (_, index) =>
      `  ${fleetGroup(index)}:\n    endpointName: ${fleetEndpoint(index)}\n    rollout:\n      alarms: [${fleetAlarm(index)}]` +
      (deliveryPipelines ? `\n    deliveryPipeline: { name: ${fleetPipeline(index)} }` : ''),
  );
  return [
    'defaults:',
    `  executionRoleArn: ${fleetRole}`,
    '  instanceType: ml.m5.large',
    '  initialInstanceCount: 1',
    '  approval: { mode: manual }',
    '  rollout: { strategy: canary, steps: [50, 100], bakeMinutes: 10 }',
    'modelPackageGroups:',
    ...groups,
    '',
  ].join('\n');
}

/** The plan of a challenger on a plain one-instance ml.m5.large endpoint. */
export const plainChallengerPlan: ChallengerPlan = {
  variantSettings: { InstanceType: 'ml.m5.large' },
  configSettings: {},
  configTags: [],
  modelSettings: {},
  containerSettings: {},
  modelTags: [],
  baselineInstanceCount: 1,
  capacity: 'proportional',
  minInstanceCount: 1,
};

/**
 * The record of shop `index`'s v2 canary, baking at 50% since `bakeStartedAt`; `alarmChangedAt`: its alarm's last
 * state change, which a rollout's record keeps from the steps that wrote it.
 */
function canaryRecord(index: number, bakeStartedAt: string, alarmChangedAt?: string): Rollout {
  const endpointName = fleetEndpoint(index);
  const groupName = fleetGroup(index);
  return {
    rolloutId: `${endpointName}-v2`,
    endpointName,
    groupName,
    packageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/2`,
    packageVersion: 2,
    phase: 'Baking',
    stage: 'canary',
    stepIndex: 0,
    phaseSince: bakeStartedAt,
    bakeStartedAt,
    challengerVariant: `${groupName}-2`,
    challengerModel: `${endpointName}-v2`,
    incumbentConfigName: `${endpointName}-v1-final`,
    incumbentVariants: [
      {
        VariantName: `${groupName}-1`,
        ModelName: `${endpointName}-v1`,
        InstanceType: 'ml.m5.large',
        InitialInstanceCount: 1,
        InitialVariantWeight: 1,
      },
    ],
    incumbentInstanceCounts: { [`${groupName}-1`]: 1 },
    incumbentScaling: [],
    challenger: plainChallengerPlan,
    targetConfigName: `${endpointName}-v2-canary`,
    guardAlarms: [],
    watchedAlarms: [fleetAlarm(index)],
    alarmTransitionsSeen: alarmChangedAt === undefined ? {} : { [fleetAlarm(index)]: alarmChangedAt },
    paused: false,
    noticesSent: [],
    history: [{ at: bakeStartedAt, phase: 'Baking', note: 'baking at 50%' }],
    retainedVersions: [{ packageVersion: 1, modelName: `${endpointName}-v1`, configName: `${endpointName}-v1-final` }],
    version: 3,
  };
}

async function seedEndpoint(
  sagemaker: SageMakerClient,
  cloudwatch: CloudWatchClient,
  index: number,
  stackName: string,
) {
  const endpointName = fleetEndpoint(index);
  const groupName = fleetGroup(index);
  for (const version of [1, 2]) {
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: `${endpointName}-v${version}`,
        ExecutionRoleArn: fleetRole,
        PrimaryContainer: { Image: image },
      }),
    );
  }
  const variant = (version: number) => ({
    VariantName: `${groupName}-${version}`,
    ModelName: `${endpointName}-v${version}`,
    InstanceType: 'ml.m5.large' as const,
    InitialInstanceCount: 1,
    InitialVariantWeight: 50,
  });
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpointName}-v2-canary`,
      ProductionVariants: [variant(1), variant(2)],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: endpointName,
      EndpointConfigName: `${endpointName}-v2-canary`,
      Tags: withStackTag([], stackName),
    }),
  );
  await cloudwatch.send(new PutMetricAlarmCommand(endpointErrorAlarm(fleetAlarm(index), endpointName)));
}

/**
 * Shops `from` to `to - 1`, each with v2 baking at 50% beside v1 since `bakeStartedAt`, its alarm in
 * CloudWatch and its rollout recorded (and watching it). `settle` finishes the endpoints' creation.
 */
export async function seedFleet(
  settings: Pick<Settings, 'rolloutsTableName' | 'stackName'>,
  range: { readonly from: number; readonly to: number },
  bakeStartedAt: string,
  settle: () => Promise<void>,
): Promise<void> {
  const sagemaker = new SageMakerClient({});
  const cloudwatch = new CloudWatchClient({});
  const dynamodb = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const indexes = Array.from({ length: range.to - range.from }, (_, offset) => range.from + offset);
  const seeded = await mapSettled(indexes, 8, (index) =>
    seedEndpoint(sagemaker, cloudwatch, index, settings.stackName),
  );
  const failed = seeded.find((result) => result.status === 'rejected');
  if (failed?.status === 'rejected') throw failed.reason;
  await settle();
  const changedAt = new Map<string, string>();
  for (let start = 0; start < indexes.length; start += 100) {
    const AlarmNames = indexes.slice(start, start + 100).map(fleetAlarm);
    const page = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames, MaxRecords: 100 }));
    for (const alarm of page.MetricAlarms ?? []) {
      const at = alarm.StateTransitionedTimestamp?.toISOString();
      if (alarm.AlarmName !== undefined && at !== undefined) changedAt.set(alarm.AlarmName, at);
    }
  }
  const items = indexes.flatMap((index) => {
    const record = canaryRecord(index, bakeStartedAt, changedAt.get(fleetAlarm(index)));
    return [
      { ...record, pk: record.endpointName, sk: 'ROLLOUT', activeMarker: 'ACTIVE' },
      { pk: `ALARM#${fleetAlarm(index)}`, sk: record.endpointName, rolloutId: record.rolloutId },
    ];
  });
  for (let start = 0; start < items.length; start += 25) {
    const batch = items.slice(start, start + 25).map((Item) => ({ PutRequest: { Item } }));
    await dynamodb.send(new BatchWriteCommand({ RequestItems: { [settings.rolloutsTableName]: batch } }));
  }
}
