/**
 * SageMaker's own strategies on real-time endpoints (`strategy: sagemaker-rolling | sagemaker-canary`), against
 * the emulator's deployment guardrails: the new version goes out as one UpdateEndpoint with a DeploymentConfig
 * and the group's alarms as auto-rollback; the rollout follows SageMaker to Completed, or to RolledBack with
 * SageMaker's reason. The new config is the incumbent's, field for field, with the new model.
 */
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointConfigCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { withStackTag } from '#shared/rollout/stack-ownership.ts';
import { readStackDefinition, stackSettings } from '../../cli/stack-definition.ts';
import { deployProductionEndpoint, productionShape } from '../../demo/production-endpoint.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';

const sagemaker = new SageMakerClient({});
const cloudwatch = new CloudWatchClient({});
const configOf = (name: string) => sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));

let local: LocalStack;
const localStack = useLocalStack('test/fixtures/targets.config.yml');
beforeEach(() => {
  local = localStack();
});

/** Runs SageMaker's deployment stage by stage, ticking the stack after each, until it ends; answers the stages. */
async function followDeployment(story: ReturnType<typeof rolloutStory>, endpointName: string) {
  const stages: string[] = [];
  for (let stage = 0; stage < 12; stage += 1) {
    const progress = await local.emulator.advanceDeployment(endpointName);
    stages.push(progress.stage);
    await story.tick();
    if (progress.stage === 'done' || progress.stage === 'rolled-back') return stages;
    expect((await story.record())?.phase).toBe('Deploying');
  }
  throw new Error(`the deployment never ended: ${stages.join(', ')}`);
}

describe('a rolling update on a production-shaped real-time endpoint', () => {
  const groupName = 'rolling-ranker';
  const endpointName = 'rolling-prod';

  it('replaces the fleet batch by batch to Completed, the new config the old one field for field with the new model', async () => {
    const story = rolloutStory(local, { groupName, endpointName });
    await story.createWatchedAlarms();
    const incumbent = await deployProductionEndpoint(groupName, endpointName, story.settle);
    const challenger = await story.registerApproved();
    await story.approved(challenger);

    const endpoint = await story.endpoint();
    expect(endpoint.EndpointStatus).toBe('Updating');
    // A batch of 25% of the live fleet, baking 5 minutes, as many back at a time; 4 bakes and the deadline.
    expect(endpoint.LastDeploymentConfig).toEqual({
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
        WaitIntervalInSeconds: 300,
        MaximumExecutionTimeoutInSeconds: 4 * 300 + 60 * 60,
        RollbackMaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'rolling-prod-errors' }] },
    });

    const stages = await followDeployment(story, endpointName);
    // 6 live instances in batches of 25% (one instance): six batches, each baked.
    expect(stages).toEqual([...Array(6).fill('rolling-batch-baking'), 'done'].slice(1));
    const done = await story.record();
    expect(done?.phase).toBe('Completed');
    expect(done?.history.map((entry) => entry.phase)).toEqual(['Starting', 'Deploying', 'Completed']);

    const served = await story.endpoint();
    expect(served.EndpointConfigName).toBe(`${endpointName}-v2-final`);
    const before = await configOf(incumbent.configName);
    const after = await configOf(`${endpointName}-v2-final`);
    const { ModelName: oldModel, InitialInstanceCount: oldCount, ...oldVariant } = before.ProductionVariants?.[0] ?? {};
    const { ModelName: newModel, InitialInstanceCount: newCount, ...newVariant } = after.ProductionVariants?.[0] ?? {};
    expect(after.ProductionVariants).toHaveLength(1);
    // Every field of the variant (its name, instance type, volume, timeouts, routing) but the model and the count.
    expect(newVariant).toEqual(oldVariant);
    expect([oldModel, newModel]).toEqual([incumbent.modelName, `${endpointName}-v2`]);
    // The live count (auto scaling made 6 of the config's 2), not the config's.
    expect([oldCount, newCount]).toEqual([productionShape.configInstanceCount, productionShape.liveInstanceCount]);
    expect(after.DataCaptureConfig).toEqual(before.DataCaptureConfig);
    expect(after.KmsKeyId).toBe(productionShape.kmsKeyId);
    const tagsOf = async (arn: string | undefined) =>
      (await sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags?.filter(
        (tag) => !tag.Key?.startsWith('sagemaker-rollout'),
      );
    expect(await tagsOf(after.EndpointConfigArn)).toEqual(expect.arrayContaining([...productionShape.tags]));
  });
});

