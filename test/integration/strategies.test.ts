import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import type { Phase } from '#shared/rollout/rollout-state.ts';
import { minutesAfterStart, modelPackageEvent, sampleEvent, scheduledTick } from '../../tools/event-builders.ts';
import { binaryClassificationReport, registerModelPackage } from '../../tools/model-registry-seed.ts';
import { createDeliveryPipeline } from '../support/delivery-pipeline.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';

let local: LocalStack;
let minute = 0;
const sagemaker = new SageMakerClient({});
const now = () => minutesAfterStart(minute);

async function send(event: unknown) {
  const report = await local.send(event);
  expect(report.status, report.outcome).toBe('handled');
  return report;
}

const registerApproved = (groupName: string) =>
  registerModelPackage({
    groupName,
    evaluationReport: binaryClassificationReport(0.95, 0.02),
    approvalStatus: 'Approved',
  });

const rolloutOf = async (endpointName: string) =>
  (await readEndpointState(local.context().settings.rolloutsTableName, endpointName)).rollout;

const endpoint = (endpointName: string) => sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));

async function tickUntil(endpointName: string, phases: Phase[]) {
  for (let count = 0; count < 40; count += 1) {
    const rollout = await rolloutOf(endpointName);
    if (rollout !== undefined && phases.includes(rollout.phase)) return rollout;
    await local.emulator.settle();
    minute += 1;
    await send(scheduledTick(now()));
  }
  throw new Error(
    `${endpointName} never reached ${phases.join('/')}: ${JSON.stringify((await rolloutOf(endpointName))?.history)}`,
  );
}

async function deployFirstAndSecond(groupName: string, endpointName: string) {
  await send(modelPackageEvent('Approved', await registerApproved(groupName), now()));
  await tickUntil(endpointName, ['Completed']);
  await send(modelPackageEvent('Approved', await registerApproved(groupName), now()));
}

const localStack = useLocalStack('test/fixtures/strategies.config.yml');
beforeEach(() => {
  local = localStack();
  minute = 0;
});

describe('strategies', () => {
  it('shadow: the new version first mirrors live traffic, its answers unused, then goes through the canary steps', async () => {
    await deployFirstAndSecond('fraud-detector', 'fraud-prod');
    await local.emulator.settle();

    const shadowing = await tickUntil('fraud-prod', ['Baking']);
    const described = await endpoint('fraud-prod');
    expect(shadowing.stage).toBe('shadow');
    expect(described.ShadowProductionVariants?.map((variant) => variant.VariantName)).toEqual(['fraud-detector-2']);
    expect(described.ProductionVariants?.map((variant) => [variant.VariantName, variant.CurrentWeight])).toEqual([
      ['fraud-detector-1', 1],
    ]);

    const done = await tickUntil('fraud-prod', ['Completed']);
    expect(done.history.map((entry) => entry.note)).toEqual([
      'approved',
      'deploying as a shadow variant',
      'shadowing: the new version sees a copy of live traffic',
      'shadow passed: serving 50% live',
      'baking at 50%',
      'step 2 of 2: 100%',
      'finalizing: the new version alone',
      'completed: the new version serves all traffic',
    ]);
    const shadowStart = Date.parse(done.history[2]?.at ?? '');
    expect(Date.parse(done.history[3]?.at ?? '') - shadowStart).toBeGreaterThanOrEqual(5 * 60_000);
    expect((await endpoint('fraud-prod')).ShadowProductionVariants ?? []).toEqual([]);
  });

  it('all-at-once: the new version takes all traffic in one step, the incumbent kept until the bake passes', async () => {
    await deployFirstAndSecond('churn-model', 'churn-prod');
    await local.emulator.settle();
    await tickUntil('churn-prod', ['Baking']);

    const weights = (await endpoint('churn-prod')).ProductionVariants?.map((variant) => [
      variant.VariantName,
      variant.CurrentWeight,
    ]);
    expect(weights).toEqual([
      ['churn-model-1', 0],
      ['churn-model-2', 100],
    ]);
    await tickUntil('churn-prod', ['Completed']);
    expect((await endpoint('churn-prod')).ProductionVariants?.map((variant) => variant.VariantName)).toEqual([
      'churn-model-2',
    ]);
  });
});

describe('delivery pipeline first', () => {
  beforeEach(async () => {
    await createDeliveryPipeline(local.emulator.endpointUrl, new CodePipelineClient({}), 'pricing-delivery');
  });

  function deliveryEvent(state: 'SUCCEEDED' | 'FAILED', executionId: string) {
    const event = sampleEvent(
      state === 'SUCCEEDED' ? 'codepipeline-execution-succeeded' : 'codepipeline-execution-failed',
    );
    Object.assign(event, { time: now() });
    Object.assign(event.detail, { pipeline: 'pricing-delivery', 'execution-id': executionId });
    return event;
  }

  it('waits for the pipeline, then rolls out when its execution succeeds', async () => {
    await send(modelPackageEvent('Approved', await registerApproved('pricing-model'), now()));
    const waiting = await rolloutOf('pricing-prod');
    expect(waiting?.phase).toBe('AwaitingPipeline');
    expect(waiting?.pipelineExecutionId).toEqual(expect.any(String));

    await local.emulator.settle();
    const report = await send(deliveryEvent('SUCCEEDED', waiting?.pipelineExecutionId ?? ''));

    expect(report.function).toBe('pipeline-events');
    expect(report.outcome).toContain('the delivery pipeline succeeded');
    expect((await rolloutOf('pricing-prod'))?.phase).toBe('Creating');
  });

  it('fails the rollout without touching the endpoint when the pipeline fails', async () => {
    await local.emulator.failNextPipelineExecution('pricing-delivery', 'integration tests failed');
    await send(modelPackageEvent('Approved', await registerApproved('pricing-model'), now()));
    const waiting = await rolloutOf('pricing-prod');
    await local.emulator.settle();

    await send(deliveryEvent('FAILED', waiting?.pipelineExecutionId ?? ''));

    const failed = await rolloutOf('pricing-prod');
    expect(failed?.phase).toBe('Failed');
    expect(failed?.reason).toBe('the delivery pipeline ended Failed; the endpoint was not touched');
    await expect(endpoint('pricing-prod')).rejects.toThrow(/Could not find endpoint/);
  });
});

describe('training pipeline catch-up', () => {
  it('judges the pending packages a succeeded training pipeline registered, in case their own events were lost', async () => {
    const executionArn =
      'arn:aws:sagemaker:us-east-1:123456789012:pipeline/fraud-detector-training/execution/abc123def456';
    const fromPipeline = await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.91, 0.03),
      generatedBy: executionArn,
    });
    const unrelated = await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.91, 0.03),
    });

    const report = await send(sampleEvent('sagemaker-pipeline-execution-succeeded'));

    expect(report.outcome).toBe(`${fromPipeline}: approved`);
    const status = async (arn: string) =>
      (
        await sagemaker.send(
          new (
            await import('@aws-sdk/client-sagemaker')
          ).DescribeModelPackageCommand({ ModelPackageName: arn }),
        )
      ).ModelApprovalStatus;
    expect(await status(fromPipeline)).toBe('Approved');
    expect(await status(unrelated)).toBe('PendingManualApproval');
  });

  it('tells people once when a training pipeline fails', async () => {
    const first = await send(sampleEvent('sagemaker-pipeline-execution-failed'));
    const again = await send(sampleEvent('sagemaker-pipeline-execution-failed'));
    expect(first.actions.map((action) => action.operation)).toEqual(['PutItem', 'Publish']);
    expect(again.actions).toEqual([]);
  });
});
