/**
 * Emulator fill-ins for Application Auto Scaling of SageMaker variants (emulator/fill_ins/autoscaling.py)
 * CloudWatch composite alarms and alarm state (alarms.py) and GetMetricData's statistics (metric_data.py): each behaves as the AWS pages its module
 * cites say, and plain moto 5.2.1 still needs it.
 *
 * Nothing here sleeps: updateSeconds is an hour, and tests complete transitions with settle().
 */
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  PutScalingPolicyCommand,
  PutScheduledActionCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  type DescribeAlarmsCommandInput,
  GetMetricDataCommand,
  ListTagsForResourceCommand as ListAlarmTagsCommand,
  type MetricDataQuery,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../emulator/launch.ts';
import { ACCOUNT, clientConfig, endpointArn, IMAGE, REGION, ROLE, useEmulatorPair } from '../support/emulator-pair.ts';

const DIMENSION = 'sagemaker:variant:DesiredInstanceCount';
const alarmArn = (name: string) => `arn:aws:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;

interface Aws {
  emulator: EmulatorHandle;
  sagemaker: SageMakerClient;
  scaling: ApplicationAutoScalingClient;
  cloudwatch: CloudWatchClient;
}

let aws: Aws;
let plainAws: Aws;

function connect(emulator: EmulatorHandle): Aws {
  const config = clientConfig(emulator);
  return {
    emulator,
    sagemaker: new SageMakerClient(config),
    scaling: new ApplicationAutoScalingClient(config),
    cloudwatch: new CloudWatchClient(config),
  };
}

const emulators = useEmulatorPair();
beforeAll(() => {
  aws = connect(emulators().withFillIns);
  plainAws = connect(emulators().plain);
});

// -- helpers ----------------------------------------------------------------------

const createModel = ({ sagemaker }: Aws, name = 'model') =>
  sagemaker.send(
    new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: IMAGE }, ExecutionRoleArn: ROLE }),
  );

const createConfig = ({ sagemaker }: Aws, name: string, variants: { name: string; model?: string; type?: string }[]) =>
  sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: variants.map((v) => ({
        VariantName: v.name,
        ModelName: v.model ?? 'model',
        InstanceType: (v.type ?? 'ml.m5.large') as 'ml.m5.large',
        InitialInstanceCount: 1,
      })),
    }),
  );

/** Endpoints on config `old` (variants blue and green), InService. */
async function createEndpoints(account: Aws, ...names: string[]): Promise<void> {
  await createModel(account);
  await createConfig(account, 'old', [{ name: 'blue' }, { name: 'green' }]);
  for (const name of names.length === 0 ? ['endpoint'] : names) {
    await account.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: 'old' }));
  }
  await account.emulator.settle();
}

const target = (variant: string, endpoint = 'endpoint') => ({
  ServiceNamespace: 'sagemaker' as const,
  ResourceId: `endpoint/${endpoint}/variant/${variant}`,
  ScalableDimension: DIMENSION as 'sagemaker:variant:DesiredInstanceCount',
});

const register = ({ scaling }: Aws, variant: string, endpoint = 'endpoint') =>
  scaling.send(new RegisterScalableTargetCommand({ ...target(variant, endpoint), MinCapacity: 1, MaxCapacity: 4 }));

const putPolicy = ({ scaling }: Aws, variant: string, endpoint = 'endpoint') =>
  scaling.send(
    new PutScalingPolicyCommand({
      ...target(variant, endpoint),
      PolicyName: `scale-${variant}`,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
      },
    }),
  );

/** A step scaling policy on the variant (scale out by one), answering its ARN. */
const putStepPolicy = async ({ scaling }: Aws, variant: string, adjustment = 1) =>
  (
    await scaling.send(
      new PutScalingPolicyCommand({
        ...target(variant),
        PolicyName: `steps-${variant}`,
        PolicyType: 'StepScaling',
        StepScalingPolicyConfiguration: {
          AdjustmentType: 'ChangeInCapacity',
          StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: adjustment }],
          Cooldown: 60,
        },
      }),
    )
  ).PolicyARN as string;

const stepPolicyOf = async ({ scaling }: Aws, variant: string) =>
  (
    await scaling.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker', ResourceId: target(variant).ResourceId }),
    )
  ).ScalingPolicies?.[0];

const topic = 'arn:aws:sns:us-east-1:123456789012:pager';

/** A team's alarm on the variant's load with these actions. */
const putScalingAlarm = (
  { cloudwatch }: Aws,
  name: string,
  actions: { AlarmActions?: string[]; OKActions?: string[] },
) =>
  cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/SageMaker',
      MetricName: 'InvocationsPerInstance',
      Dimensions: [{ Name: 'EndpointName', Value: 'endpoint' }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanThreshold',
      ...actions,
    }),
  );

const actionsOf = async ({ cloudwatch }: Aws, name: string) => {
  const [alarm] = (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms ?? [];
  return alarm === undefined ? undefined : { AlarmActions: alarm.AlarmActions, OKActions: alarm.OKActions };
};

const putScheduledAction = ({ scaling }: Aws, variant: string) =>
  scaling.send(
    new PutScheduledActionCommand({
      ...target(variant),
      ScheduledActionName: `night-${variant}`,
      Schedule: 'cron(0 22 * * ? *)',
      ScalableTargetAction: { MinCapacity: 1, MaxCapacity: 1 },
    }),
  );

const policyNames = async ({ scaling }: Aws, resourceId?: string) =>
  (
    await scaling.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker', ResourceId: resourceId }))
  ).ScalingPolicies?.map((p) => p.PolicyName);

const update = ({ sagemaker }: Aws, config: string) =>
  sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: config }));

const putMetricAlarm = ({ cloudwatch }: Aws, name: string, threshold = 1) =>
  cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: threshold,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );

const putComposite = ({ cloudwatch }: Aws, name: string, rule: string) =>
  cloudwatch.send(new PutCompositeAlarmCommand({ AlarmName: name, AlarmRule: rule }));

const setState = ({ cloudwatch }: Aws, name: string, state: 'OK' | 'ALARM') =>
  cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'test' }));

async function states(input: DescribeAlarmsCommandInput = {}): Promise<Record<string, string | undefined>> {
  const out = await aws.cloudwatch.send(
    new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], ...input }),
  );
  return Object.fromEntries(
    [...(out.MetricAlarms ?? []), ...(out.CompositeAlarms ?? [])].map((a) => [a.AlarmName, a.StateValue]),
  );
}

/** How moto's unimplemented actions surface in the SDK: an HTML 500 it cannot parse. */
const unparseable500 = { name: 'SyntaxError', $metadata: expect.objectContaining({ httpStatusCode: 500 }) };

// -- specifications ---------------------------------------------------------------

describe('UpdateEndpoint with variants registered for auto scaling', () => {
  const refused = (problem: string) => ({
    name: 'ValidationException',
    message:
      `Cannot update endpoint "${endpointArn('endpoint')}": ${problem}, but it is registered as a scalable target ` +
      'with Application Auto Scaling. Deregister the variant (DeregisterScalableTarget) before removing a variant ' +
      "or changing its instance type; changing only a variant's model is allowed.",
  });

  async function expectUntouched(): Promise<void> {
    const endpoint = await aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'endpoint' }));
    expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'old' });
    expect(endpoint.PendingDeploymentSummary).toBeUndefined();
  }

  it('refuses an update that removes a registered variant; the endpoint stays InService on its config', async () => {
    await createEndpoints(aws);
    await createConfig(aws, 'blue-only', [{ name: 'blue' }]);
    await register(aws, 'green');

    await expect(update(aws, 'blue-only')).rejects.toMatchObject(refused('variant "green" would be removed'));
    await expectUntouched();
  });

  it("refuses an update that changes a registered variant's instance type", async () => {
    await createEndpoints(aws);
    await createConfig(aws, 'bigger', [{ name: 'blue', type: 'ml.m5.xlarge' }, { name: 'green' }]);
    await register(aws, 'blue');

    await expect(update(aws, 'bigger')).rejects.toMatchObject(
      refused('variant "blue" would change instance type from ml.m5.large to ml.m5.xlarge'),
    );
    await expectUntouched();
  });

  it("allows changing a registered variant's model, removing an unregistered one, and any change once deregistered", async () => {
    await createEndpoints(aws);
    await createModel(aws, 'model-2');
    await createConfig(aws, 'new-model', [{ name: 'blue', model: 'model-2' }]);
    await createConfig(aws, 'bigger', [{ name: 'blue', model: 'model-2', type: 'ml.m5.xlarge' }]);
    await register(aws, 'blue');

    await update(aws, 'new-model');
    await aws.emulator.settle();
    await aws.scaling.send(new DeregisterScalableTargetCommand(target('blue')));
    await update(aws, 'bigger');
    await aws.emulator.settle();

    const endpoint = await aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'endpoint' }));
    expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'bigger' });
  });
});

describe('Application Auto Scaling fill-ins', () => {
  it('deregistering a target deletes its scaling policies and scheduled actions', async () => {
    await register(aws, 'blue');
    await register(aws, 'green');
    await Promise.all([putPolicy(aws, 'blue'), putPolicy(aws, 'green'), putScheduledAction(aws, 'blue')]);

    await aws.scaling.send(new DeregisterScalableTargetCommand(target('blue')));
    await register(aws, 'blue');

    expect(await policyNames(aws)).toEqual(['scale-green']);
    const actions = await aws.scaling.send(new DescribeScheduledActionsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(actions.ScheduledActions).toEqual([]);
  });

  it('answers ObjectNotFoundException for a policy, a scheduled action or a deregistration without a target', async () => {
    const notFound = (verb: 'registered' | 'found') => ({
      name: 'ObjectNotFoundException',
      message: `No scalable target ${verb} for service namespace: sagemaker, resource ID: endpoint/endpoint/variant/blue, scalable dimension: ${DIMENSION}`,
    });

    await expect(putPolicy(aws, 'blue')).rejects.toMatchObject(notFound('registered'));
    await expect(putScheduledAction(aws, 'blue')).rejects.toMatchObject(notFound('registered'));
    await expect(aws.scaling.send(new DeregisterScalableTargetCommand(target('blue')))).rejects.toMatchObject(
      notFound('found'),
    );
    expect(await policyNames(aws)).toEqual([]);
  });

  it("DescribeScalingPolicies with a ResourceId returns only that resource's policies", async () => {
    for (const variant of ['v-1', 'v-12']) {
      await register(aws, variant);
      await putPolicy(aws, variant);
    }

    expect(await policyNames(aws, 'endpoint/endpoint/variant/v-12')).toEqual(['scale-v-12']);
    expect(await policyNames(aws, 'endpoint/endpoint/variant/v-1')).toEqual(['scale-v-1']);
  });

  it("DeleteEndpoint deregisters its variants' scalable targets, and their policies with them", async () => {
    await createEndpoints(aws, 'endpoint', 'other');
    for (const [variant, endpoint] of [
      ['blue', 'endpoint'],
      ['green', 'endpoint'],
      ['blue', 'other'],
    ] as const) {
      await register(aws, variant, endpoint);
      await putPolicy(aws, variant, endpoint);
    }

    await aws.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'endpoint' }));

    const targets = await aws.scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }));
    expect(targets.ScalableTargets?.map((t) => t.ResourceId)).toEqual(['endpoint/other/variant/blue']);
    expect(await policyNames(aws)).toEqual(['scale-blue']);
  });
});

describe('step scaling policies and the alarms that invoke them', () => {
  it("lists as a step policy's Alarms the metric alarms that name its ARN in any action list", async () => {
    await register(aws, 'blue');
    const arn = await putStepPolicy(aws, 'blue');
    await putScalingAlarm(aws, 'high', { AlarmActions: [topic, arn] });
    await putScalingAlarm(aws, 'low', { OKActions: [arn] });
    await putScalingAlarm(aws, 'paging-only', { AlarmActions: [topic] });

    expect((await stepPolicyOf(aws, 'blue'))?.Alarms).toEqual([
      { AlarmName: 'high', AlarmARN: alarmArn('high') },
      { AlarmName: 'low', AlarmARN: alarmArn('low') },
    ]);
  });

  it('deleting a step policy removes its action from its alarms, which stay; put again, it has a new ARN', async () => {
    await register(aws, 'blue');
    const first = await putStepPolicy(aws, 'blue');
    await putScalingAlarm(aws, 'high', { AlarmActions: [topic, first], OKActions: [first] });

    await aws.scaling.send(new DeleteScalingPolicyCommand({ ...target('blue'), PolicyName: 'steps-blue' }));

    expect(await actionsOf(aws, 'high')).toEqual({ AlarmActions: [topic], OKActions: [] });
    const second = await putStepPolicy(aws, 'blue');
    expect(second).not.toBe(first);
    expect(second).toMatch(
      /^arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:[0-9a-f-]{36}:resource\/sagemaker\/endpoint\/endpoint\/variant\/blue:policyName\/steps-blue$/,
    );
    expect((await stepPolicyOf(aws, 'blue'))?.Alarms).toEqual([]);
  });

  it('deregistering the target removes its step policies’ actions from their alarms too', async () => {
    await register(aws, 'blue');
    const arn = await putStepPolicy(aws, 'blue');
    await putScalingAlarm(aws, 'high', { AlarmActions: [arn, topic] });

    await aws.scaling.send(new DeregisterScalableTargetCommand(target('blue')));

    expect(await actionsOf(aws, 'high')).toEqual({ AlarmActions: [topic], OKActions: [] });
  });

  it('an update of a policy keeps its ARN and creation time, so its alarms still invoke it', async () => {
    await register(aws, 'blue');
    const arn = await putStepPolicy(aws, 'blue');
    const created = (await stepPolicyOf(aws, 'blue'))?.CreationTime;

    expect(await putStepPolicy(aws, 'blue', 2)).toBe(arn);
    expect(await stepPolicyOf(aws, 'blue')).toMatchObject({
      PolicyARN: arn,
      CreationTime: created,
      StepScalingPolicyConfiguration: { StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 2 }] },
    });
  });
});

describe('CloudWatch alarm fill-ins', () => {
  it('starts a new metric alarm INSUFFICIENT_DATA and keeps the state of an updated one', async () => {
    await putMetricAlarm(aws, 'a');
    expect(await states()).toEqual({ a: 'INSUFFICIENT_DATA' });

    await setState(aws, 'a', 'ALARM');
    await putMetricAlarm(aws, 'a', 5);

    const [alarm] = (await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['a'] }))).MetricAlarms ?? [];
    expect(alarm).toMatchObject({ StateValue: 'ALARM', StateReason: 'test', Threshold: 5 });
  });

  it('stores a composite alarm, which DescribeAlarms returns only when AlarmTypes asks for composites', async () => {
    await putMetricAlarm(aws, 'a');
    await aws.cloudwatch.send(
      new PutCompositeAlarmCommand({
        AlarmName: 'composite',
        AlarmRule: 'ALARM("a")',
        AlarmDescription: 'why',
        ActionsEnabled: false,
        AlarmActions: ['arn:aws:sns:us-east-1:123456789012:topic'],
        ActionsSuppressor: 'a',
        ActionsSuppressorWaitPeriod: 60,
        ActionsSuppressorExtensionPeriod: 60,
        Tags: [{ Key: 'team', Value: 'ml' }],
      }),
    );
    const describe = (input: DescribeAlarmsCommandInput) => aws.cloudwatch.send(new DescribeAlarmsCommand(input));

    const untyped = await describe({});
    expect([untyped.MetricAlarms?.map((a) => a.AlarmName), untyped.CompositeAlarms]).toEqual([['a'], []]);
    const composites = await describe({ AlarmTypes: ['CompositeAlarm'] });
    expect(composites.MetricAlarms).toEqual([]);
    expect(composites.CompositeAlarms).toEqual([
      expect.objectContaining({
        AlarmName: 'composite',
        AlarmArn: alarmArn('composite'),
        AlarmRule: 'ALARM("a")',
        AlarmDescription: 'why',
        ActionsEnabled: false,
        AlarmActions: ['arn:aws:sns:us-east-1:123456789012:topic'],
        ActionsSuppressor: 'a',
        StateValue: 'INSUFFICIENT_DATA',
        StateReason: 'Unchecked: Initial alarm creation',
        StateUpdatedTimestamp: expect.any(Date),
      }),
    ]);
    const tags = await aws.cloudwatch.send(new ListAlarmTagsCommand({ ResourceARN: alarmArn('composite') }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'ml' }]);
  });

  it('combines AlarmTypes with AlarmNames, AlarmNamePrefix and StateValue', async () => {
    await putMetricAlarm(aws, 'svc-a');
    await putMetricAlarm(aws, 'other');
    await putComposite(aws, 'svc-composite', 'ALARM(svc-a)');
    await setState(aws, 'svc-a', 'ALARM');

    expect(await states({ AlarmNamePrefix: 'svc-' })).toEqual({ 'svc-a': 'ALARM', 'svc-composite': 'ALARM' });
    expect(await states({ AlarmNamePrefix: 'svc-', StateValue: 'ALARM', AlarmTypes: ['MetricAlarm'] })).toEqual({
      'svc-a': 'ALARM',
    });
    expect(await states({ AlarmNames: ['other', 'svc-composite'], StateValue: 'INSUFFICIENT_DATA' })).toEqual({
      other: 'INSUFFICIENT_DATA',
    });
    await expect(states({ AlarmNames: ['other'], AlarmNamePrefix: 'svc-' })).rejects.toMatchObject({
      name: 'InvalidParameterCombinationException',
    });
  });

  it('pages by MaxRecords and NextToken, metric alarms first', async () => {
    for (const name of ['a', 'b', 'c']) await putMetricAlarm(aws, name);
    await putComposite(aws, 'composite', 'ALARM(a)');
    const page = (NextToken?: string) =>
      aws.cloudwatch.send(
        new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'], MaxRecords: 2, NextToken }),
      );

    const first = await page();
    const second = await page(first.NextToken);

    expect([first.MetricAlarms?.length, first.CompositeAlarms?.length, second.NextToken]).toEqual([2, 0, undefined]);
    expect([second.MetricAlarms?.[0]?.AlarmName, second.CompositeAlarms?.[0]?.AlarmName]).toEqual(['c', 'composite']);
    await expect(page('nonsense')).rejects.toMatchObject({ name: 'InvalidNextToken' });
  });

  it('evaluates a new composite when it settles, then again whenever an alarm it names changes', async () => {
    await putMetricAlarm(aws, 'errors');
    await putMetricAlarm(aws, 'latency');
    await setState(aws, 'errors', 'ALARM');
    await putComposite(aws, 'guard', 'ALARM(errors) AND NOT OK(latency)');
    expect((await states()).guard).toBe('INSUFFICIENT_DATA');

    await aws.emulator.settle(); // latency is INSUFFICIENT_DATA, so NOT OK(latency) holds
    expect((await states()).guard).toBe('ALARM');
    await setState(aws, 'latency', 'OK');
    expect((await states()).guard).toBe('OK');
    await setState(aws, 'latency', 'ALARM');

    const [guard] =
      (await aws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }))).CompositeAlarms ?? [];
    expect(guard).toMatchObject({ StateValue: 'ALARM', StateReason: expect.stringContaining(alarmArn('latency')) });
    expect(JSON.parse(guard?.StateReasonData ?? '{}').triggeringAlarms).toHaveLength(2);
  });

  it.each([
    ['TRUE', 'ALARM'],
    ['FALSE', 'OK'],
    ['NOT FALSE AND TRUE', 'ALARM'],
    ['ALARM(a) OR ALARM(b)', 'ALARM'],
    ['ALARM(a) AND ALARM(b)', 'OK'],
    ['(ALARM("a") OR OK(c)) AND INSUFFICIENT_DATA(c)', 'ALARM'],
    ['NOT (OK(b) OR ALARM(a))', 'OK'],
    [`ALARM("${alarmArn('a')}") AND OK(${alarmArn('b')})`, 'ALARM'],
  ])('evaluates the rule %s to %s (a ALARM, b OK, c INSUFFICIENT_DATA)', async (rule, expected) => {
    for (const name of ['a', 'b', 'c']) await putMetricAlarm(aws, name);
    await setState(aws, 'a', 'ALARM');
    await setState(aws, 'b', 'OK');
    await putComposite(aws, 'composite', rule);
    await aws.emulator.settle();

    expect((await states()).composite).toBe(expected);
  });

  it('propagates through composites of composites; SetAlarmState on a composite holds until the next evaluation', async () => {
    await putMetricAlarm(aws, 'a');
    await putComposite(aws, 'inner', 'ALARM(a)');
    await putComposite(aws, 'outer', 'ALARM(inner)');
    await aws.emulator.settle();
    expect(await states()).toMatchObject({ inner: 'OK', outer: 'OK' });

    await setState(aws, 'a', 'ALARM');
    expect(await states()).toMatchObject({ inner: 'ALARM', outer: 'ALARM' });
    await setState(aws, 'inner', 'OK');
    expect(await states()).toMatchObject({ a: 'ALARM', inner: 'OK', outer: 'OK' });
  });

  it('refuses a rule that does not parse or names alarms that do not exist', async () => {
    await putMetricAlarm(aws, 'a');

    await expect(putComposite(aws, 'c', 'ALARM(a) AND')).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining('The AlarmRule is not valid'),
    });
    await expect(putComposite(aws, 'c', 'ALARM(a) OR OK(gone) OR ALARM("missing")')).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Could not save the composite alarm as alarms [gone, missing] in the alarm rule do not exist',
    });
  });

  it('DeleteAlarms refuses alarms that composites depend on and more than one composite at once', async () => {
    await putMetricAlarm(aws, 'a');
    await putComposite(aws, 'c1', 'ALARM(a)');
    await putComposite(aws, 'c2', 'OK(a)');
    const remove = (...names: string[]) => aws.cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: names }));

    await expect(remove('a', 'c1')).rejects.toMatchObject({
      name: 'ValidationError',
      message: 'Cannot delete a as there are composite alarm(s) depending on it.',
    });
    await expect(remove('c1', 'c2')).rejects.toMatchObject({ name: 'ValidationError' });
    await remove('c1');
    await remove('c2', 'a');

    expect(await states()).toEqual({});
    const settle = await fetch(`${aws.emulator.endpointUrl}/_emulator/settle`, { method: 'POST' });
    expect(await settle.json()).toEqual({ settled: 0 }); // their pending evaluations went with them
  });

  it('returns the children of a composite and the parents of an alarm', async () => {
    await putMetricAlarm(aws, 'a');
    await putComposite(aws, 'inner', 'ALARM(a)');
    await putComposite(aws, 'outer', 'ALARM(inner) OR OK(a)');
    const names = async (input: DescribeAlarmsCommandInput) => {
      const out = await aws.cloudwatch.send(new DescribeAlarmsCommand(input));
      return [out.MetricAlarms?.map((a) => a.AlarmName), out.CompositeAlarms?.map((a) => a.AlarmName)];
    };

    expect(await names({ ChildrenOfAlarmName: 'outer' })).toEqual([['a'], ['inner']]);
    expect(await names({ ParentsOfAlarmName: 'a' })).toEqual([[], ['inner', 'outer']]);
  });
});

// A period of SageMaker's per-variant metrics, ten and twenty minutes before the next whole hour of an hour ago.
const hour = 3_600_000;
const windowEnd = new Date(Math.floor(Date.now() / hour) * hour - hour);
const windowStart = new Date(windowEnd.getTime() - 20 * 60_000);
const variantDimensions = [
  { Name: 'EndpointName', Value: 'pricing' },
  { Name: 'VariantName', Value: 'pricing-2' },
];

const putLatencies = ({ cloudwatch }: Aws, namespace: string, values: number[], counts?: number[]) =>
  cloudwatch.send(
    new PutMetricDataCommand({
      Namespace: namespace,
      MetricData: [
        {
          MetricName: 'ModelLatency',
          Dimensions: variantDimensions,
          Timestamp: new Date(windowStart.getTime() + 5 * 60_000),
          Values: values,
          Counts: counts,
          Unit: 'Microseconds',
        },
      ],
    }),
  );

function latencyQuery(stat: string, overrides: Partial<MetricDataQuery> = {}, period = 1200): MetricDataQuery {
  return {
    Id: 'latency',
    MetricStat: {
      Metric: { Namespace: 'AWS/SageMaker', MetricName: 'ModelLatency', Dimensions: variantDimensions },
      Period: period,
      Stat: stat,
    },
    ...overrides,
  };
}

async function metricValues({ cloudwatch }: Aws, queries: MetricDataQuery[], start = windowStart) {
  const out = await cloudwatch.send(
    new GetMetricDataCommand({ StartTime: start, EndTime: windowEnd, MetricDataQueries: queries }),
  );
  return Object.fromEntries((out.MetricDataResults ?? []).map((result) => [result.Id, result.Values]));
}

describe('CloudWatch GetMetricData fill-in', () => {
  it('computes nearest-rank percentiles from Values and Counts beside the basic statistics', async () => {
    // 90 requests at 1 ms, 9 at 10 ms, one at 500 ms
    await putLatencies(aws, 'AWS/SageMaker', [1000, 10_000, 500_000], [90, 9, 1]);
    const stats = ['Average', 'SampleCount', 'Maximum', 'p50', 'p90', 'p99', 'p99.5', 'p100'];

    const values = await metricValues(
      aws,
      stats.map((stat, index) => latencyQuery(stat, { Id: `s${index}` })),
    );

    expect(stats.map((_, index) => values[`s${index}`])).toEqual([
      [6800],
      [100],
      [500_000],
      [1000],
      [1000],
      [10_000],
      [500_000],
      [500_000],
    ]);
  });

  it('matches the namespace as well as the name and dimensions', async () => {
    await putLatencies(aws, 'AWS/SageMaker', [2000]);
    await putLatencies(aws, 'Team/Latency', [900_000]);

    expect(await metricValues(aws, [latencyQuery('Average')])).toEqual({ latency: [2000] });
  });

  it('has no percentile from a statistic set of several different values, or from negative values', async () => {
    await aws.cloudwatch.send(
      new PutMetricDataCommand({
        Namespace: 'AWS/SageMaker',
        MetricData: [
          {
            MetricName: 'ModelLatency',
            Dimensions: variantDimensions,
            Timestamp: new Date(windowStart.getTime() + 60_000),
            StatisticValues: { SampleCount: 10, Sum: 50, Minimum: 1, Maximum: 9 },
          },
        ],
      }),
    );

    expect(await metricValues(aws, [latencyQuery('p99'), latencyQuery('Average', { Id: 'average' })])).toEqual({
      latency: [],
      average: [5],
    });
  });

  it('rounds StartTime down to the minute and returns one datapoint per period, newest first', async () => {
    await putLatencies(aws, 'AWS/SageMaker', [3000]);
    const out = await aws.cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(windowStart.getTime() + 30_000),
        EndTime: windowEnd,
        MetricDataQueries: [latencyQuery('SampleCount', {}, 300)],
      }),
    );

    expect(out.MetricDataResults?.[0]).toMatchObject({
      Values: [1],
      Timestamps: [new Date(windowStart.getTime() + 5 * 60_000)],
    });
  });

  it.each([
    ['an unknown statistic', [latencyQuery('p999')], 'MetricDataQueries.member.1.MetricStat.Stat'],
    [
      'a period that is not a multiple of a minute',
      [latencyQuery('Sum', {}, 90)],
      'MetricDataQueries.member.1.MetricStat.Period',
    ],
    ['an Id that starts with a capital', [latencyQuery('Sum', { Id: 'Latency' })], 'MetricDataQueries.member.1.Id'],
    ['a repeated Id', [latencyQuery('Sum'), latencyQuery('Average')], 'MetricDataQueries.member.2.Id'],
    [
      'more than 500 queries',
      Array.from({ length: 501 }, (_, n) => latencyQuery('Sum', { Id: `q${n}` })),
      'MetricDataQueries',
    ],
  ])('refuses %s with a ValidationError naming the parameter', async (_, queries, parameter) => {
    await expect(metricValues(aws, queries)).rejects.toMatchObject({
      name: 'ValidationError',
      message: expect.stringContaining(parameter),
    });
  });
});

describe('moto 5.2.1 capabilities (plain, without fill-ins)', () => {
  const fixed = 'if this fails, moto fixed it, remove the fill-in';

  it(`moto still keeps the policies of a deregistered target: ${fixed}`, async () => {
    await register(plainAws, 'blue');
    await putPolicy(plainAws, 'blue');

    await plainAws.scaling.send(new DeregisterScalableTargetCommand(target('blue')));

    expect(await policyNames(plainAws)).toEqual(['scale-blue']);
  });

  it(`moto still accepts a scaling policy without a scalable target: ${fixed}`, async () => {
    await expect(putPolicy(plainAws, 'blue')).resolves.toMatchObject({ PolicyARN: expect.any(String) });
  });

  it(`moto still matches DescribeScalingPolicies' ResourceId as a substring: ${fixed}`, async () => {
    for (const variant of ['v-1', 'v-12']) await putPolicy(plainAws, variant);

    expect(await policyNames(plainAws, 'endpoint/endpoint/variant/v-12')).toEqual(['scale-v-1', 'scale-v-12']);
  });

  it(`moto still lists no Alarms for a step policy whose ARN an alarm names: ${fixed}`, async () => {
    const arn = await putStepPolicy(plainAws, 'blue');
    await putScalingAlarm(plainAws, 'high', { AlarmActions: [arn] });

    expect((await stepPolicyOf(plainAws, 'blue'))?.Alarms).toEqual([]);
  });

  it(`moto still leaves a deleted step policy's ARN among its alarm's actions: ${fixed}`, async () => {
    const arn = await putStepPolicy(plainAws, 'blue');
    await putScalingAlarm(plainAws, 'high', { AlarmActions: [arn] });

    await plainAws.scaling.send(new DeleteScalingPolicyCommand({ ...target('blue'), PolicyName: 'steps-blue' }));

    expect((await actionsOf(plainAws, 'high'))?.AlarmActions).toEqual([arn]);
  });

  it(`moto still gives an updated scaling policy a new ARN: ${fixed}`, async () => {
    const arn = await putStepPolicy(plainAws, 'blue');

    expect(await putStepPolicy(plainAws, 'blue', 2)).not.toBe(arn);
  });

  it(`moto still lacks PutCompositeAlarm: ${fixed}`, async () => {
    await expect(putComposite(plainAws, 'composite', 'TRUE')).rejects.toMatchObject(unparseable500);
  });

  it(`moto still starts a new alarm OK: ${fixed}`, async () => {
    await putMetricAlarm(plainAws, 'a');

    const out = await plainAws.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: ['a'] }));
    expect(out.MetricAlarms?.[0]?.StateValue).toBe('OK');
  });

  it(`moto still fails on a percentile statistic: ${fixed}`, async () => {
    await putLatencies(plainAws, 'AWS/SageMaker', [1000]);

    await expect(metricValues(plainAws, [latencyQuery('p99')])).rejects.toMatchObject({
      $metadata: expect.objectContaining({ httpStatusCode: 500 }),
    });
  });

  it(`moto still mixes other namespaces into a query with dimensions: ${fixed}`, async () => {
    await putLatencies(plainAws, 'AWS/SageMaker', [2000]);
    await putLatencies(plainAws, 'Team/Latency', [900_000]);

    expect(await metricValues(plainAws, [latencyQuery('Average')])).toEqual({ latency: [451_000] });
  });

  it(`moto still accepts any Id and Period: ${fixed}`, async () => {
    await expect(metricValues(plainAws, [latencyQuery('Sum', { Id: 'Latency' }, 90)])).resolves.toBeDefined();
  });
});