describe('a rolling update SageMaker rolls back', () => {
  it('puts the whole old fleet back on the group’s alarm mid-update, records SageMaker’s reason, and rejects the version', async () => {
    const story = rolloutStory(local, { groupName: 'rolling-ranker', endpointName: 'rolling-prod' });
    await story.createWatchedAlarms();
    const incumbent = await deployProductionEndpoint('rolling-ranker', 'rolling-prod', story.settle);
    const challenger = await story.registerApproved();
    await story.approved(challenger);
    expect((await local.emulator.advanceDeployment('rolling-prod')).stage).toBe('rolling-batch-baking');
    await story.tick();

    // The new batch returns errors: the group's alarm fires, and SageMaker rolls back by itself at the batch's end.
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: 'rolling-prod-errors', StateValue: 'ALARM', StateReason: 'test' }),
    );
    expect((await local.emulator.advanceDeployment('rolling-prod')).stage).toBe('rolled-back');
    await story.tick();

    const rolledBack = await story.record();
    expect(rolledBack?.phase).toBe('RolledBack');
    expect(rolledBack?.rollbackCause).toBe('alarm');
    expect(rolledBack?.reason).toContain('rolling-prod-errors');
    const endpoint = await story.endpoint();
    expect(endpoint.EndpointConfigName).toBe(incumbent.configName);
    expect(endpoint.ProductionVariants?.[0]?.CurrentInstanceCount).toBe(productionShape.liveInstanceCount);
    expect((await story.packageStatus(challenger)).status).toBe('Rejected');
  });
});

describe('a blue/green canary on a real-time endpoint', () => {
  const groupName = 'bluegreen-ranker';
  const endpointName = 'bluegreen-prod';
  const alarmName = 'bluegreen-prod-errors';

  async function deployingV2(story: ReturnType<typeof rolloutStory>) {
    await story.establishIncumbent();
    const challenger = await story.registerApproved();
    await story.approved(challenger);
    return challenger;
  }

  it('goes out as SageMaker’s canary of 25%, stage by stage, to Completed', async () => {
    const story = rolloutStory(local, { groupName, endpointName });
    await deployingV2(story);
    expect((await story.endpoint()).LastDeploymentConfig).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'CANARY',
          CanarySize: { Type: 'CAPACITY_PERCENT', Value: 25 },
          WaitIntervalInSeconds: 300,
        },
        TerminationWaitInSeconds: 300,
        MaximumExecutionTimeoutInSeconds: 3 * 300 + 60 * 60,
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: alarmName }] },
    });

    const stages = await followDeployment(story, endpointName);
    expect(stages).toEqual(['canary-baking', 'all-traffic-shifted', 'termination-wait', 'done']);
    expect((await story.record())?.phase).toBe('Completed');
    const after = await configOf(`${endpointName}-v2-final`);
    const before = await configOf(`${endpointName}-v1-final`);
    // Guardrails require the variant's name to stay: v1's.
    expect(after.ProductionVariants?.map((variant) => [variant.VariantName, variant.ModelName])).toEqual([
      [before.ProductionVariants?.[0]?.VariantName, `${endpointName}-v2`],
    ]);
  });

  it('records SageMaker’s rollback on the group’s alarm, with its reason, and rejects the version', async () => {
    const story = rolloutStory(local, { groupName, endpointName });
    const challenger = await deployingV2(story);
    await local.emulator.advanceDeployment(endpointName); // the canary bakes
    await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'test' }));
    await story.alarm(alarmName);
    expect(await story.record()).toMatchObject({
      phase: 'Deploying',
      waitingFor: `SageMaker's auto-rollback: alarm ${alarmName} is in ALARM`,
    });

    expect((await local.emulator.advanceDeployment(endpointName)).stage).toBe('rolled-back');
    await story.tick();

    const rolledBack = await story.record();
    expect(rolledBack?.phase).toBe('RolledBack');
    expect(rolledBack?.reason).toBe(
      `SageMaker rolled the deployment back: Deployment rolled back to endpoint configuration "${endpointName}-v1-final": auto-rollback alarm(s) ${alarmName} in ALARM state during canary baking.`,
    );
    expect((await story.endpoint()).EndpointConfigName).toBe(`${endpointName}-v1-final`);
    expect((await story.packageStatus(challenger)).status).toBe('Rejected');
  });

  it('refuses an endpoint of two production variants before touching it, naming why', async () => {
    const story = rolloutStory(local, { groupName, endpointName });
    await story.createWatchedAlarms();
    const incumbent = await story.registerApproved();
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'hand-made',
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
        PrimaryContainer: { ModelPackageName: incumbent },
      }),
    );
    const variant = (VariantName: string) => ({
      VariantName,
      ModelName: 'hand-made',
      InstanceType: 'ml.m5.large' as const,
      InitialInstanceCount: 2,
      InitialVariantWeight: 1,
    });
    await sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'two-variants',
        ProductionVariants: [variant('a'), variant('b')],
      }),
    );
    const stackName = stackSettings(readStackDefinition()).stackName;
    await sagemaker.send(
      new CreateEndpointCommand({
        EndpointName: endpointName,
        EndpointConfigName: 'two-variants',
        Tags: withStackTag([], stackName),
      }),
    );
    await story.settle();
    const challenger = await story.registerApproved();
    await story.approved(challenger);

    const failed = await story.record();
    expect(failed?.phase).toBe('Failed');
    expect(failed?.reason).toContain(
      'cannot roll out over two-variants: it has 2 production variant(s) and 0 shadow variant(s)',
    );
    expect(failed?.reason).toContain('the endpoint was not touched');
    const endpoint = await story.endpoint();
    expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'two-variants' });
    expect(endpoint.LastDeploymentConfig).toBeUndefined();
  });
});
