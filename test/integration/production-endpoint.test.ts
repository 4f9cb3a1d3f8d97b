/**
 * Rollouts over an endpoint shaped like production (demo/production-endpoint.ts): 6 × ml.c5.2xlarge
 * live from a config that says 2, a target-tracking policy, data capture, a KMS key, tags, a VPC
 * model with network isolation, watched by a composite alarm. Compared field by field, before and after.
 */
import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  ListTagsForResourceCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { modelPackageEvent } from '../../cli/event-builders.ts';
import { abortRollout, rolloutStatus } from '../../cli/operator-commands.ts';
import { tagEndpoint } from '../../cli/registry-groups.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { subscribeToNotices } from '../../demo/notice-inbox.ts';
import {
  addStepScaling,
  createHealthAlarm,
  deployProductionEndpoint,
  productionShape,
  stepScalingShape,
} from '../../demo/production-endpoint.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';

const endpointName = 'fraud-prod';
const groupName = 'fraud-detector';
const healthAlarm = 'fraud-prod-health';
const sagemaker = new SageMakerClient({});
const autoscaling = new ApplicationAutoScalingClient({});
const cloudwatch = new CloudWatchClient({});

let local: LocalStack;
let story: ReturnType<typeof rolloutStory>;
const localStack = useLocalStack('test/fixtures/production.config.yml');
beforeEach(() => {
  local = localStack();
  story = rolloutStory(local, { groupName, endpointName });
});

const describeConfig = (name: string) =>
  sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
const describeModel = (name: string) => sagemaker.send(new DescribeModelCommand({ ModelName: name }));
const tagsOf = async (arn: string | undefined) =>
  (await sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags;
const setAlarm = (name: string, state: 'ALARM' | 'OK') =>
  cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `test: ${state}` }));

/** Each variant's live instance count and share of the traffic. */
async function serving(): Promise<Record<string, { instances: number; percent: number }>> {
  const variants = (await story.endpoint()).ProductionVariants ?? [];
  const total = variants.reduce((sum, variant) => sum + (variant.CurrentWeight ?? 0), 0);
  return Object.fromEntries(
    variants.map((variant) => [
      variant.VariantName,
      {
        instances: variant.CurrentInstanceCount ?? 0,
        percent: Math.round(((variant.CurrentWeight ?? 0) / total) * 100),
      },
    ]),
  );
}

/** The variant's registration and policy names, or undefined when it is not registered. */
async function scalingOf(variantName: string) {
  const resourceId = `endpoint/${endpointName}/variant/${variantName}`;
  const targets = await autoscaling.send(
    new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker', ResourceIds: [resourceId] }),
  );
  const registered = targets.ScalableTargets?.[0];
  if (registered === undefined) return undefined;
  const policies = await autoscaling.send(
    new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker', ResourceId: resourceId }),
  );
  return {
    min: registered.MinCapacity,
    max: registered.MaxCapacity,
    policies: (policies.ScalingPolicies ?? []).map((policy) => ({
      name: policy.PolicyName,
      type: policy.PolicyType,
      configuration: policy.TargetTrackingScalingPolicyConfiguration,
    })),
  };
}

/** The fraud team's endpoint and its health alarm, then v2 approved. */
async function startRolloutOverProduction() {
  await createHealthAlarm(endpointName, healthAlarm);
  const incumbent = await deployProductionEndpoint(groupName, endpointName, story.settle);
  const challenger = await story.registerApproved();
  await story.approved(challenger);
  return { incumbent, challenger };
}

/** Ticks, letting SageMaker finish each update, until the challenger serves `percent` on a settled endpoint. */
async function tickUntilServing(percent: number) {
  for (let count = 0; count < 40; count += 1) {
    await story.settle();
    const now = await serving();
    if ((await story.endpoint()).EndpointStatus === 'InService' && now[`${groupName}-2`]?.percent === percent)
      return now;
    await story.tick();
  }
  throw new Error(`never served ${percent}%`);
}

