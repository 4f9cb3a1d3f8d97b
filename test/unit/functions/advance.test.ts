import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { advanceRollouts } from '#functions/advance/advance.ts';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';
import { sampleEvent } from '../../support/sample-events.ts';

const dynamodb = mockClient(DynamoDBDocumentClient);
const sagemaker = mockClient(SageMakerClient);
const cloudwatch = mockClient(CloudWatchClient);
const policy = loadPolicyFile('examples/demo.config.yml');
const settings = {
  stage: 'test',
  stackName: 'sagemaker-rollout-test',
  parameterPrefix: '/sagemaker-rollout/test',
  rolloutsTableName: 'rollouts',
  notificationsTopicArn: 'arn:aws:sns:us-east-1:123456789012:n',
};

function bakingRollout(endpointName: string, groupName: string): Rollout {
  return rolloutRecord({
    endpointName,
    groupName,
    packageVersion: 2,
    phase: 'Baking',
    bakeStartedAt: '2026-11-25T09:00:00Z',
    incumbentConfigName: `${endpointName}-v1-final`,
    incumbentVariants: [{ VariantName: `${groupName}-1`, ModelName: `${endpointName}-v1`, InitialVariantWeight: 1 }],
    targetConfigName: `${endpointName}-v2-canary`,
    version: 3,
  });
}

describe('advance', () => {
  const fraud = bakingRollout('fraud-prod', 'fraud-detector');
  const churn = bakingRollout('churn-prod', 'churn-model');

  beforeEach(() => {
    for (const client of [dynamodb, sagemaker, cloudwatch]) client.reset();
    // Prepare: two active rollouts; the index lists both, each record is read back consistently.
    dynamodb.on(QueryCommand, { IndexName: 'active-rollouts' }).resolves({
      Items: [fraud, churn].map((rollout) => ({
        ...rollout,
        pk: rollout.endpointName,
        sk: 'ROLLOUT',
        activeMarker: 'ACTIVE',
      })),
    });
    for (const rollout of [fraud, churn]) {
      dynamodb
        .on(QueryCommand, { ExpressionAttributeValues: { ':pk': rollout.endpointName } })
        .resolves({ Items: [{ ...rollout, pk: rollout.endpointName, sk: 'ROLLOUT' }] });
    }
    dynamodb.on(PutCommand).resolves({});
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  });

  it('reconciles every active rollout, and one that fails never stops the others', async () => {
    sagemaker.on(DescribeEndpointCommand, { EndpointName: 'fraud-prod' }).rejects(new Error('Rate exceeded'));
    sagemaker.on(DescribeEndpointCommand, { EndpointName: 'churn-prod' }).resolves({
      EndpointName: 'churn-prod',
      EndpointStatus: 'InService',
      EndpointConfigName: 'churn-prod-v2-canary',
      ProductionVariants: [
        { VariantName: 'churn-model-1', CurrentWeight: 75, CurrentInstanceCount: 1 },
        { VariantName: 'churn-model-2', CurrentWeight: 25, CurrentInstanceCount: 1 },
      ],
      LastModifiedTime: new Date('2026-11-25T09:00:00Z'),
      CreationTime: new Date('2026-11-25T08:00:00Z'),
      EndpointArn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/churn-prod',
    });
    const tick = { ...sampleEvent('scheduled-tick'), time: '2026-11-25T09:02:00Z' };

    // Act
    const result = await advanceRollouts(tick, { policy, settings, writer: liveWriter() });

    // Assess: churn (linear 25/50/75/100, 5 min bake) waits; fraud's failure is reported, not thrown.
    expect(result.outcome).toBe('fraud-prod: error: Rate exceeded | churn-prod: Baking (baking: 2 of 5 min)');
    expect(sagemaker).toHaveReceivedCommandTimes(DescribeEndpointCommand, 2);
  });

  it('decides by the scheduled event time, not the clock', async () => {
    sagemaker.on(DescribeEndpointCommand).callsFake(({ EndpointName }: { EndpointName: string }) => ({
      EndpointName,
      EndpointStatus: 'InService',
      EndpointConfigName: `${EndpointName}-v2-canary`,
      ProductionVariants:
        EndpointName === 'fraud-prod'
          ? [
              { VariantName: 'fraud-detector-1', CurrentWeight: 90, CurrentInstanceCount: 1 },
              { VariantName: 'fraud-detector-2', CurrentWeight: 10, CurrentInstanceCount: 1 },
            ]
          : [
              { VariantName: 'churn-model-1', CurrentWeight: 75, CurrentInstanceCount: 1 },
              { VariantName: 'churn-model-2', CurrentWeight: 25, CurrentInstanceCount: 1 },
            ],
      LastModifiedTime: new Date('2026-11-25T09:00:00Z'),
    }));

    const early = await advanceRollouts(
      { ...sampleEvent('scheduled-tick'), time: '2026-11-25T09:04:00Z' },
      { policy, settings, writer: liveWriter() },
    );
    const late = await advanceRollouts(
      { ...sampleEvent('scheduled-tick'), time: '2026-11-25T09:10:00Z' },
      { policy, settings, writer: liveWriter() },
    );

    expect(early.outcome).toBe('fraud-prod: Baking (baking: 4 of 10 min) | churn-prod: Baking (baking: 4 of 5 min)');
    expect(late.outcome).toContain('fraud-prod: Baking (step 2 of 3: 50%)');
    expect(late.outcome).toContain('churn-prod: Baking (step 2 of 4: 50%)');
  });
});
