import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeEndpointCommand,
  DescribeModelPackageCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import { modelPackageEvent } from '../../cli/event-builders.ts';
import { replayEvent } from '../../cli/replay.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { samplePolicyWith } from '../support/policy-variants.ts';

let local: LocalStack;
const sagemaker = new SageMakerClient({});
const time = '2026-11-25T10:00:00Z';

const localStack = useLocalStack();
beforeEach(() => {
  local = localStack();
});

/** fraud-detector's version as a training pipeline registered it: Approved already, unless it says otherwise. */
const registered = (auc: number | undefined, approvalStatus?: 'Approved') =>
  registerModelPackage({
    groupName: 'fraud-detector',
    ...(auc === undefined ? {} : { evaluationReport: binaryClassificationReport(auc, 0.05) }),
    ...(approvalStatus === undefined ? {} : { approvalStatus }),
  });
const approvedEvent = (packageArn: string) => local.send(modelPackageEvent('Approved', packageArn, time));
const operations = (report: { actions: readonly { operation: string }[] }) =>
  report.actions.map((action) => action.operation);
const rollout = async () => (await readEndpointState(local.context().settings.rolloutsTableName, 'fraud-prod')).rollout;
async function statusOf(packageArn: string) {
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
  return { status: described.ModelApprovalStatus, description: described.ApprovalDescription };
}
const endpointExists = () =>
  sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'fraud-prod' })).then(
    () => true,
    () => false,
  );

describe('a version registered already Approved in an auto group', () => {
  it('is judged by the rules and deployed when they pass', async () => {
    const packageArn = await registered(0.95, 'Approved');

    const report = await approvedEvent(packageArn);

    expect(report.outcome).toMatch(/^started: /);
    expect((await rollout())?.packageVersion).toBe(1);
    expect(await statusOf(packageArn)).toEqual({ status: 'Approved', description: undefined });
  });

  it('is Rejected with the reason and never deployed when the rules fail, however many events arrive', async () => {
    const packageArn = await registered(0.7, 'Approved');

    const first = await approvedEvent(packageArn);
    const duplicate = await approvedEvent(packageArn);

    expect(first.outcome).toBe('rejected: registered Approved, its rules failed');
    expect(operations(first)).toEqual(['UpdateModelPackage', 'PutItem', 'Publish', 'PutEvents']);
    expect(duplicate).toMatchObject({ outcome: 'ignored: package is Rejected, not Approved', actions: [] });
    const { status, description } = await statusOf(packageArn);
    expect(status).toBe('Rejected');
    expect(description).toContain('auc.value = 0.7 (min 0.85, no champion yet): FAIL, below min 0.85');
    expect(await rollout()).toBeUndefined();
    expect(await endpointExists()).toBe(false);
  });

  it('is left as it is, people told once, and not deployed when its evidence is missing', async () => {
    const packageArn = await registered(undefined, 'Approved');

    const first = await approvedEvent(packageArn);
    const duplicate = await approvedEvent(packageArn);

    expect(first.outcome).toBe('not deployed: registered Approved, evidence missing');
    expect(operations(first)).toEqual(['PutItem', 'Publish', 'PutEvents']);
    expect(duplicate).toMatchObject({ outcome: 'not deployed: registered Approved, evidence missing', actions: [] });
    expect((await statusOf(packageArn)).status).toBe('Approved');
    expect(await rollout()).toBeUndefined();
  });

  it('is deployed without being judged when the policy trusts approval at registration', async () => {
    const policy = samplePolicyWith((raw) => {
      Object.assign(raw.modelPackageGroups['fraud-detector']?.approval ?? {}, { trustRegistrationApproval: true });
    });
    const setup = { routes: local.stack.routes, policy, settings: local.context().settings, dryRun: false };
    // Rules would reject it: only the policy's trust deploys it.
    const packageArn = await registered(0.7, 'Approved');

    const report = await replayEvent(modelPackageEvent('Approved', packageArn, time), setup);

    expect(report.outcome).toMatch(/^started: /);
    expect((await statusOf(packageArn)).status).toBe('Approved');
    expect((await rollout())?.packageVersion).toBe(1);
  });
});

describe('a version approved after it was pending', () => {
  it('is deployed as approve approved it, without being judged again', async () => {
    const packageArn = await registered(0.95);
    expect((await local.send(modelPackageEvent('PendingManualApproval', packageArn, time))).outcome).toBe('approved');
    // Its report gone since: judged again, it could not pass.
    const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
    const [, bucket, key] =
      /^s3:\/\/([^/]+)\/(.+)$/.exec(described.ModelMetrics?.ModelQuality?.Statistics?.S3Uri ?? '') ?? [];
    await new S3Client({ forcePathStyle: true }).send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));

    expect((await approvedEvent(packageArn)).outcome).toMatch(/^started: /);
  });

  it('is deployed when a person approved it after approve could not judge it', async () => {
    const packageArn = await registered(undefined);
    const asked = await local.send(modelPackageEvent('PendingManualApproval', packageArn, time));
    expect(asked.outcome).toBe('left pending: evidence missing');
    await sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: packageArn,
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'checked by hand: the report was lost, the offline evaluation is in the ticket',
      }),
    );

    expect((await approvedEvent(packageArn)).outcome).toMatch(/^started: /);
  });
});
