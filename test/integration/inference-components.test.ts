/**
 * Inference components as a target. Customers' chat models are components of their own on one shared
 * endpoint: a group's first version creates its component; every later one is a new Specification that
 * SageMaker's rolling update moves batch by batch (advanced here with the emulator's control route), watching
 * the group's alarm and rolling back by itself. The rollout follows it to Completed or RolledBack.
 */
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeInferenceComponentCommand,
  DescribeModelCommand,
  SageMakerClient,
  UpdateInferenceComponentRuntimeConfigCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import { abortRollout, pauseRollout, rolloutStatus } from '../../cli/operator-commands.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { subscribeToNotices } from '../../demo/notice-inbox.ts';
import { deployInferenceComponentEndpoint, endpointErrorAlarm } from '../../demo/production-endpoint.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';

const sagemaker = new SageMakerClient({});
const cloudwatch = new CloudWatchClient({});
const endpoint = 'llm-shared';
const alarmName = 'llm-shared-errors';

let local: LocalStack;
const localStack = useLocalStack('test/fixtures/targets.config.yml');
beforeEach(() => {
  local = localStack();
});

const record = async (groupName: string) =>
  (await readEndpointState(local.context().settings.rolloutsTableName, `${endpoint}/${groupName}`)).rollout;
const component = (name: string) =>
  sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
const modelExists = (name: string) =>
  sagemaker.send(new DescribeModelCommand({ ModelName: name })).then(
    () => true,
    () => false,
  );
const story = (groupName: string) => rolloutStory(local, { groupName, endpointName: `${endpoint}/${groupName}` });

async function deployEndpoint() {
  await deployInferenceComponentEndpoint(endpoint, () => local.emulator.settle());
  await cloudwatch.send(new PutMetricAlarmCommand(endpointErrorAlarm(alarmName, endpoint)));
}

/** Ticks, a minute apart, until the rollout is in one of `phases`. */
async function tickUntil(groupStory: ReturnType<typeof story>, phases: string[]) {
  for (let count = 0; count < 30; count += 1) {
    const phase = (await groupStory.record())?.phase;
    if (phase !== undefined && phases.includes(phase)) return;
    await groupStory.tick();
  }
  throw new Error(`never reached ${phases.join('/')}: ${JSON.stringify((await groupStory.record())?.history)}`);
}

/** A new version approved, then ticks until its rollout is in one of `phases`. */
async function release(groupStory: ReturnType<typeof story>, groupName: string, phases: string[]) {
  const packageArn = await registerModelPackage({
    groupName,
    evaluationReport: binaryClassificationReport(0.9, 0.05),
    approvalStatus: 'Approved',
  });
  await groupStory.approved(packageArn);
  await tickUntil(groupStory, phases);
  return packageArn;
}

/** A first version: the component is created, then InService once the emulator settles it. */
async function firstVersion(groupName: string) {
  const groupStory = story(groupName);
  await release(groupStory, groupName, ['Creating']);
  await local.emulator.settle();
  await tickUntil(groupStory, ['Completed']);
  return groupStory;
}

