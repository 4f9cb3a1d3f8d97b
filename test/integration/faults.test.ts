/**
 * The faults AWS produces, injected by the emulator (POST /_emulator/inject) on each path of a rollout over
 * the production-shaped endpoint: retried within the call where the SDK can, repaired by the next tick
 * where it cannot, and never leaving the record and the endpoint disagreeing once the faults stop.
 */
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { beforeEach, describe, expect, it } from 'vitest';
import { awsCallTimeoutOverrideMs } from '#shared/runtime/settings.ts';
import { modelPackageEvent } from '../../cli/event-builders.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { subscribeToNotices } from '../../demo/notice-inbox.ts';
import { deployProductionEndpoint } from '../../demo/production-endpoint.ts';
import { createDeliveryPipeline } from '../support/delivery-pipeline.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';
import { sampleEvent } from '../support/sample-events.ts';

let local: LocalStack;
let story: ReturnType<typeof rolloutStory>;
const localStack = useLocalStack('test/fixtures/faults.config.yml');
beforeEach(() => {
  local = localStack();
  story = rolloutStory(local, { groupName: 'fraud-detector', endpointName: 'fraud-prod' });
});

const sagemakerFault = (operation: string, times: number, error = 'InternalFailure') =>
  local.emulator.inject({
    service: 'sagemaker',
    operation,
    error,
    status: error === 'InternalFailure' ? 500 : 400,
    times,
  });

/** More failures than the SageMaker client's 6 attempts: the call fails in this invocation. */
const everyAttempt = 6;

/** Far longer than the call timeout the tests set (1.5 s): an answer a client waiting for it would notice. */
const hungForMs = 10_000;

/** The next `times` calls of a SageMaker operation hang for hungForMs before moto answers them. */
const hangSageMaker = (operation: string, times: number) =>
  local.emulator.inject({ service: 'sagemaker', operation, delayMs: hungForMs, times });

async function shares() {
  return story.traffic();
}

/** The variants of fraud-prod registered for auto scaling. */
async function scaledVariants() {
  const targets = await new ApplicationAutoScalingClient({}).send(
    new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }),
  );
  return (targets.ScalableTargets ?? []).map((target) => target.ResourceId?.split('/').at(-1));
}

async function overProduction() {
  await story.createWatchedAlarms();
  await deployProductionEndpoint('fraud-detector', 'fraud-prod', story.settle);
  await story.approved(await story.registerApproved());
}

/** Ticks (SageMaker finishing between them) until the challenger serves `percent`, its bake started. */
async function bakingAt(percent: number) {
  for (let count = 0; count < 20; count += 1) {
    const record = await story.record();
    if (
      record?.phase === 'Baking' &&
      record.bakeStartedAt !== undefined &&
      (await shares())['fraud-detector-2'] === percent
    )
      return record;
    await story.settle();
    await story.tick();
  }
  throw new Error(`never baked at ${percent}%`);
}

