/**
 * Targets without an endpoint update. Two customers' churn models on one multi-model endpoint: a version is
 * a new object under the model prefix, smoke-tested, then published to clients as the group's target model
 * (SSM); an alarm during its bake sends that customer's clients back, and leaves the other customer alone.
 * A batch group: a version is a transform job, whose model is published when it completes.
 */
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeModelCommand, DescribeTransformJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { beforeEach, describe, expect, it } from 'vitest';
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import { modelPackageEvent, transformJobChange } from '../../cli/event-builders.ts';
import { rolloutStatus } from '../../cli/operator-commands.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { subscribeToNotices } from '../../demo/notice-inbox.ts';
import {
  deployMultiModelEndpoint as deployMultiModelEndpointAs,
  endpointErrorAlarm,
} from '../../demo/production-endpoint.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';

const sagemaker = new SageMakerClient({});
const cloudwatch = new CloudWatchClient({});
const s3 = new S3Client({ forcePathStyle: true });
const ssm = new SSMClient({});
const mme = 'customers-mme';
const alarmName = 'customers-mme-errors';

let local: LocalStack;
const localStack = useLocalStack('test/fixtures/targets.config.yml');
beforeEach(() => {
  local = localStack();
});

const table = () => local.context().settings.rolloutsTableName;
const record = async (key: string) => (await readEndpointState(table(), key)).rollout;
const parameter = async (name: string) =>
  (await ssm.send(new GetParameterCommand({ Name: `/sagemaker-rollout/local/${name}` })).catch(() => undefined))
    ?.Parameter?.Value;
const objectExists = (bucket: string, key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })).then(
    () => true,
    () => false,
  );

/** The shared endpoint as the platform team runs it, and the alarm on it that every customer shares. */
async function deployMultiModelEndpoint() {
  await deployMultiModelEndpointAs(mme, 's3://customer-models/churn/', () => local.emulator.settle());
  await cloudwatch.send(new PutMetricAlarmCommand(endpointErrorAlarm(alarmName, mme)));
}

/** Ticks, a minute apart, until the rollout is in one of `phases`. */
async function tickUntil(story: ReturnType<typeof rolloutStory>, phases: string[]) {
  for (let count = 0; count < 30; count += 1) {
    const phase = (await story.record())?.phase;
    if (phase !== undefined && phases.includes(phase)) return;
    await story.tick();
  }
  throw new Error(`never reached ${phases.join('/')}: ${JSON.stringify((await story.record())?.history)}`);
}

/** A new version of a customer's model approved, then ticks until its rollout is in one of `phases`. */
async function release(story: ReturnType<typeof rolloutStory>, groupName: string, phases: string[]) {
  const packageArn = await registerModelPackage({
    groupName,
    evaluationReport: binaryClassificationReport(0.9, 0.05),
    approvalStatus: 'Approved',
  });
  await story.approved(packageArn);
  await tickUntil(story, phases);
  return packageArn;
}

