import { CodePipelineClient } from '@aws-sdk/client-codepipeline';
import { beforeEach, describe, expect, it } from 'vitest';
import { sampleEvent } from '../../cli/event-builders.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { createDeliveryPipeline } from '../support/delivery-pipeline.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';

let local: LocalStack;
const localStack = useLocalStack('test/fixtures/strategies.config.yml');
beforeEach(() => {
  local = localStack();
});

/** A story on one group of test/fixtures/strategies.config.yml. */
function storyOf(groupName: string, endpointName: string) {
  return rolloutStory(local, { groupName, endpointName });
}

async function send(event: unknown) {
  const report = await local.send(event);
  expect(report.status, report.outcome).toBe('handled');
  return report;
}

/** v1 serving alone, then v2 approved. */
async function secondVersionApproved(story: ReturnType<typeof rolloutStory>) {
  await story.establishIncumbent();
  await story.approved(await story.registerApproved());
  await story.settle();
}

describe('strategies', () => {
  it('shadow: the new version first mirrors live traffic, its answers unused, then goes through the canary steps', async () => {
    const story = storyOf('fraud-detector', 'fraud-prod');
    await secondVersionApproved(story);

    const shadowing = await story.tickUntil(['Baking']);
    const described = await story.endpoint();
    expect(shadowing.stage).toBe('shadow');
    expect(described.ShadowProductionVariants?.map((variant) => variant.VariantName)).toEqual(['fraud-detector-2']);
    expect(described.ProductionVariants?.map((variant) => [variant.VariantName, variant.CurrentWeight])).toEqual([
      ['fraud-detector-1', 1],
    ]);

    const done = await story.tickUntil(['Completed']);
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
    expect((await story.endpoint()).ShadowProductionVariants ?? []).toEqual([]);
  });

  it('all-at-once: the new version takes all traffic in one step, the incumbent kept until the bake passes', async () => {
    const story = storyOf('churn-model', 'churn-prod');
    await secondVersionApproved(story);
    await story.tickUntil(['Baking']);

    const weights = (await story.endpoint()).ProductionVariants?.map((variant) => [
      variant.VariantName,
      variant.CurrentWeight,
    ]);
    expect(weights).toEqual([
      ['churn-model-1', 0],
      ['churn-model-2', 100],
    ]);
    await story.tickUntil(['Completed']);
    expect((await story.endpoint()).ProductionVariants?.map((variant) => variant.VariantName)).toEqual([
      'churn-model-2',
    ]);
  });
});

describe('delivery pipeline first', () => {
  beforeEach(async () => {
    await createDeliveryPipeline(local.emulator.endpointUrl, new CodePipelineClient({}), 'pricing-delivery');
  });

  function deliveryEvent(state: 'SUCCEEDED' | 'FAILED', executionId: string, time: string) {
    const event = sampleEvent(
      state === 'SUCCEEDED' ? 'codepipeline-execution-succeeded' : 'codepipeline-execution-failed',
    );
    Object.assign(event, { time });
    Object.assign(event.detail, { pipeline: 'pricing-delivery', 'execution-id': executionId });
    return event;
  }

  it('waits for the pipeline, then rolls out when its execution succeeds', async () => {
    const story = storyOf('pricing-model', 'pricing-prod');
    await story.approved(await story.registerApproved());
    const waiting = await story.record();
    expect(waiting?.phase).toBe('AwaitingPipeline');
    expect(waiting?.pipelineExecutionId).toEqual(expect.any(String));

    await story.settle();
    const report = await send(deliveryEvent('SUCCEEDED', waiting?.pipelineExecutionId ?? '', story.now()));

    expect(report.function).toBe('pipeline-events');
    expect(report.outcome).toContain('the delivery pipeline succeeded');
    expect((await story.record())?.phase).toBe('Creating');
  });

  it('fails the rollout without touching the endpoint when the pipeline fails', async () => {
    const story = storyOf('pricing-model', 'pricing-prod');
    await local.emulator.failNextPipelineExecution('pricing-delivery', 'integration tests failed');
    await story.approved(await story.registerApproved());
    const waiting = await story.record();
    await story.settle();

    await send(deliveryEvent('FAILED', waiting?.pipelineExecutionId ?? '', story.now()));

    const failed = await story.record();
    expect(failed?.phase).toBe('Failed');
    expect(failed?.reason).toBe('the delivery pipeline ended Failed; the endpoint was not touched');
    await expect(story.endpoint()).rejects.toThrow(/Could not find endpoint/);
  });
});

describe('training pipeline catch-up', () => {
  it('judges the pending packages a succeeded training pipeline registered, in case their own events were lost', async () => {
    const story = storyOf('fraud-detector', 'fraud-prod');
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
    expect((await story.packageStatus(fromPipeline)).status).toBe('Approved');
    expect((await story.packageStatus(unrelated)).status).toBe('PendingManualApproval');
  });

  it('tells people once when a training pipeline fails', async () => {
    const first = await send(sampleEvent('sagemaker-pipeline-execution-failed'));
    const again = await send(sampleEvent('sagemaker-pipeline-execution-failed'));
    expect(first.actions.map((action) => action.operation)).toEqual(['PutItem', 'Publish']);
    expect(again.actions).toEqual([]);
  });
});