describe('faults on each path of a rollout', () => {
  it('deploy: a config that cannot be created leaves the incumbent serving; the next tick creates it', async () => {
    await story.createWatchedAlarms();
    await deployProductionEndpoint('fraud-detector', 'fraud-prod', story.settle);
    await sagemakerFault('CreateEndpointConfig', everyAttempt);

    const report = await local.send(modelPackageEvent('Approved', await story.registerApproved(), story.now()));

    expect(report.status).toBe('failed'); // Lambda retries the event; the record already says where to go
    expect((await story.record())?.phase).toBe('Deploying');
    expect((await story.endpoint()).EndpointConfigName).toBe('fraud-prod-v1-final');
    expect(await shares()).toEqual({ 'fraud-detector-1': 100 });
    await story.tick();
    expect((await story.endpoint()).EndpointStatus).toBe('Updating');
    expect((await story.tickUntil(['Completed'])).phase).toBe('Completed');
  });

  it('step: weights that cannot be sent are sent by the next tick; the step is not skipped', async () => {
    await overProduction();
    await bakingAt(50);
    story.wait(1);
    await story.tick(); // the step to 100% adds instances first
    await story.settle();
    await sagemakerFault('UpdateEndpointWeightsAndCapacities', everyAttempt);

    const failed = await story.tick();

    expect(failed.outcome).toContain('fraud-prod: error:');
    expect(await shares()).toEqual({ 'fraud-detector-1': 50, 'fraud-detector-2': 50 });
    expect((await story.record())?.stepIndex).toBe(1);
    await story.tick();
    await story.settle();
    expect(await shares()).toEqual({ 'fraud-detector-1': 0, 'fraud-detector-2': 100 });
  });

  it('finalize: a final update that fails is sent again, the scaling moved only once it lands', async () => {
    await overProduction();
    await bakingAt(100);
    story.wait(1);
    await sagemakerFault('UpdateEndpoint', everyAttempt);

    await story.tick();

    expect((await story.record())?.phase).toBe('Finalizing');
    expect((await story.endpoint()).EndpointConfigName).toBe('fraud-prod-v2-canary');
    // The incumbent deregistered before the update; the new version has had its own since it took all of the traffic.
    expect(await scaledVariants()).toEqual(['fraud-detector-2']);
    const done = await story.tickUntil(['Completed']);
    expect(done.phase).toBe('Completed');
    expect(await shares()).toEqual({ 'fraud-detector-2': 100 });
    expect(await scaledVariants()).toEqual(['fraud-detector-2']);
  });

  it('rollback: a throttled weights call is retried within the invocation that handles the alarm', async () => {
    await overProduction();
    await bakingAt(50);
    await sagemakerFault('UpdateEndpointWeightsAndCapacities', 2, 'ThrottlingException');

    const report = await story.alarm('fraud-prod-5xx');

    expect(report.actions.map((action) => action.operation)).toContain('UpdateEndpointWeightsAndCapacities');
    expect(await local.emulator.injected()).toEqual([]);
    await story.settle();
    expect(await shares()).toEqual({ 'fraud-detector-1': 100, 'fraud-detector-2': 0 });
  });

  it('rollback: weights that cannot be sent at all are sent by the next tick', async () => {
    await overProduction();
    await bakingAt(50);
    await sagemakerFault('UpdateEndpointWeightsAndCapacities', everyAttempt);

    const report = await local.send(sampleEvent('alarm-fraud-prod-5xx-alarm'));

    expect(report.status).toBe('failed');
    expect((await story.record())?.phase).toBe('RollingBack');
    await story.tick();
    await story.settle();
    expect(await shares()).toEqual({ 'fraud-detector-1': 100, 'fraud-detector-2': 0 });
    expect((await story.tickUntil(['RolledBack'])).phase).toBe('RolledBack');
  });

  it('a DynamoDB write that fails acts on nothing: record and endpoint still agree', async () => {
    await overProduction();
    const before = await bakingAt(50);
    story.wait(1);
    await local.emulator.inject({
      service: 'dynamodb',
      operation: 'PutItem',
      error: 'InternalServerError',
      status: 500,
      times: 6,
    });

    const failed = await story.tick();

    expect(failed.outcome).toContain('fraud-prod: error:');
    expect(await story.record()).toEqual(before);
    expect((await story.endpoint()).ProductionVariants?.map((variant) => variant.DesiredInstanceCount)).toEqual([6, 3]);
    await story.tick();
    expect((await story.record())?.stepIndex).toBe(1);
  });

  it('a notice that cannot be published neither stops nor repeats the rollback', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await overProduction();
    await bakingAt(50);
    await notices.received();
    await local.emulator.inject({
      service: 'sns',
      operation: 'Publish',
      error: 'InternalError',
      status: 500,
      times: 40,
    });

    await story.alarm('fraud-prod-5xx');
    const rolledBack = await story.tickUntil(['RolledBack']);
    await local.emulator.disarm();
    story.wait(5);
    await story.tick();

    expect(rolledBack.phase).toBe('RolledBack');
    expect((await story.packageStatus(rolledBack.packageArn)).status).toBe('Rejected');
    expect(await notices.received()).toEqual([]); // lost, logged and counted, never sent late or twice
  });

  it('a call answered too late is taken as maybe done: the next tick reconciles without stepping twice', async () => {
    await overProduction();
    await bakingAt(50);
    story.wait(1);
    await story.tick(); // instances for 100%
    await story.settle();
    // The weights call is answered after the client gave up (1.5 s): it happened all the same, and the
    // SDK's retry sent it again (SageMaker refuses whichever lands while the other's update is in flight).
    expect(awsCallTimeoutOverrideMs).toBe(1500);
    await local.emulator.inject({
      service: 'sagemaker',
      operation: 'UpdateEndpointWeightsAndCapacities',
      delayMs: 2_000,
      times: 1,
    });

    await story.tick();
    await story.settle();
    await story.tick();

    const record = await story.record();
    expect(record?.stepIndex).toBe(1);
    expect(await shares()).toEqual({ 'fraud-detector-1': 0, 'fraud-detector-2': 100 });
    expect(
      (await story.tickUntil(['Completed'])).history.filter((entry) => entry.note.startsWith('step 2')),
    ).toHaveLength(1);
  });

  it('a hung SageMaker call is given up on after the call timeout and retried: the rollback happens in the same invocation', async () => {
    await overProduction();
    await bakingAt(50);
    await hangSageMaker('DescribeEndpoint', 1);
    const started = Date.now();

    const report = await story.alarm('fraud-prod-5xx');

    // Waiting for the answer would have taken hungForMs; the client gave up at 1.5 s and asked again.
    expect(Date.now() - started).toBeLessThan(hungForMs);
    expect(report.actions.map((action) => action.operation)).toContain('UpdateEndpointWeightsAndCapacities');
    expect(await local.emulator.injected()).toEqual([]);
    await story.settle();
    expect(await shares()).toEqual({ 'fraud-detector-1': 100, 'fraud-detector-2': 0 });
  });

  it('a SageMaker call that hangs on every attempt fails the invocation with a timeout; the retried event rolls back', async () => {
    await overProduction();
    await bakingAt(50);
    await hangSageMaker('DescribeEndpoint', everyAttempt);

    const report = await local.send(sampleEvent('alarm-fraud-prod-5xx-alarm'));

    expect(report.status).toBe('failed'); // Lambda retries the event
    expect(report.outcome).toContain('exceeded the configured 1500 ms requestTimeout');
    expect(await local.emulator.injected()).toEqual([]); // every attempt was made, each one given up on
    expect(report.actions).toEqual([]); // the endpoint was never read, so nothing was decided or written
    expect((await story.record())?.phase).toBe('Baking');
    await story.alarm('fraud-prod-5xx'); // Lambda's retry of the event
    await story.settle();
    expect(await shares()).toEqual({ 'fraud-detector-1': 100, 'fraud-detector-2': 0 });
  });

  it('approve: a slow S3 is retried; one that keeps failing leaves the package pending for the retry', async () => {
    const packageArn = await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.95, 0.02),
    });
    const event = modelPackageEvent('PendingManualApproval', packageArn, story.now());
    await local.emulator.inject({ service: 's3', operation: 'GetObject', error: 'SlowDown', status: 503, times: 4 });

    const failed = await local.send(event);
    expect(failed.status).toBe('failed');
    expect((await story.packageStatus(packageArn)).status).toBe('PendingManualApproval');

    await local.emulator.inject({ service: 's3', operation: 'GetObject', error: 'SlowDown', status: 503, times: 1 });
    expect((await local.send(event)).outcome).toBe('approved');
  });

  it('pipeline events: a throttled CodePipeline read is retried', async () => {
    await createDeliveryPipeline(local.emulator.endpointUrl, new CodePipelineClient({}), 'pricing-delivery');
    const pricing = rolloutStory(local, { groupName: 'pricing-model', endpointName: 'pricing-prod' });
    await pricing.approved(await pricing.registerApproved());
    await pricing.settle();
    const waiting = await pricing.record();
    await local.emulator.inject({
      service: 'codepipeline',
      operation: 'GetPipelineExecution',
      error: 'ThrottlingException',
      times: 2,
    });

    const event = sampleEvent('codepipeline-execution-succeeded');
    Object.assign(event.detail, { pipeline: 'pricing-delivery', 'execution-id': waiting?.pipelineExecutionId });
    const report = await local.send(event);

    expect(report.outcome).toContain('the delivery pipeline succeeded');
  });
});