describe('a canary over a production endpoint', () => {
  it('sizes the new version from the live count at every step, its capacity in place before its traffic', async () => {
    await startRolloutOverProduction();

    expect(await tickUntilServing(10)).toEqual({
      'fraud-detector-1': { instances: 6, percent: 90 },
      'fraud-detector-2': { instances: 1, percent: 10 },
    });
    // The step to 50% first adds instances; the weights move only once they are there.
    await story.tick(); // the bake at 10% starts
    story.wait(10);
    await story.tick();
    await story.settle();
    expect(await serving()).toEqual({
      'fraud-detector-1': { instances: 6, percent: 90 },
      'fraud-detector-2': { instances: 3, percent: 10 },
    });
    expect(await tickUntilServing(50)).toEqual({
      'fraud-detector-1': { instances: 6, percent: 50 },
      'fraud-detector-2': { instances: 3, percent: 50 },
    });
    expect(await tickUntilServing(100)).toEqual({
      'fraud-detector-1': { instances: 6, percent: 0 },
      'fraud-detector-2': { instances: 6, percent: 100 },
    });
    await story.tickUntil(['Completed']);
    expect(await serving()).toEqual({ 'fraud-detector-2': { instances: 6, percent: 100 } });
  });

  it("follows the incumbents' load when auto scaling scales them out mid-rollout: 9 serving 50% means 18 for 100%", async () => {
    await startRolloutOverProduction();
    await tickUntilServing(10);
    await story.tick(); // the bake at 10% starts
    story.wait(10);
    expect(await tickUntilServing(50)).toEqual({
      'fraud-detector-1': { instances: 6, percent: 50 },
      'fraud-detector-2': { instances: 3, percent: 50 },
    });

    // Half of the traffic grew enough for auto scaling to take the incumbent from 6 to 9.
    await story.scaleVariant('fraud-detector-1', 9);
    const resized = await story.tick();
    await story.settle();

    expect(resized.outcome).toMatch(/adding capacity: 9 instance\(s\) for 50% .*all of the traffic needs 18/);
    expect(await serving()).toEqual({
      'fraud-detector-1': { instances: 9, percent: 50 },
      'fraud-detector-2': { instances: 9, percent: 50 },
    });
    expect((await story.record())?.challenger.baselineInstanceCount).toBe(18);
    expect(await tickUntilServing(100)).toEqual({
      'fraud-detector-1': { instances: 9, percent: 0 },
      'fraud-detector-2': { instances: 18, percent: 100 },
    });
    // From the moment it takes all of the traffic, auto scaling protects it, up to no less than its size.
    await story.tick();
    expect((await story.record())?.phase).toBe('Baking');
    expect(await scalingOf('fraud-detector-2')).toEqual({
      min: 2,
      max: 18,
      policies: [
        { name: productionShape.scalingPolicyName, type: 'TargetTrackingScaling', configuration: expect.anything() },
      ],
    });
    await story.tickUntil(['Completed']);
    expect(await serving()).toEqual({ 'fraud-detector-2': { instances: 18, percent: 100 } });
    expect((await scalingOf('fraud-detector-2'))?.max).toBe(18);
  });

  it('leaves every setting of the incumbent config and model on what it writes, field by field', async () => {
    const { incumbent } = await startRolloutOverProduction();
    const before = await describeConfig(incumbent.configName);
    const beforeModel = await describeModel(incumbent.modelName);

    const canary = await describeConfig('fraud-prod-v2-canary');
    const canaryTags = await tagsOf(canary.EndpointConfigArn);
    await story.tickUntil(['Completed']);
    const final = await describeConfig('fraud-prod-v2-final');
    const model = await describeModel('fraud-prod-v2');
    const beforeTags = await tagsOf(before.EndpointConfigArn);

    const [incumbentVariant] = before.ProductionVariants ?? [];
    const challengerVariant = {
      ...incumbentVariant,
      VariantName: 'fraud-detector-2',
      ModelName: 'fraud-prod-v2',
    };
    // The canary: the incumbent exactly (its weight aside), the new version beside it with the same settings.
    expect(canary.ProductionVariants).toEqual([
      { ...incumbentVariant, InitialVariantWeight: 90 },
      { ...challengerVariant, InitialInstanceCount: 1, InitialVariantWeight: 10 },
    ]);
    expect(final.ProductionVariants).toEqual([{ ...challengerVariant, InitialInstanceCount: 6 }]);
    for (const written of [canary, final]) {
      expect(written.DataCaptureConfig).toEqual(before.DataCaptureConfig);
      expect(written.KmsKeyId).toBe(productionShape.kmsKeyId);
    }
    // The team's tags, and the stack's own, which its IAM policy keys on (shared/rollout/stack-ownership.ts).
    const stackTag = { Key: 'sagemaker-rollout:stack', Value: 'sagemaker-rollout-local' };
    expect(beforeTags).toEqual([...productionShape.tags]);
    expect(canaryTags).toEqual([...productionShape.tags, stackTag]);
    expect(await tagsOf(final.EndpointConfigArn)).toEqual([...productionShape.tags, stackTag]);
    expect(model.VpcConfig).toEqual(beforeModel.VpcConfig);
    expect(model.EnableNetworkIsolation).toBe(true);
    expect(model.PrimaryContainer?.Environment).toEqual(productionShape.environment);
    expect(model.PrimaryContainer?.ModelPackageName).toMatch(/model-package\/fraud-detector\/2$/);
    expect(await tagsOf(model.ModelArn)).toEqual([...productionShape.tags, stackTag]);
  });

  it('moves auto scaling to the new variant when it completes, and leaves none on the old one', async () => {
    await startRolloutOverProduction();
    const before = await scalingOf('fraud-detector-1');
    expect(before).toEqual({
      min: 2,
      max: 10,
      policies: [
        { name: productionShape.scalingPolicyName, type: 'TargetTrackingScaling', configuration: expect.anything() },
      ],
    });

    await story.tickUntil(['Completed']);

    expect(await scalingOf('fraud-detector-2')).toEqual(before);
    expect(await scalingOf('fraud-detector-1')).toBeUndefined();
  });

  it('deregisters the incumbent before the final update, which SageMaker refuses while it is registered', async () => {
    await startRolloutOverProduction();
    await tickUntilServing(100);
    // The final update fails on every try of the tick that finalizes: the old variant is deregistered already...
    await local.emulator.inject({
      service: 'sagemaker',
      operation: 'UpdateEndpoint',
      error: 'InternalFailure',
      status: 500,
      times: 6,
    });
    await story.tickUntil(['Finalizing']);
    await local.emulator.disarm();
    expect(await scalingOf('fraud-detector-1')).toBeUndefined();
    // ...and meanwhile the team's own automation registers it again.
    await autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: `endpoint/${endpointName}/variant/fraud-detector-1`,
        ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
        MinCapacity: 2,
        MaxCapacity: 10,
      }),
    );
    await expect(
      sagemaker.send(
        new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: 'fraud-prod-v2-final' }),
      ),
    ).rejects.toThrow(/fraud-detector-1/);

    // The next tick deregisters what it finds registered, then updates.
    const done = await story.tickUntil(['Completed']);
    expect(done.phase).toBe('Completed');
    expect(await scalingOf('fraud-detector-1')).toBeUndefined();
    expect((await scalingOf('fraud-detector-2'))?.min).toBe(2);
  });
});