describe('customers on one multi-model endpoint', () => {
  const story = (groupName: string) => rolloutStory(local, { groupName, endpointName: `${mme}/${groupName}` });

  it('copies each version under a new name, tells clients through SSM, and never updates the endpoint', async () => {
    await deployMultiModelEndpoint();
    const acme = story('acme-churn');
    const globex = story('globex-churn');

    await release(acme, 'acme-churn', ['Baking']);
    // The switch is published at once; the bake is how long an alarm may still send clients back.
    expect(await parameter('target-model/acme-churn')).toBe('acme-churn/v1.tar.gz');
    expect(await objectExists('customer-models', 'churn/acme-churn/v1.tar.gz')).toBe(true);
    await tickUntil(acme, ['Completed']);
    await release(globex, 'globex-churn', ['Completed']);
    await release(acme, 'acme-churn', ['Completed']);

    expect(await parameter('target-model/acme-churn')).toBe('acme-churn/v2.tar.gz');
    expect(await parameter('target-model/globex-churn')).toBe('globex-churn/v1.tar.gz');
    expect(await record(`${mme}/acme-churn`)).toMatchObject({
      phase: 'Completed',
      targetModel: 'acme-churn/v2.tar.gz',
      previousTargetModel: 'acme-churn/v1.tar.gz',
    });
    // The endpoint was never touched: the platform team's config still serves.
    const endpoint = await rolloutStory(local, { groupName: 'acme-churn', endpointName: mme }).endpoint();
    expect(endpoint.EndpointConfigName).toBe('customers-mme-config');
    const status = await rolloutStatus(local.context(), `${mme}/acme-churn`);
    expect(status.slice(0, 3)).toEqual([
      `${mme}/acme-churn (acme-churn): live v2`,
      expect.stringMatching(/^ {2}phase {5}Completed since /),
      '  target    clients use acme-churn/v2.tar.gz',
    ]);
  });

  it('sends one customer back to its previous version on the shared alarm, rejects it, and leaves the other alone', async () => {
    await deployMultiModelEndpoint();
    const acme = story('acme-churn');
    const globex = story('globex-churn');
    await release(acme, 'acme-churn', ['Completed']);
    await release(globex, 'globex-churn', ['Completed']);
    const v2 = await release(acme, 'acme-churn', ['Baking']);

    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'test: 5xx errors' }),
    );
    const reaction = await acme.alarm(alarmName);

    // Clients are told the previous version at once, in the alarm's own invocation...
    expect(reaction.outcome).toContain(
      'customers-mme/acme-churn: rolling back: alarm customers-mme-errors is in ALARM',
    );
    expect(await parameter('target-model/acme-churn')).toBe('acme-churn/v1.tar.gz');
    expect((await record(`${mme}/acme-churn`))?.phase).toBe('RollingBack');
    // ...and the next tick reads it back before the rollback counts as done (a refused write is repaired, never given up).
    await acme.tick();
    expect((await record(`${mme}/acme-churn`))?.phase).toBe('RolledBack');
    expect((await acme.packageStatus(v2)).status).toBe('Rejected');
    expect(await objectExists('customer-models', 'churn/acme-churn/v2.tar.gz')).toBe(false);
    // globex was not baking: its clients keep using its version, its rollout is as it was.
    expect(await parameter('target-model/globex-churn')).toBe('globex-churn/v1.tar.gz');
    expect((await record(`${mme}/globex-churn`))?.phase).toBe('Completed');
  });

  it('stops at a failing smoke test: clients are not told, the copy is removed', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await deployMultiModelEndpoint();
    const acme = story('acme-churn');
    await release(acme, 'acme-churn', ['Completed']);
    await local.emulator.failNextInvocation(mme, 'feature count mismatch');

    await release(acme, 'acme-churn', ['Failed']);

    expect((await record(`${mme}/acme-churn`))?.reason).toMatch(
      /^the smoke test of acme-churn\/v2.tar.gz on customers-mme failed: ModelError: .*feature count mismatch/,
    );
    expect(await parameter('target-model/acme-churn')).toBe('acme-churn/v1.tar.gz');
    expect(await objectExists('customer-models', 'churn/acme-churn/v2.tar.gz')).toBe(false);
    const subjects = (await notices.received()).map((notice) => notice.subject);
    expect(subjects).toContain('customers-mme/acme-churn: acme-churn v2 failed');
  });

  it('deletes the objects of versions it no longer keeps', async () => {
    await deployMultiModelEndpoint();
    const acme = story('acme-churn');
    for (let version = 1; version <= 3; version += 1) await release(acme, 'acme-churn', ['Completed']);

    // keepPreviousVersions 1: the current version and the one before it.
    expect(await objectExists('customer-models', 'churn/acme-churn/v1.tar.gz')).toBe(false);
    expect(await objectExists('customer-models', 'churn/acme-churn/v2.tar.gz')).toBe(true);
    expect(await objectExists('customer-models', 'churn/acme-churn/v3.tar.gz')).toBe(true);
  });
});

