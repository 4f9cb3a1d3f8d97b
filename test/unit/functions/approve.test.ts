import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { approveModelPackage } from '#functions/approve/approve.ts';
import { liveWriter, planWriter } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import type { DecisionMetric } from '#shared/runtime/run-context.ts';
import { sampleEvent } from '../../support/sample-events.ts';

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const dynamodb = mockClient(DynamoDBDocumentClient);

const policy = loadPolicyFile('rollout.config.yml');
const settings = {
  rolloutsTableName: 'rollouts',
  notificationsTopicArn: 'arn:aws:sns:us-east-1:123456789012:n',
};
const packageArn = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/1';
const reportUri = 's3://sagemaker-rollout-demo/fraud-detector/1/evaluation.json';

function pendingPackage(overrides: Record<string, unknown> = {}) {
  return {
    ModelPackageArn: packageArn,
    ModelPackageGroupName: 'fraud-detector',
    ModelPackageVersion: 1,
    ModelApprovalStatus: 'PendingManualApproval' as const,
    ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: reportUri } } },
    ...overrides,
  };
}

function reportBody(auc: number, fpr: number) {
  const body = JSON.stringify({
    binary_classification_metrics: { auc: { value: auc }, false_positive_rate: { value: fpr } },
  });
  // The adapter only calls transformToString(), the SDK's way of reading a small object.
  return { transformToString: async () => body } as unknown as GetObjectCommandOutput['Body'];
}

const decisions: DecisionMetric[] = [];

function run(event: unknown = sampleEvent('model-package-pending-approval'), writer = liveWriter()) {
  return approveModelPackage(event, { policy, settings, writer, countDecision: (metric) => decisions.push(metric) });
}

describe('approve', () => {
  beforeEach(() => {
    // Prepare
    for (const client of [sagemaker, s3, sns, dynamodb]) client.reset();
    decisions.length = 0;
    sagemaker.on(DescribeModelPackageCommand).resolves(pendingPackage());
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    s3.on(GetObjectCommand).resolves({ Body: reportBody(0.91, 0.05) });
    dynamodb.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('approves a pending package whose metrics pass, with the reason in ApprovalDescription', async () => {
    // Act
    const result = await run();
    // Assess
    expect(result.outcome).toBe('approved');
    expect(decisions).toEqual(['ApprovalApproved']);
    expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, {
      ModelPackageArn: packageArn,
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: expect.stringContaining(
        'binary_classification_metrics.auc.value = 0.91 (min 0.85, no champion yet): pass',
      ),
    });
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: 'sagemaker-rollout-demo',
      Key: 'fraud-detector/1/evaluation.json',
    });
    expect(sns).toHaveReceivedCommandWith(PublishCommand, { Subject: 'fraud-detector v1: Approved' });
  });

  it('rejects a package below the bar', async () => {
    s3.on(GetObjectCommand).resolves({ Body: reportBody(0.7, 0.05) });
    expect((await run()).outcome).toBe('rejected');
    expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, { ModelApprovalStatus: 'Rejected' });
  });

  it('compares with the champion, the newest other Approved package', async () => {
    const championArn = 'arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/0';
    sagemaker.on(ListModelPackagesCommand).resolves({
      ModelPackageSummaryList: [
        {
          ModelPackageArn: championArn,
          ModelPackageGroupName: 'fraud-detector',
          CreationTime: new Date(),
          ModelPackageStatus: 'Completed',
        },
      ],
    });
    sagemaker
      .on(DescribeModelPackageCommand, { ModelPackageName: championArn })
      .resolves(pendingPackage({ ModelPackageArn: championArn, ModelApprovalStatus: 'Approved' }));
    // the champion's report shows 0.91 as well: the candidate does not beat it by 0.005
    expect((await run()).outcome).toBe('rejected');
    expect(sagemaker).toHaveReceivedCommandWith(ListModelPackagesCommand, {
      ModelPackageGroupName: 'fraud-detector',
      ModelApprovalStatus: 'Approved',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
    });
  });

  it('leaves the package pending and notifies once when the report is missing', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));
    expect((await run()).outcome).toBe('left pending: evidence missing');
    expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);

    // A second delivery finds the notice already recorded and stays quiet.
    dynamodb.on(PutCommand).rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
    expect((await run()).outcome).toBe('left pending: evidence missing');
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('lets Lambda retry when S3 fails for a passing reason', async () => {
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('slow down'), { name: 'SlowDown' }));
    await expect(run()).rejects.toThrow('slow down');
    expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
  });

  it('does nothing for a package that is no longer pending (a duplicate event)', async () => {
    sagemaker.on(DescribeModelPackageCommand).resolves(pendingPackage({ ModelApprovalStatus: 'Approved' }));
    expect((await run()).outcome).toBe('ignored: already Approved');
    expect(decisions).toEqual([]);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('leaves manual groups and unconfigured groups untouched, without reading them', async () => {
    expect((await run(sampleEvent('model-package-manual-group'))).outcome).toBe('ignored: manual approval');
    expect((await run(sampleEvent('model-package-unconfigured-group'))).outcome).toBe('ignored: group not configured');
    expect(sagemaker.calls()).toHaveLength(0);
  });

  it('plans the writes without performing them in a dry run', async () => {
    const writer = planWriter();
    expect((await run(undefined, writer)).outcome).toBe('approved');
    expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(writer.performed.map((write) => `${write.service}:${write.operation}`)).toEqual([
      'sagemaker:UpdateModelPackage',
      'dynamodb:PutItem',
      'sns:Publish',
    ]);
  });

  it('refuses an event with a wrong ARN kind, naming the field, and calls nothing', async () => {
    const event = sampleEvent('model-package-pending-approval');
    event.detail.ModelPackageArn = 'arn:aws:sagemaker:us-east-1:123456789012:endpoint/fraud-prod';
    await expect(run(event)).rejects.toThrow(BadInputError);
    await expect(run(event)).rejects.toThrow(/detail\.ModelPackageArn: expected a versioned model-package ARN/);
    expect(sagemaker.calls()).toHaveLength(0);
  });
});