describe('rollbacks on a production endpoint', () => {
  it('while deploying: the incumbent keeps its 6 instances and its scaling, the rollback verified', async () => {
    await startRolloutOverProduction();
    await setAlarm('fraud-prod-5xx', 'ALARM');
    await story.alarm(healthAlarm);
    const rolledBack = await story.tickUntil(['RolledBack']);

    expect(rolledBack.reason).toContain(`alarm ${healthAlarm} is in ALARM`);
    expect(await serving()).toEqual({ 'fraud-detector-1': { instances: 6, percent: 100 } });
    expect((await story.endpoint()).EndpointConfigName).toBe('fraud-prod-v1-final');
    expect((await scalingOf('fraud-detector-1'))?.policies).toHaveLength(1);
  });

  it('at 50%: an incumbent that scaled in gets its instances back with the traffic', async () => {
    await startRolloutOverProduction();
    await tickUntilServing(50);
    // Auto scaling scales the incumbent in as it serves half the traffic.
    await story.scaleVariant('fraud-detector-1', 3);

    await setAlarm('fraud-prod-latency', 'ALARM');
    const report = await story.alarm(healthAlarm);
    const weights = report.actions.find((action) => action.operation === 'UpdateEndpointWeightsAndCapacities');
    expect(weights?.input).toMatchObject({
      DesiredWeightsAndCapacities: expect.arrayContaining([
        { VariantName: 'fraud-detector-1', DesiredWeight: 100, DesiredInstanceCount: 6 },
      ]),
    });
    await story.tickUntil(['RolledBack']);
    expect(await serving()).toEqual({ 'fraud-detector-1': { instances: 6, percent: 100 } });
  });

  it('while finalizing: the deregistered scaling is put back on the incumbent before the rollback counts as done', async () => {
    await startRolloutOverProduction();
    await tickUntilServing(100);
    await story.tickUntil(['Finalizing']); // v1 deregistered, the final update in flight
    expect((await story.endpoint()).EndpointStatus).toBe('Updating');
    expect(await scalingOf('fraud-detector-1')).toBeUndefined();

    await setAlarm('fraud-prod-5xx', 'ALARM');
    await story.alarm(healthAlarm);
    const rolledBack = await story.tickUntil(['RolledBack']);

    expect(rolledBack.history.at(-1)?.note).toMatch(/^rolled back/);
    expect(await serving()).toEqual({ 'fraud-detector-1': { instances: 6, percent: 100 } });
    expect(await scalingOf('fraud-detector-1')).toEqual({
      min: 2,
      max: 10,
      policies: [
        { name: productionShape.scalingPolicyName, type: 'TargetTrackingScaling', configuration: expect.anything() },
      ],
    });
    expect(await scalingOf('fraud-detector-2')).toBeUndefined();
  });

  it('stops on a composite alarm whose event was lost: the reconciler reads composite alarms too', async () => {
    await startRolloutOverProduction();
    await tickUntilServing(10);
    await setAlarm('fraud-prod-5xx', 'ALARM'); // the composite follows its child; no event reaches us

    await story.tick();

    const record = await story.record();
    expect(record?.phase === 'RollingBack' || record?.phase === 'RolledBack').toBe(true);
    expect(record?.reason).toContain(`alarm ${healthAlarm} is in ALARM`);
  });
});

