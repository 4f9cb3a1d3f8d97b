import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { GetObjectCommand, type GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeEndpointCommand,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deployApprovedPackage } from '#functions/deploy/deploy.ts';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { loadPolicyFile, type Policy } from '#shared/policy/load-policy.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import type { DecisionMetric } from '#shared/runtime/run-context.ts';
import { samplePolicyWith } from '../../support/policy-variants.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';
import { sampleEvent } from '../../support/sample-events.ts';

const sagemaker = mockClient(SageMakerClient);
const s3 = mockClient(S3Client);
const sns = mockClient(SNSClient);
const dynamodb = mockClient(DynamoDBDocumentClient);
const eventbridge = mockClient(EventBridgeClient);

const policy = loadPolicyFile('examples/demo.config.yml');
/** The sample policy with fraud-detector trusting approval at registration. */
const trustingPolicy = () =>
  samplePolicyWith((raw) => {
    Object.assign(raw.modelPackageGroups['fraud-detector']?.approval ?? {}, { trustRegistrationApproval: true });
  });
const settings = {
  stage: 'test',
  stackName: 'sagemaker-rollout-test',
  parameterPrefix: '/sagemaker-rollout/test',
  rolloutsTableName: 'rollouts',
  notificationsTopicArn: 'arn:aws:sns:us-east-1:123456789012:n',
};
const arnOf = (version: number, group = 'fraud-detector') =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;
const packageArn = arnOf(2);

/** v2 of the group as the registry holds it: Approved at registration (no ApprovalDescription) unless told. */
function approvedPackage(overrides: Record<string, unknown> = {}, group = 'fraud-detector') {
  sagemaker.on(DescribeModelPackageCommand).resolves({
    ModelPackageArn: arnOf(2, group),
    ModelPackageGroupName: group,
    ModelPackageVersion: 2,
    ModelApprovalStatus: 'Approved',
    ModelMetrics: {
      ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://reports/v2/evaluation.json' } },
    },
    ...overrides,
  });
}
function report(auc: number) {
  const body = JSON.stringify({
    binary_classification_metrics: { auc: { value: auc }, false_positive_rate: { value: 0.05 } },
  });
  s3.on(GetObjectCommand).resolves({
    ContentLength: body.length,
    Body: { transformToString: async () => body } as unknown as GetObjectCommandOutput['Body'],
  });
}
function recorded(rollout: Rollout) {
  dynamodb.on(QueryCommand).resolves({ Items: [{ ...rollout, pk: rollout.endpointName, sk: 'ROLLOUT' }] });
}
/** v1 is being rolled out: an approval of v2 is queued behind it (a path that stops short of the endpoint). */
const activeV1 = (endpointName = 'fraud-prod', groupName = 'fraud-detector') =>
  rolloutRecord({ endpointName, groupName, packageVersion: 1, phase: 'Baking' });

function approvedEvent(group = 'fraud-detector') {
  const event = sampleEvent('model-package-approved');
  Object.assign(event.detail, {
    ModelPackageGroupName: group,
    ModelPackageArn: arnOf(2, group),
    ModelPackageVersion: 2,
  });
  return event;
}

const decisions: DecisionMetric[] = [];
function run(event = approvedEvent(), withPolicy: Policy = policy) {
  return deployApprovedPackage(event, {
    policy: withPolicy,
    settings,
    writer: liveWriter(),
    countDecision: (metric) => decisions.push(metric),
  });
}
const noticeRecords = () => dynamodb.commandCalls(PutCommand).map((call) => String(call.args[0].input.Item?.sk));