describe('an inference component group', () => {
  it("creates the component with the first version's model, its compute and copy count", async () => {
    await deployEndpoint();
    const acme = story('acme-chat');
    await release(acme, 'acme-chat', ['Creating']);
    expect((await component('acme-chat')).InferenceComponentStatus).toBe('Creating');
    await local.emulator.settle();
    await tickUntil(acme, ['Completed']);

    const created = await component('acme-chat');
    expect(created).toMatchObject({
      EndpointName: endpoint,
      VariantName: 'AllTraffic',
      InferenceComponentStatus: 'InService',
      Specification: {
        ModelName: 'acme-chat-v1',
        ComputeResourceRequirements: { NumberOfCpuCoresRequired: 2, MinMemoryRequiredInMb: 1024 },
      },
      RuntimeConfig: { DesiredCopyCount: 4, CurrentCopyCount: 4 },
    });
    expect((await record('acme-chat'))?.history.at(-1)?.note).toContain('completed');
  });

  it("rolls a new version out through SageMaker's rolling update, batch by batch, to Completed", async () => {
    await deployEndpoint();
    const acme = await firstVersion('acme-chat');
    await release(acme, 'acme-chat', ['Deploying']);

    const updating = await component('acme-chat');
    expect(updating.InferenceComponentStatus).toBe('Updating');
    expect(updating.LastDeploymentConfig).toEqual({
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
        WaitIntervalInSeconds: 300,
        // Four batches' bakes (4 × 300 s) and the progress deadline (60 min) on top.
        MaximumExecutionTimeoutInSeconds: 4800,
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: alarmName }] },
    });
    for (const batch of [1, 2, 3]) {
      const progress = await local.emulator.advanceInferenceComponent('acme-chat');
      expect(progress).toMatchObject({ batches: 4, batch: batch + 1 });
      await acme.tick();
      expect((await record('acme-chat'))?.phase).toBe('Deploying');
    }
    expect(await local.emulator.advanceInferenceComponent('acme-chat')).toMatchObject({ stage: 'done' });
    await tickUntil(acme, ['Completed']);

    expect((await component('acme-chat')).Specification?.ModelName).toBe('acme-chat-v2');
    // The copy count was never sent: the component keeps what it had (its auto scaling's to set).
    expect((await component('acme-chat')).RuntimeConfig).toEqual({ DesiredCopyCount: 4, CurrentCopyCount: 4 });
    expect(await record('acme-chat')).toMatchObject({
      phase: 'Completed',
      componentUpdate: { previousModel: 'acme-chat-v1' },
    });
    const status = await rolloutStatus(local.context(), `${endpoint}/acme-chat`);
    expect(status).toContain('  component acme-chat: acme-chat-v2 InService, 4 copies');
  });

  it('is rolled back by SageMaker on an alarm: RolledBack with its reason, the package rejected', async () => {
    await deployEndpoint();
    const acme = await firstVersion('acme-chat');
    const v2 = await release(acme, 'acme-chat', ['Deploying']);

    await local.emulator.advanceInferenceComponent('acme-chat');
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'test: 5xx errors' }),
    );
    await acme.tick();
    expect((await record('acme-chat'))?.waitingFor).toBe(`SageMaker's auto-rollback: alarm ${alarmName} is in ALARM`);
    expect(await local.emulator.advanceInferenceComponent('acme-chat')).toMatchObject({ stage: 'rolled-back' });
    await tickUntil(acme, ['RolledBack', 'Failed']);

    const rolledBack = await record('acme-chat');
    expect(rolledBack).toMatchObject({ phase: 'RolledBack', rollbackCause: 'alarm' });
    expect(rolledBack?.reason).toContain('SageMaker rolled the update back');
    expect(rolledBack?.reason).toContain(alarmName);
    expect((await acme.packageStatus(v2)).status).toBe('Rejected');
    expect((await component('acme-chat')).Specification?.ModelName).toBe('acme-chat-v1');
    expect(await modelExists('acme-chat-v2')).toBe(false);
  });

  it('keeps two groups on one endpoint as components of their own: one rolled back, the other untouched', async () => {
    await deployEndpoint();
    const acme = await firstVersion('acme-chat');
    await firstVersion('globex-chat');
    await release(acme, 'acme-chat', ['Deploying']);
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'test: 5xx errors' }),
    );
    await local.emulator.advanceInferenceComponent('acme-chat');
    await tickUntil(acme, ['RolledBack', 'Failed']);

    expect((await record('acme-chat'))?.phase).toBe('RolledBack');
    expect((await component('acme-chat')).Specification?.ModelName).toBe('acme-chat-v1');
    const globex = await component('globex-chat');
    expect(globex).toMatchObject({
      InferenceComponentStatus: 'InService',
      Specification: { ModelName: 'globex-chat-v1' },
    });
    expect(globex.FailureReason).toBeUndefined();
    expect((await record('globex-chat'))?.phase).toBe('Completed');
  });

  it('refuses a pause while SageMaker updates, saying what SageMaker does; an abort waits for it, then restores the previous model', async () => {
    await deployEndpoint();
    const acme = await firstVersion('acme-chat');
    const v2 = await release(acme, 'acme-chat', ['Deploying']);
    const key = `${endpoint}/acme-chat`;
    await expect(pauseRollout(local.context(), key, 'alice', acme.now())).rejects.toThrow(
      "an inference component (SageMaker's rolling update)",
    );

    const aborted = await abortRollout(local.context(), key, 'alice', 'wrong prompt template', acme.now());
    expect(aborted).toContain('waiting: the inference component is Updating');
    // SageMaker's update ends (here: it completes), then the rollout sends the previous model back.
    await local.emulator.settle();
    await acme.tick();
    expect(await component('acme-chat')).toMatchObject({
      InferenceComponentStatus: 'Updating',
      RuntimeConfig: { DesiredCopyCount: 4 },
    });
    await local.emulator.settle();
    await tickUntil(acme, ['RolledBack', 'Failed']);

    expect(await record('acme-chat')).toMatchObject({ phase: 'RolledBack', rollbackCause: 'operator' });
    expect((await component('acme-chat')).Specification?.ModelName).toBe('acme-chat-v1');
    // A person's abort decides for the version without judging it: the package is not rejected.
    expect((await acme.packageStatus(v2)).status).toBe('Approved');
    expect(await modelExists('acme-chat-v2')).toBe(false);
  });

  it('completes a component scaled to zero without calling it judged: a notice says traffic never exercised it', async () => {
    await deployEndpoint();
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    const acme = await firstVersion('acme-chat');
    await sagemaker.send(
      new UpdateInferenceComponentRuntimeConfigCommand({
        InferenceComponentName: 'acme-chat',
        DesiredRuntimeConfig: { CopyCount: 0 },
      }),
    );
    await local.emulator.settle();
    await release(acme, 'acme-chat', ['Deploying']);

    // No rolling update: a component without copies has nothing to roll, and no traffic for the alarms.
    expect((await component('acme-chat')).LastDeploymentConfig).toBeUndefined();
    await local.emulator.settle();
    await tickUntil(acme, ['Completed']);

    expect((await component('acme-chat')).Specification?.ModelName).toBe('acme-chat-v2');
    expect((await component('acme-chat')).RuntimeConfig?.DesiredCopyCount).toBe(0);
    expect((await record('acme-chat'))?.history.at(-1)?.note).toContain('not exercised by traffic');
    const subjects = (await notices.received()).map((notice) => notice.subject);
    expect(subjects).toContain(`${endpoint}/acme-chat: acme-chat v2 is live, not exercised by traffic`);
  });
});