describe('a composite alarm in ALARM as a version would start', () => {
  it('holds the version untouched and tells people at once, naming the composite', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await createHealthAlarm(endpointName, healthAlarm);
    await deployProductionEndpoint(groupName, endpointName, story.settle);
    await setAlarm('fraud-prod-5xx', 'ALARM'); // the team's composite health alarm follows its child
    const configBefore = (await story.endpoint()).EndpointConfigName;

    await story.approved(await story.registerApproved());

    expect((await notices.received()).map((notice) => notice.subject)).toEqual([
      `fraud-prod: fraud-detector v2 is waiting: alarm ${healthAlarm} is in ALARM`,
    ]);
    expect((await story.record())?.waitingFor).toBe(`alarm ${healthAlarm} is in ALARM before the rollout started`);
    expect((await story.endpoint()).EndpointConfigName).toBe(configBefore);
  });
});

describe('step scaling on a production endpoint: the team’s alarms follow the policy', () => {
  const { policyName, onCall } = stepScalingShape;
  const describeAlarm = async (name: string) =>
    (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0];
  const alarmTags = async (name: string) =>
    (await cloudwatch.send(new ListTagsForResourceCommand({ ResourceARN: (await describeAlarm(name))?.AlarmArn })))
      .Tags;
  async function stepPolicyOn(variantName: string) {
    const policies = await autoscaling.send(
      new DescribeScalingPoliciesCommand({
        ServiceNamespace: 'sagemaker',
        ResourceId: `endpoint/${endpointName}/variant/${variantName}`,
      }),
    );
    return policies.ScalingPolicies?.find((policy) => policy.PolicyName === policyName);
  }
  const variantDimensions = (variantName: string) => [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variantName },
  ];

  /** The production endpoint with a step policy and the team's two alarms that invoke it, then v2 approved. */
  async function startWithStepScaling() {
    await createHealthAlarm(endpointName, healthAlarm);
    await deployProductionEndpoint(groupName, endpointName, story.settle);
    const step = await addStepScaling(endpointName, 'fraud-detector-1');
    const [highLoad, slowAndBusy] = await Promise.all(step.alarmNames.map(describeAlarm));
    if (highLoad === undefined || slowAndBusy === undefined) throw new Error('the team’s alarms are missing');
    const policy = await stepPolicyOn('fraud-detector-1');
    await story.approved(await story.registerApproved());
    return { step, policy, highLoad, slowAndBusy };
  }

  /** From Finalizing (v1's scaling deregistered, the final update in flight), an alarm rolls the rollout back. */
  async function rollBackWhileFinalizing() {
    await tickUntilServing(100);
    await story.tickUntil(['Finalizing']);
    expect(await stepPolicyOn('fraud-detector-1')).toBeUndefined();
    await setAlarm('fraud-prod-5xx', 'ALARM');
    await story.alarm(healthAlarm);
  }

  it('a rollback after finalizing began puts the policy back and points its alarms at its new ARN, nothing else changed', async () => {
    const { step, policy, highLoad, slowAndBusy } = await startWithStepScaling();
    await rollBackWhileFinalizing();
    // The delete took the policy's action off the alarms (API_DeleteScalingPolicy); the alarms stay.
    expect((await describeAlarm(highLoad.AlarmName as string))?.AlarmActions).toEqual([onCall]);

    await story.tickUntil(['RolledBack']);

    const putBack = await stepPolicyOn('fraud-detector-1');
    const newArn = putBack?.PolicyARN as string;
    expect(newArn).not.toBe(step.policyArn);
    expect(putBack).toEqual({
      ...policy,
      PolicyARN: newArn,
      CreationTime: expect.any(Date),
      Alarms: step.alarmNames.map((name) => ({ AlarmName: name, AlarmARN: expect.stringContaining(`:alarm:${name}`) })),
    });
    const updated = expect.any(Date);
    expect(await describeAlarm(highLoad.AlarmName as string)).toEqual({
      ...highLoad,
      AlarmActions: [onCall, newArn],
      AlarmConfigurationUpdatedTimestamp: updated,
    });
    expect(await describeAlarm(slowAndBusy.AlarmName as string)).toEqual({
      ...slowAndBusy,
      AlarmActions: [newArn],
      AlarmConfigurationUpdatedTimestamp: updated,
    });
    expect(await alarmTags(highLoad.AlarmName as string)).toEqual([{ Key: 'team', Value: 'fraud' }]);
  });

  it('a completed rollout moves the policy to the new variant, its alarms invoking it there and watching that variant', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    const { policy, highLoad, slowAndBusy } = await startWithStepScaling();

    await story.tickUntil(['Completed']);

    expect(await stepPolicyOn('fraud-detector-1')).toBeUndefined();
    const moved = await stepPolicyOn('fraud-detector-2');
    const arn = moved?.PolicyARN as string;
    expect(arn).toMatch(
      /:resource\/sagemaker\/endpoint\/fraud-prod\/variant\/fraud-detector-2:policyName\/scale-out-on-load$/,
    );
    expect(moved?.StepScalingPolicyConfiguration).toEqual(policy?.StepScalingPolicyConfiguration);
    const updated = expect.any(Date);
    expect(await describeAlarm(highLoad.AlarmName as string)).toEqual({
      ...highLoad,
      AlarmActions: [onCall, arn],
      Dimensions: variantDimensions('fraud-detector-2'),
      AlarmConfigurationUpdatedTimestamp: updated,
    });
    const [latency, milliseconds] = slowAndBusy.Metrics ?? [];
    const metric = latency?.MetricStat?.Metric;
    expect(await describeAlarm(slowAndBusy.AlarmName as string)).toEqual({
      ...slowAndBusy,
      AlarmActions: [arn],
      Metrics: [
        {
          ...latency,
          MetricStat: {
            ...latency?.MetricStat,
            Metric: { ...metric, Dimensions: variantDimensions('fraud-detector-2') },
          },
        },
        milliseconds,
      ],
      AlarmConfigurationUpdatedTimestamp: updated,
    });
    const live = (await notices.received()).find((notice) => notice.subject.endsWith('is live'));
    expect(live?.message).toContain(
      `Step scaling policy ${policyName} moved to fraud-detector-2: alarms fraud-prod-high-load, fraud-prod-slow-and-busy now invoke it there (their metrics' VariantName fraud-detector-1 now fraud-detector-2).`,
    );
  });

  it('a rollback whose re-pointing fails is not RolledBack, and says so, until the alarms invoke the policy again', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    const { highLoad } = await startWithStepScaling();
    await local.emulator.inject({
      service: 'cloudwatch',
      operation: 'PutMetricAlarm',
      error: 'InternalFailure',
      status: 500,
      times: 1000,
    });
    await rollBackWhileFinalizing();

    for (let tick = 0; tick < 15 && !(await story.record())?.noticesSent.includes('rollback-unverified'); tick += 1) {
      await story.settle();
      await story.tick();
    }

    const held = await story.record();
    const putBack = await stepPolicyOn('fraud-detector-1');
    expect(held?.phase).toBe('RollingBack');
    expect(held?.waitingFor).toContain(
      `alarm fraud-prod-high-load does not invoke step policy ${policyName} (${putBack?.PolicyARN})`,
    );
    expect((await describeAlarm(highLoad.AlarmName as string))?.AlarmActions).toEqual([onCall]);
    expect((await notices.received()).map((notice) => notice.subject)).toContain(
      'fraud-prod: fraud-detector v2 rollback not verified',
    );

    await local.emulator.disarm();
    await story.tickUntil(['RolledBack']);

    const repaired = await stepPolicyOn('fraud-detector-1');
    expect((await describeAlarm(highLoad.AlarmName as string))?.AlarmActions).toEqual([onCall, repaired?.PolicyARN]);
  });
});