describe('a batch group', () => {
  const groupName = 'nightly-scoring';
  const key = `batch/${groupName}`;

  async function withInput() {
    await s3.send(new CreateBucketCommand({ Bucket: 'scoring' }));
    await s3.send(new PutObjectCommand({ Bucket: 'scoring', Key: 'input/customers.csv', Body: '1,2,3\n4,5,6\n' }));
  }

  async function approve(version: number, time: string) {
    const packageArn = await registerModelPackage({
      groupName,
      evaluationReport: binaryClassificationReport(0.9, 0.05),
      approvalStatus: 'Approved',
    });
    expect(packageArn).toMatch(new RegExp(`/${version}$`));
    const report = await local.send(modelPackageEvent('Approved', packageArn, time));
    expect(report.outcome).toBe(`started: transform job ${groupName}-v${version} started`);
    return packageArn;
  }

  it('runs a transform job on approval and publishes its model when the job completes, on the job’s event', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await withInput();
    await approve(1, '2026-11-25T09:00:00Z');

    const job = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: `${groupName}-v1` }));
    expect(job).toMatchObject({
      TransformJobStatus: 'InProgress',
      ModelName: `${groupName}-v1`,
      TransformOutput: { S3OutputPath: 's3://scoring/output/nightly-scoring/v1/' },
      TransformResources: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1 },
    });
    expect(job.TransformInput).toMatchObject({ ContentType: 'text/csv', SplitType: 'Line' });
    expect(await parameter(`batch-model/${groupName}`)).toBeUndefined();

    await local.emulator.settle();
    const report = await local.send(transformJobChange(`${groupName}-v1`, 'Completed', '2026-11-25T09:30:00Z'));

    expect(report.function).toBe('endpoint-events');
    expect((await record(key))?.phase).toBe('Completed');
    expect(await parameter(`batch-model/${groupName}`)).toBe(`${groupName}-v1`);
    expect((await notices.received()).map((notice) => notice.message)).toContainEqual(
      expect.stringContaining(
        'Transform job nightly-scoring-v1 completed; its output is in s3://scoring/output/nightly-scoring/v1/',
      ),
    );
    // Delivered again, or late: nothing more happens.
    expect((await local.send(transformJobChange(`${groupName}-v1`, 'Completed', '2026-11-25T09:31:00Z'))).outcome).toBe(
      `ignored: no active rollout on ${key}`,
    );
  });

  it('gives up a job SageMaker refuses (no input under the prefix yet) at the progress deadline, not holding newer versions', async () => {
    const tick = rolloutStory(local, { groupName, endpointName: key });
    const v1 = await registerModelPackage({
      groupName,
      evaluationReport: binaryClassificationReport(0.9, 0.05),
      approvalStatus: 'Approved',
    });
    const refused = await local.send(modelPackageEvent('Approved', v1, '2026-11-25T09:00:00Z'));
    expect(refused).toMatchObject({
      status: 'failed',
      outcome: expect.stringContaining('No S3 objects found under S3 URL'),
    });
    expect((await record(key))?.phase).toBe('Deploying');

    // Each tick repairs (creates the job again), still refused, until the deadline gives it up.
    tick.wait(30);
    expect((await tick.tick()).outcome).toContain('No S3 objects found under S3 URL');
    expect((await record(key))?.phase).toBe('Deploying');
    tick.wait(31);
    await tick.tick();

    expect(await record(key)).toMatchObject({
      phase: 'Failed',
      reason: expect.stringContaining('progress deadline exceeded: no progress in Deploying within 60 min'),
    });
    expect(await parameter(`batch-model/${groupName}`)).toBeUndefined();
    await withInput();
    await approve(2, '2026-11-25T10:05:00Z');
  });

  it('refuses a pause while its job runs, saying why, and stops the job on abort', async () => {
    const { abortRollout, pauseRollout } = await import('../../cli/operator-commands.ts');
    await withInput();
    await approve(1, '2026-11-25T09:00:00Z');

    await expect(pauseRollout(local.context(), key, 'alice', '2026-11-25T09:01:00Z')).rejects.toThrow(
      'not paused: v1 is Deploying on a batch transform job (no endpoint); SageMaker runs a transform job to its end and cannot hold one part-way',
    );
    expect((await record(key))?.paused).toBe(false);
    await abortRollout(local.context(), key, 'alice', 'wrong input week', '2026-11-25T09:02:00Z');
    expect((await record(key))?.phase).toBe('RolledBack');
    const job = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: `${groupName}-v1` }));
    expect(['Stopping', 'Stopped']).toContain(job.TransformJobStatus);
  });

  it('leaves the published model as it was when a job fails, found by the tick when its event was lost', async () => {
    await withInput();
    await approve(1, '2026-11-25T09:00:00Z');
    await local.emulator.settle();
    const tick = rolloutStory(local, { groupName, endpointName: key });
    await tick.tick();
    expect(await parameter(`batch-model/${groupName}`)).toBe(`${groupName}-v1`);

    await local.emulator.failNextTransformJob('ClientError: out of memory on record 1200');
    const v2 = await approve(2, '2026-11-25T10:00:00Z');
    await local.emulator.settle();
    // No event: the next tick reads the job.
    tick.wait(70);
    await tick.tick();

    expect(await record(key)).toMatchObject({
      phase: 'Failed',
      reason: `transform job ${groupName}-v2 ended Failed: ClientError: out of memory on record 1200; the published batch model is unchanged`,
    });
    expect(await parameter(`batch-model/${groupName}`)).toBe(`${groupName}-v1`);
    // A failed job is no evidence against the model (one rule for every target: rollout-outcome.ts), even
    // with rejectOnRollback: the version stays Approved for a person to judge.
    expect((await tick.packageStatus(v2)).status).toBe('Approved');
    const exists = await sagemaker.send(new DescribeModelCommand({ ModelName: `${groupName}-v2` })).then(
      () => true,
      () => false,
    );
    expect(exists).toBe(false);
  });
});