describe('deploy, for a version that arrived Approved', () => {
  beforeEach(() => {
    // Prepare
    for (const client of [sagemaker, s3, sns, dynamodb, eventbridge]) client.reset();
    decisions.length = 0;
    approvedPackage();
    report(0.95);
    recorded(activeV1());
    dynamodb.on(GetCommand).resolves({});
    dynamodb.on(PutCommand).resolves({});
    sagemaker.on(ListModelPackagesCommand).resolves({ ModelPackageSummaryList: [] });
    sagemaker
      .on(DescribeEndpointCommand)
      .rejects(Object.assign(new Error('Could not find endpoint "fraud-prod".'), { name: 'ValidationException' }));
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    eventbridge.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
  });

  describe('registered Approved in an auto group', () => {
    it('is judged by the group’s rules and deployed when they pass', async () => {
      // Act
      const result = await run();
      // Assess
      expect(result.outcome).toBe('queued behind v1 (Baking)');
      expect(s3).toHaveReceivedCommandWith(GetObjectCommand, { Bucket: 'reports', Key: 'v2/evaluation.json' });
      expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
      expect(sns).not.toHaveReceivedCommand(PublishCommand);
      expect(decisions).toEqual(['ApprovalApproved', 'RolloutQueued']);
    });

    it('is Rejected with the reason, status and description together, people told, and not deployed when they fail', async () => {
      report(0.7);

      const result = await run();

      expect(result.outcome).toBe('rejected: registered Approved, its rules failed');
      expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, {
        ModelPackageArn: packageArn,
        ModelApprovalStatus: 'Rejected',
        ApprovalDescription: expect.stringContaining(
          'auc.value = 0.7 (min 0.85, no champion yet): FAIL, below min 0.85',
        ),
      });
      expect(noticeRecords()).toEqual(['NOTICE#RegisteredApprovedRejected']);
      expect(sns).toHaveReceivedCommandWith(PublishCommand, {
        Subject: 'fraud-detector v2: registered Approved, Rejected by its rules',
        Message: expect.stringContaining('It was registered as Approved. In an auto group its rules judge it'),
      });
      expect(decisions).toEqual(['ApprovalRejected']);
    });

    it('is left as it is, people told once, and not deployed when evidence is missing', async () => {
      s3.on(GetObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));

      expect((await run()).outcome).toBe('not deployed: registered Approved, evidence missing');
      expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
      expect(noticeRecords()).toEqual(['NOTICE#RegisteredApprovedNeedsHuman']);
      const notice = sns.commandCalls(PublishCommand)[0]?.args[0].input;
      expect(notice?.Subject).toBe('fraud-detector v2: registered Approved, not deployed: needs a human');
      expect(notice?.Message?.split('\n').at(-1)).toBe(
        'To have it judged as a new version (and approved by hand if the rules still cannot judge it): ' +
          `aws sagemaker update-model-package --model-package-arn ${packageArn} --model-approval-status PendingManualApproval`,
      );

      // A duplicate event: the same verdict, the notice already recorded, nothing sent again.
      dynamodb.on(PutCommand).rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));
      expect((await run()).outcome).toBe('not deployed: registered Approved, evidence missing');
      expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    });

    it('is judged against the version that serves (the recorded incumbent), as approve judges', async () => {
      recorded({
        ...activeV1(),
        retainedVersions: [{ packageVersion: 1, packageArn: arnOf(1), modelName: 'm1', configName: 'c1' }],
      });
      sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arnOf(1) }).resolves({
        ModelPackageArn: arnOf(1),
        ModelPackageGroupName: 'fraud-detector',
        ModelPackageVersion: 1,
        ModelApprovalStatus: 'Approved',
        ModelMetrics: {
          ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://reports/v1/evaluation.json' } },
        },
      });
      const championReport = JSON.stringify({ binary_classification_metrics: { auc: { value: 0.948 } } });
      s3.on(GetObjectCommand, { Key: 'v1/evaluation.json' }).resolves({
        Body: { transformToString: async () => championReport } as unknown as GetObjectCommandOutput['Body'],
      });

      expect((await run()).outcome).toBe('rejected: registered Approved, its rules failed');
      expect(sagemaker).toHaveReceivedCommandWith(UpdateModelPackageCommand, {
        ApprovalDescription: expect.stringContaining('champion 0.948 + 0.005): FAIL, does not beat the champion'),
      });
    });
  });

  describe('deployed without judging', () => {
    it.each([
      {
        why: 'approve judged it by the rules (its ApprovalDescription)',
        overrides: { ApprovalDescription: 'sagemaker-rollout approved automatically: auc = 0.95 (min 0.85): pass' },
        withPolicy: policy,
        personAsked: false,
      },
      {
        why: 'the policy trusts approval at registration',
        overrides: {},
        withPolicy: trustingPolicy(),
        personAsked: false,
      },
      {
        why: 'approve left it for a person, who approved it since',
        overrides: {},
        withPolicy: policy,
        personAsked: true,
      },
    ])('when $why', async ({ overrides, withPolicy, personAsked }) => {
      approvedPackage(overrides);
      report(0.5);
      if (personAsked) {
        dynamodb
          .on(GetCommand, { Key: { pk: `PACKAGE#${packageArn}`, sk: 'NOTICE#NeedsHuman' } })
          .resolves({ Item: { pk: `PACKAGE#${packageArn}` } });
      }

      expect((await run(approvedEvent(), withPolicy)).outcome).toBe('queued behind v1 (Baking)');
      expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
      expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
    });

    it('in a manual group, where a person approved it, without reading anything more', async () => {
      approvedPackage({}, 'churn-model');
      recorded(activeV1('churn-prod', 'churn-model'));
      report(0.5);

      expect((await run(approvedEvent('churn-model'))).outcome).toBe('queued behind v1 (Baking)');
      expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
      expect(dynamodb).not.toHaveReceivedCommand(GetCommand);
    });
  });

  it('ignores a duplicate or late event before judging, so a version that served is never rejected later', async () => {
    report(0.5);
    // v3 completed since: a late Approved event of v2 must neither deploy nor reject it.
    recorded(
      rolloutRecord({ endpointName: 'fraud-prod', groupName: 'fraud-detector', packageVersion: 3, phase: 'Completed' }),
    );

    expect((await run()).outcome).toBe('ignored: v2 is older than v3, which is already Completed');
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
    expect(sagemaker).not.toHaveReceivedCommand(UpdateModelPackageCommand);
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });
});