describe('a rollout that cannot make progress', () => {
  it('rolls back when its step has not arrived within the deadline, and tells people when it passes', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await startRolloutOverProduction();
    await notices.received();
    // SageMaker never finishes the canary update: the endpoint stays Updating.
    for (let minute = 0; minute < 60; minute += 1) await story.tick();
    expect((await story.record())?.phase).toBe('Deploying');

    await story.tick();
    const record = await story.record();
    expect(record?.phase).toBe('RollingBack');
    expect(record?.reason).toMatch(/^progress deadline exceeded: no progress in Deploying within 60 min/);
    const [notice] = await notices.received();
    expect(notice?.subject).toBe('fraud-prod: fraud-detector v2 is rolling back');
    expect(notice?.message.split('\n').slice(0, 2)).toEqual([
      expect.stringMatching(/^Why: progress deadline exceeded: no progress in Deploying within 60 min/),
      'All of the traffic goes back to fraud-prod-v1-final now; the next notice says when the endpoint is verified as it was.',
    ]);

    const failed = await story.tickUntil(['Failed']);
    expect(failed.reason).toMatch(/^progress deadline exceeded/);
    expect(await serving()).toEqual({ 'fraud-detector-1': { instances: 6, percent: 100 } });
    // Not the model's fault: the package stays Approved.
    expect((await story.packageStatus(failed.packageArn)).status).toBe('Approved');
  });

  it('does not start while a watched alarm does not exist, says so once, and starts when it appears', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await deployProductionEndpoint(groupName, endpointName, story.settle);
    await story.approved(await story.registerApproved());
    await story.tick();
    await story.tick();

    const record = await story.record();
    expect(record?.phase).toBe('Starting');
    expect(record?.waitingFor).toBe(`alarm ${healthAlarm} does not exist`);
    const received = await notices.received();
    expect(received.map((notice) => notice.subject)).toEqual([
      `fraud-prod: fraud-detector v2 is waiting: alarm ${healthAlarm} does not exist`,
    ]);
    expect(received[0]?.message.split('\n').at(-1)).toBe('To stop it: npx rollout abort fraud-prod --reason "..."');
    expect(await rolloutStatus(local.context(), endpointName)).toContain(
      `  next step not timed (waiting: alarm ${healthAlarm} does not exist)`,
    );

    await createHealthAlarm(endpointName, healthAlarm);
    await story.tick();
    expect((await story.record())?.phase).toBe('Deploying');
  });

  it('does not touch an endpoint the team has not tagged for the stack, says so once, and starts once it is', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await createHealthAlarm(endpointName, healthAlarm);
    await deployProductionEndpoint(groupName, endpointName, story.settle, { handedOverTo: null });
    const before = await story.endpoint();
    await story.approved(await story.registerApproved());
    await story.tick();
    await story.tick();

    const waitingFor = `endpoint ${endpointName} is not tagged sagemaker-rollout:stack`;
    expect(await story.record()).toMatchObject({ phase: 'Starting', waitingFor });
    expect((await notices.received()).map((notice) => notice.subject)).toEqual([
      `fraud-prod: fraud-detector v2 is waiting: ${waitingFor}`,
    ]);
    const after = await story.endpoint();
    expect(after.EndpointConfigName).toBe(before.EndpointConfigName);
    expect(after.LastModifiedTime).toEqual(before.LastModifiedTime);

    const writer = liveWriter();
    await tagEndpoint(writer, before.EndpointArn as string, local.context().settings.stackName);
    await story.tick();
    expect((await story.record())?.phase).toBe('Deploying');
  });
});

