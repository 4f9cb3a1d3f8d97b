import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { approveModelPackage } from '#functions/approve/approve.ts';
import { liveWriter, planWriter } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import { parsePolicyDocument } from '#shared/policy/policy-document.ts';
import { logger } from '#shared/runtime/logger.ts';
import type { DecisionMetric } from '#shared/runtime/run-context.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';
import { sampleEvent } from '../../support/sample-events.ts';

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const dynamodb = mockClient(DynamoDBDocumentClient);
const eventbridge = mockClient(EventBridgeClient);

const policy = loadPolicyFile('examples/demo.config.yml');
const settings = {
  stage: 'test',
  stackName: 'sagemaker-rollout-test',
  parameterPrefix: '/sagemaker-rollout/test',
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
    for (const client of [sagemaker, s3, sns, dynamodb, eventbridge]) client.reset();
    decisions.length = 0;
    sagemaker.on(DescribeModelPackageCommand).resolves(pendingPackage());
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    // No rollout recorded and no endpoint yet, unless a test says otherwise.
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    sagemaker
      .on(DescribeEndpointCommand)
      .rejects(Object.assign(new Error('Could not find endpoint "fraud-prod".'), { name: 'ValidationException' }));
    s3.on(GetObjectCommand).resolves({ Body: reportBody(0.91, 0.05) });
    dynamodb.on(PutCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
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
    const [entry] = eventbridge.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entry).toMatchObject({ Source: 'sagemaker-rollout', DetailType: 'Model Package Approved' });
    expect(JSON.parse(entry?.Detail ?? '{}')).toMatchObject({
      schemaVersion: '1',
      groupName: 'fraud-detector',
      packageArn,
      packageVersion: 1,
      reason: expect.stringContaining('auc'),
      actor: 'sagemaker-rollout',
    });
  });

  it('counts, and does not fail on, a decision event the bus refuses', async () => {
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'InternalFailure' }] });

    expect((await run()).outcome).toBe('approved');
    expect(decisions).toEqual(['EventsFailed', 'ApprovalApproved']);
  });

  it('rejects a package below the bar', async () => {
    s3.on(GetObjectCommand).resolves({ Body: reportBody(0.7, 0.05) });
    expect((await run()).outcome).toBe('rejected');
    expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, { ModelApprovalStatus: 'Rejected' });
  });

  const championArn = (version: number) =>
    `arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/${version}`;
  /** Version `version` is Approved and its report shows an AUC of `auc`. */
  function approvedPackage(version: number, auc: number) {
    const uri = `s3://sagemaker-rollout-demo/fraud-detector/${version}/evaluation.json`;
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: championArn(version) }).resolves(
      pendingPackage({
        ModelPackageArn: championArn(version),
        ModelPackageVersion: version,
        ModelApprovalStatus: 'Approved',
        ModelMetrics: { ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: uri } } },
      }),
    );
    s3.on(GetObjectCommand, { Key: `fraud-detector/${version}/evaluation.json` }).resolves({
      Body: reportBody(auc, 0.05),
    });
  }
  function recorded(rollout: ReturnType<typeof rolloutRecord>) {
    dynamodb.on(QueryCommand).resolves({ Items: [{ ...rollout, pk: rollout.endpointName, sk: 'ROLLOUT' }] });
  }

  it('compares with the version the endpoint serves, not an aborted one that is still Approved', async () => {
    approvedPackage(7, 0.8);
    approvedPackage(8, 0.95);
    // v8 was aborted by an operator (still Approved in the registry); v7 serves.
    recorded(
      rolloutRecord({
        endpointName: 'fraud-prod',
        groupName: 'fraud-detector',
        packageVersion: 8,
        phase: 'RolledBack',
        retainedVersions: [{ packageVersion: 7, packageArn: championArn(7), modelName: 'm7', configName: 'c7' }],
      }),
    );
    const result = await run();
    expect(result.outcome).toBe('approved');
    expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, {
      ApprovalDescription: expect.stringContaining('champion 0.8 + 0.005'),
    });
    expect(sagemaker).not.toHaveReceivedCommand(ListModelPackagesCommand);
  });

  it('compares with the completed rollout’s version, and with the incumbent while a rollout is active', async () => {
    approvedPackage(7, 0.95);
    const completed = { endpointName: 'fraud-prod', groupName: 'fraud-detector', packageVersion: 7 } as const;
    recorded(rolloutRecord({ ...completed, phase: 'Completed' }));
    expect((await run()).outcome).toBe('rejected');

    recorded(
      rolloutRecord({
        ...completed,
        packageVersion: 9,
        phase: 'Baking',
        retainedVersions: [{ packageVersion: 7, modelName: 'm7', configName: 'c7' }],
      }),
    );
    expect((await run()).outcome).toBe('rejected');
    expect(sagemaker).toHaveReceivedCommandWith(DescribeModelPackageCommand, { ModelPackageName: championArn(7) });
  });

  it('finds the champion on an endpoint deployed before sagemaker-rollout, through its model', async () => {
    approvedPackage(3, 0.95);
    sagemaker.on(DescribeEndpointCommand).resolves({
      EndpointName: 'fraud-prod',
      EndpointStatus: 'InService',
      EndpointConfigName: 'hand-made',
      ProductionVariants: [{ VariantName: 'main', CurrentWeight: 1, CurrentInstanceCount: 2 }],
      LastModifiedTime: new Date(),
    });
    sagemaker.on(DescribeEndpointConfigCommand).resolves({
      EndpointConfigName: 'hand-made',
      EndpointConfigArn: 'arn:aws:sagemaker:us-east-1:123456789012:endpoint-config/hand-made',
      ProductionVariants: [{ VariantName: 'main', ModelName: 'hand-made-model' }],
    });
    sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
    sagemaker.on(DescribeModelCommand).resolves({
      ModelName: 'hand-made-model',
      PrimaryContainer: { ModelPackageName: championArn(3) },
    });

    expect((await run()).outcome).toBe('rejected');
    expect(sagemaker).not.toHaveReceivedCommand(ListModelPackagesCommand);
  });

  describe('on an endpoint deployed by hand from an image and an artifact', () => {
    const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-detector:latest';
    function servingByHand(container: { Image: string; ModelDataUrl: string }) {
      sagemaker.on(DescribeEndpointCommand).resolves({
        EndpointName: 'fraud-prod',
        EndpointStatus: 'InService',
        EndpointConfigName: 'hand-made',
        ProductionVariants: [{ VariantName: 'main', CurrentWeight: 1, CurrentInstanceCount: 2 }],
        CreationTime: new Date(),
      });
      sagemaker.on(DescribeEndpointConfigCommand).resolves({
        EndpointConfigName: 'hand-made',
        ProductionVariants: [{ VariantName: 'main', ModelName: 'hand-made-model' }],
      });
      sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
      sagemaker.on(DescribeModelCommand).resolves({ ModelName: 'hand-made-model', PrimaryContainer: container });
    }
    /** Versions 2 (auc 0.9, the one serving) and 3 (auc 0.86, the newest Approved), each with its artifact. */
    function registered() {
      for (const [version, auc] of [
        [2, 0.9],
        [3, 0.86],
      ] as const) {
        approvedPackage(version, auc);
        sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: championArn(version) }).resolves(
          pendingPackage({
            ModelPackageArn: championArn(version),
            ModelPackageVersion: version,
            ModelApprovalStatus: 'Approved',
            ModelMetrics: {
              ModelQuality: {
                Statistics: {
                  ContentType: 'application/json',
                  S3Uri: `s3://sagemaker-rollout-demo/fraud-detector/${version}/evaluation.json`,
                },
              },
            },
            InferenceSpecification: {
              Containers: [{ Image: image, ModelDataUrl: `s3://sagemaker-rollout-demo/v${version}/model.tar.gz` }],
              SupportedContentTypes: ['text/csv'],
              SupportedResponseMIMETypes: ['text/csv'],
            },
          }),
        );
      }
      sagemaker.on(ListModelPackagesCommand).resolves({
        ModelPackageSummaryList: [3, 2, 1].map((version) => ({
          ModelPackageArn: championArn(version),
          ModelPackageGroupName: 'fraud-detector',
          CreationTime: new Date(),
          ModelPackageStatus: 'Completed' as const,
        })),
      });
    }

    it('compares with the version whose image and artifact it serves, not the newest Approved one', async () => {
      registered();
      servingByHand({ Image: image, ModelDataUrl: 's3://sagemaker-rollout-demo/v2/model.tar.gz' });
      s3.on(GetObjectCommand, { Key: 'fraud-detector/1/evaluation.json' }).resolves({ Body: reportBody(0.87, 0.05) });

      expect((await run()).outcome).toBe('rejected');
      expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, {
        ModelApprovalStatus: 'Rejected',
        ApprovalDescription: expect.stringContaining(
          'auc.value = 0.87 (min 0.85, champion 0.9 + 0.005): FAIL, does not beat the champion by 0.005',
        ),
      });
    });

    it('leaves the package pending, saying why and what a person can do, when no version matches what serves', async () => {
      registered();
      servingByHand({ Image: image, ModelDataUrl: 's3://team-bucket/retrained/model.tar.gz' });

      expect((await run()).outcome).toBe('left pending: evidence missing');
      expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
      const notice = sns.commandCalls(PublishCommand)[0]?.args[0].input;
      expect(notice?.Subject).toBe('fraud-detector v1: needs a human');
      expect(notice?.Message).toContain(
        `champion UNKNOWN (the endpoint fraud-prod serves model hand-made-model (image ${image}, artifact ` +
          's3://team-bucket/retrained/model.tar.gz), which matches no version of fraud-detector): a person compares ' +
          'it with the version that serves and approves or rejects it by hand',
      );
      expect(notice?.Message?.split('\n').at(-1)).toMatch(/^To approve it by hand: aws sagemaker update-model-package/);
    });
  });

  it('compares with the newest other Approved package when there is no endpoint yet', async () => {
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

  it('leaves untouched, with a warning, a group whose endpoint another key of the policy claims too', async () => {
    // Prepare: the bundle's policy (checked on use) with a pattern whose group fraud-prod would be on fraud-prod too.
    const document = parseYaml(readFileSync('examples/demo.config.yml', 'utf8'));
    document.modelPackageGroups['fraud-*'] = { endpointName: '{group}' };
    const claimedTwice = parsePolicyDocument(document, 'bundle', 'on use');
    const warn = vi.spyOn(logger, 'warn');

    // Act
    const result = await approveModelPackage(sampleEvent('model-package-pending-approval'), {
      policy: claimedTwice,
      settings,
      writer: liveWriter(),
    });

    // Assess
    expect(result.outcome).toBe('ignored: group not configured');
    expect(sagemaker.calls()).toHaveLength(0);
    expect(warn).toHaveBeenCalledWith(
      'group not acted on: endpoint fraud-prod is claimed by group fraud-detector and by group fraud-prod (pattern fraud-*) (one group per endpoint)',
      expect.objectContaining({
        modelPackageGroup: 'fraud-detector',
        endpointName: 'fraud-prod',
        otherPolicyKey: 'fraud-*',
      }),
    );
    warn.mockRestore();
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
      'events:PutEvents',
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