describe('the champion a new version must beat', () => {
  /** A pending version with this AUC, judged by the real approve handler. */
  async function judge(auc: number) {
    const packageArn = await registerModelPackage({
      groupName,
      evaluationReport: binaryClassificationReport(auc, 0.02),
    });
    const report = await local.send(modelPackageEvent('PendingManualApproval', packageArn, story.now()));
    return { outcome: report.outcome, ...(await story.packageStatus(packageArn)) };
  }

  it('is the version that serves, not one an operator aborted that is still Approved', async () => {
    await createHealthAlarm(endpointName, healthAlarm);
    await deployProductionEndpoint(groupName, endpointName, story.settle); // v1, AUC 0.9
    expect((await judge(0.95)).outcome).toBe('approved'); // v2 beats v1
    await story.approved(`arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/2`);
    await story.tickUntil(['Completed']);
    expect((await judge(0.99)).outcome).toBe('approved'); // v3 beats v2
    await story.approved(`arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/3`);
    await abortRollout(local.context(), endpointName, 'test', 'customer complaint', story.now());
    await story.tickUntil(['RolledBack']);

    // v4 must beat v2, which serves (0.95 + 0.005), not the aborted v3 (0.99).
    const fourth = await judge(0.96);
    expect(fourth.outcome).toBe('approved');
    expect(fourth.description).toContain('champion 0.95 + 0.005');
  });
});
