/**
 * Emulator fill-ins for deployment guardrails (emulator/fill_ins/guardrails.py, deployment_config.py) and
 * serverless endpoints (serverless.py): each behaves as the AWS pages its module cites say, and plain
 * moto 5.2.1 still needs it.
 *
 * Nothing here sleeps: updateSeconds is an hour, and tests move deployments with advanceDeployment() and
 * settle().
 */
import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  SetAlarmStateCommand,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  type CreateModelCommandInput,
  type DeploymentConfig,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  type ProductionVariant,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../emulator/launch.ts';
import { clientConfig, configArn, endpointArn, IMAGE, ROLE, useEmulatorPair } from '../support/emulator-pair.ts';

interface Aws {
  emulator: EmulatorHandle;
  sagemaker: SageMakerClient;
  cloudwatch: CloudWatchClient;
}

let aws: Aws;
let plainAws: Aws;

function connect(emulator: EmulatorHandle): Aws {
  const config = clientConfig(emulator);
  return { emulator, sagemaker: new SageMakerClient(config), cloudwatch: new CloudWatchClient(config) };
}

const emulators = useEmulatorPair();
beforeAll(() => {
  aws = connect(emulators().withFillIns);
  plainAws = connect(emulators().plain);
});

// -- helpers ----------------------------------------------------------------------

const instances = (name: string, count = 4): ProductionVariant => ({
  VariantName: name,
  ModelName: 'model',
  InstanceType: 'ml.m5.large',
  InitialInstanceCount: count,
});

const serverless = (name: string, extra: Partial<ProductionVariant> = {}): ProductionVariant => ({
  VariantName: name,
  ModelName: 'model',
  ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20 },
  ...extra,
});

const createModel = ({ sagemaker }: Aws) =>
  sagemaker.send(
    new CreateModelCommand({ ModelName: 'model', PrimaryContainer: { Image: IMAGE }, ExecutionRoleArn: ROLE }),
  );

const modelArn = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:model/${name}`;

/** Models whose settings Serverless Inference does not support, by the feature AWS names. */
const excludedModels: Record<string, Omit<CreateModelCommandInput, 'ModelName' | 'ExecutionRoleArn'>> = {
  'in-vpc': {
    PrimaryContainer: { Image: IMAGE },
    VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1'] },
  },
  isolated: { PrimaryContainer: { Image: IMAGE }, EnableNetworkIsolation: true },
  pipeline: { Containers: [{ Image: IMAGE }, { Image: IMAGE }], InferenceExecutionConfig: { Mode: 'Serial' } },
  'multi-model': { PrimaryContainer: { Image: IMAGE, Mode: 'MultiModel', ModelDataUrl: 's3://models/' } },
  'private-registry': {
    PrimaryContainer: { Image: 'registry.internal/m:1', ImageConfig: { RepositoryAccessMode: 'Vpc' } },
  },
};

const createExcludedModels = async ({ sagemaker }: Aws) => {
  for (const [ModelName, settings] of Object.entries(excludedModels)) {
    await sagemaker.send(new CreateModelCommand({ ModelName, ExecutionRoleArn: ROLE, ...settings }));
  }
};

const createConfig = (
  { sagemaker }: Aws,
  name: string,
  variants: ProductionVariant[],
  extra: Partial<CreateEndpointConfigCommandInput> = {},
) =>
  sagemaker.send(new CreateEndpointConfigCommand({ EndpointConfigName: name, ProductionVariants: variants, ...extra }));

/** Endpoint `endpoint` InService on config `old`; config `new` has the same variants (4 instances each). */
async function createEndpoint(account: Aws, variants: (name: string) => ProductionVariant[] = (n) => [instances(n)]) {
  await createModel(account);
  await createConfig(account, 'old', variants('main'));
  await createConfig(account, 'new', variants('main'));
  await account.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'old' }));
  await account.emulator.settle();
}

const update = ({ sagemaker }: Aws, DeploymentConfig?: DeploymentConfig, EndpointConfigName = 'new') =>
  sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName, DeploymentConfig }));

const describeEndpoint = ({ sagemaker }: Aws): Promise<DescribeEndpointCommandOutput> =>
  sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'endpoint' }));

const putAlarm = ({ cloudwatch }: Aws, name: string) =>
  cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );

const setAlarm = ({ cloudwatch }: Aws, name: string, state: 'OK' | 'ALARM') =>
  cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: 'test' }));

const canary = (extra: { alarms?: string[]; timeout?: number; termination?: number } = {}): DeploymentConfig => ({
  BlueGreenUpdatePolicy: {
    TrafficRoutingConfiguration: {
      Type: 'CANARY',
      CanarySize: { Type: 'INSTANCE_COUNT', Value: 1 },
      WaitIntervalInSeconds: 600,
    },
    TerminationWaitInSeconds: extra.termination ?? 300,
    MaximumExecutionTimeoutInSeconds: extra.timeout ?? 3600,
  },
  AutoRollbackConfiguration: { Alarms: (extra.alarms ?? ['errors']).map((AlarmName) => ({ AlarmName })) },
});

const routing = (TrafficRoutingConfiguration: object, policy: object = {}): DeploymentConfig =>
  ({ BlueGreenUpdatePolicy: { TrafficRoutingConfiguration, ...policy } }) as DeploymentConfig;

const invalid = (message: string) => ({ name: 'ValidationException', message });

const pendingStatus = (endpoint: DescribeEndpointCommandOutput) =>
  endpoint.PendingDeploymentSummary?.ProductionVariants?.map((v) => v.VariantStatus?.map((s) => s.Status));

async function expectServingOld(): Promise<void> {
  const endpoint = await describeEndpoint(aws);
  expect(endpoint).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'old' });
  expect(endpoint.PendingDeploymentSummary).toBeUndefined();
}

/** How moto's unimplemented actions surface in the SDK: an HTML 500 it cannot parse. */
const unparseable500 = { name: 'SyntaxError', $metadata: expect.objectContaining({ httpStatusCode: 500 }) };

// -- specifications ---------------------------------------------------------------

describe('UpdateEndpoint DeploymentConfig validation', () => {
  it('reports every shape violation at once, as AWS request validation does', async () => {
    await createEndpoint(aws);

    await expect(
      update(
        aws,
        routing(
          { Type: 'FAST', WaitIntervalInSeconds: 4000 },
          { TerminationWaitInSeconds: -1, MaximumExecutionTimeoutInSeconds: 599 },
        ),
      ),
    ).rejects.toMatchObject(
      invalid(
        '4 validation errors detected: ' +
          "Value 'FAST' at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.type' failed to satisfy constraint: Member must satisfy enum value set: [ALL_AT_ONCE, CANARY, LINEAR]; " +
          "Value '4000' at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.waitIntervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600; " +
          "Value '-1' at 'deploymentConfig.blueGreenUpdatePolicy.terminationWaitInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 0; " +
          "Value '599' at 'deploymentConfig.blueGreenUpdatePolicy.maximumExecutionTimeoutInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 600",
      ),
    );
    await expect(
      update(aws, { BlueGreenUpdatePolicy: { MaximumExecutionTimeoutInSeconds: 28801 } } as DeploymentConfig),
    ).rejects.toMatchObject(
      invalid(
        '2 validation errors detected: ' +
          "Value null at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration' failed to satisfy constraint: Member must not be null; " +
          "Value '28801' at 'deploymentConfig.blueGreenUpdatePolicy.maximumExecutionTimeoutInSeconds' failed to satisfy constraint: Member must have value less than or equal to 28800",
      ),
    );
    await expect(
      update(aws, routing({ Type: 'CANARY', CanarySize: { Type: 'INSTANCES', Value: 0 }, WaitIntervalInSeconds: 60 })),
    ).rejects.toMatchObject(
      invalid(
        '2 validation errors detected: ' +
          "Value 'INSTANCES' at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.canarySize.type' failed to satisfy constraint: Member must satisfy enum value set: [INSTANCE_COUNT, CAPACITY_PERCENT]; " +
          "Value '0' at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.canarySize.value' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    );
    await expectServingOld();
  });

  it('checks the AutoRollbackConfiguration alarms: 1 to 10, names of 1 to 255 characters that are not blank', async () => {
    await createEndpoint(aws);
    const alarms = (...names: string[]) => ({
      ...canary(),
      AutoRollbackConfiguration: { Alarms: names.map((AlarmName) => ({ AlarmName })) },
    });

    await expect(update(aws, alarms(...Array.from({ length: 11 }, (_, i) => `a${i}`)))).rejects.toMatchObject(
      invalid(
        "1 validation error detected: Value '[a0, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10]' at 'deploymentConfig.autoRollbackConfiguration.alarms' failed to satisfy constraint: Member must have length less than or equal to 10",
      ),
    );
    await expect(update(aws, alarms())).rejects.toMatchObject(
      invalid(
        "1 validation error detected: Value '[]' at 'deploymentConfig.autoRollbackConfiguration.alarms' failed to satisfy constraint: Member must have length greater than or equal to 1",
      ),
    );
    await expect(update(aws, alarms('ok', '   ', 'x'.repeat(256)))).rejects.toMatchObject(
      invalid(
        '2 validation errors detected: ' +
          "Value '   ' at 'deploymentConfig.autoRollbackConfiguration.alarms.2.member.alarmName' failed to satisfy constraint: Member must satisfy regular expression pattern: (?!\\s*$).+; " +
          `Value '${'x'.repeat(256)}' at 'deploymentConfig.autoRollbackConfiguration.alarms.3.member.alarmName' failed to satisfy constraint: Member must have length less than or equal to 255`,
      ),
    );
    await expectServingOld();
  });

  it('asks each traffic routing type for its own fields', async () => {
    await createEndpoint(aws);

    await expect(update(aws, routing({ Type: 'CANARY', WaitIntervalInSeconds: 60 }))).rejects.toMatchObject(
      invalid('TrafficRoutingConfiguration with Type CANARY must specify CanarySize.'),
    );
    await expect(update(aws, routing({ Type: 'LINEAR', WaitIntervalInSeconds: 60 }))).rejects.toMatchObject(
      invalid('TrafficRoutingConfiguration with Type LINEAR must specify LinearStepSize.'),
    );
    await expect(
      update(aws, routing({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 20 } })),
    ).rejects.toMatchObject(
      invalid(
        "1 validation error detected: Value null at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.waitIntervalInSeconds' failed to satisfy constraint: Member must not be null",
      ),
    );
    await expect(
      update(aws, routing({ Type: 'ALL_AT_ONCE', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 20 } })),
    ).rejects.toMatchObject(
      invalid(
        'CanarySize can only be specified when the TrafficRoutingConfiguration Type is CANARY; it is ALL_AT_ONCE.',
      ),
    );
    await expectServingOld();
  });

  it('keeps a canary at 50% of the capacity or less, and a linear step at 10-50%', async () => {
    await createEndpoint(aws);
    const canarySize = (Type: 'INSTANCE_COUNT' | 'CAPACITY_PERCENT', Value: number) =>
      routing({ Type: 'CANARY', CanarySize: { Type, Value }, WaitIntervalInSeconds: 60 });
    const linearStep = (Type: 'INSTANCE_COUNT' | 'CAPACITY_PERCENT', Value: number) =>
      routing({ Type: 'LINEAR', LinearStepSize: { Type, Value }, WaitIntervalInSeconds: 60 });

    await expect(update(aws, canarySize('CAPACITY_PERCENT', 51))).rejects.toMatchObject(
      invalid("CanarySize of 51% is not valid: it must be 1-50% of the variant's total instance count."),
    );
    await expect(update(aws, canarySize('INSTANCE_COUNT', 3))).rejects.toMatchObject(
      invalid(
        'CanarySize of 3 instance(s) is not valid for variant "main", which has 4 instance(s): it must be less than or equal to 50% of the variant\'s total instance count.',
      ),
    );
    await expect(update(aws, linearStep('CAPACITY_PERCENT', 5))).rejects.toMatchObject(
      invalid("LinearStepSize of 5% is not valid: it must be 10-50% of the variant's total instance count."),
    );
    await expect(update(aws, linearStep('INSTANCE_COUNT', 3))).rejects.toMatchObject(
      invalid(
        'LinearStepSize of 3 instance(s) is not valid for variant "main", which has 4 instance(s): it must be 10-50% of the variant\'s total instance count.',
      ),
    );
    await expectServingOld();
  });

  it('refuses two update policies, a rolling deployment of a multi-variant endpoint, and new variant names for a canary', async () => {
    await createEndpoint(aws, (name) => [instances(name), instances(`${name}-2`)]);
    await createConfig(aws, 'renamed', [instances('other')]);
    const rolling = { MaximumBatchSize: { Type: 'CAPACITY_PERCENT' as const, Value: 25 }, WaitIntervalInSeconds: 60 };

    await expect(
      update(aws, { ...routing({ Type: 'ALL_AT_ONCE' }), RollingUpdatePolicy: rolling }),
    ).rejects.toMatchObject(
      invalid(
        'Only one update policy can be specified in DeploymentConfig: BlueGreenUpdatePolicy or RollingUpdatePolicy, not both.',
      ),
    );
    await expect(update(aws, { RollingUpdatePolicy: rolling })).rejects.toMatchObject(
      invalid(
        `RollingUpdatePolicy is not supported for endpoint "${endpointArn('endpoint')}": it is a multi-variant endpoint (or the new endpoint configuration has several production variants).`,
      ),
    );
    await expect(update(aws, canary(), 'renamed')).rejects.toMatchObject(
      invalid(
        `Cannot update endpoint "${endpointArn('endpoint')}" with deployment guardrails: the new endpoint configuration "renamed" must have the same variant name(s) as the endpoint [main, main-2], but it has [other].`,
      ),
    );
    await expectServingOld();
  });

  it('checks the DeploymentConfig that CreateEndpoint keeps for later updates', async () => {
    await createModel(aws);
    await createConfig(aws, 'old', [instances('main')]);

    await expect(
      aws.sagemaker.send(
        new CreateEndpointCommand({
          EndpointName: 'endpoint',
          EndpointConfigName: 'old',
          DeploymentConfig: routing({ Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: 3601 }),
        }),
      ),
    ).rejects.toMatchObject(
      invalid(
        "1 validation error detected: Value '3601' at 'deploymentConfig.blueGreenUpdatePolicy.trafficRoutingConfiguration.waitIntervalInSeconds' failed to satisfy constraint: Member must have value less than or equal to 3600",
      ),
    );
  });
});

describe('guardrail deployments, stage by stage', () => {
  it('steps a canary deployment through its stages to completion, the old config serving until the end', async () => {
    await createEndpoint(aws);
    await putAlarm(aws, 'errors');
    const deploymentConfig = canary();

    await update(aws, deploymentConfig);
    const provisioning = await describeEndpoint(aws);
    expect(provisioning).toMatchObject({
      EndpointStatus: 'Updating',
      EndpointConfigName: 'old',
      LastDeploymentConfig: deploymentConfig,
      PendingDeploymentSummary: { EndpointConfigName: 'new', StartTime: expect.any(Date) },
    });
    expect(provisioning.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount])).toEqual([['main', 4]]);
    expect(pendingStatus(provisioning)).toEqual([['Creating']]);
    expect(await aws.emulator.deployments()).toEqual([
      { endpointName: 'endpoint', stage: 'provisioning', trafficPercent: 0, deploymentSeconds: 0 },
    ]);

    expect(await aws.emulator.advanceDeployment('endpoint')).toEqual({
      endpointName: 'endpoint',
      stage: 'canary-baking',
      trafficPercent: 25,
      deploymentSeconds: 0,
    });
    const baking = await describeEndpoint(aws);
    expect(baking).toMatchObject({ EndpointStatus: 'Updating', EndpointConfigName: 'old' });
    expect(baking.PendingDeploymentSummary?.ProductionVariants?.[0]).toMatchObject({
      VariantName: 'main',
      DesiredInstanceCount: 4,
      CurrentInstanceCount: 4,
      VariantStatus: [
        {
          Status: 'Baking',
          StatusMessage: 'Canary of 1 instance(s) receiving 25% of the traffic; baking 600 s.',
          StartTime: expect.any(Date),
        },
      ],
    });

    expect(await aws.emulator.advanceDeployment('endpoint')).toMatchObject({
      stage: 'all-traffic-shifted',
      trafficPercent: 100,
      deploymentSeconds: 600,
    });
    expect(await aws.emulator.advanceDeployment('endpoint')).toMatchObject({
      stage: 'termination-wait',
      deploymentSeconds: 1200,
    });
    expect(
      (await describeEndpoint(aws)).PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0],
    ).toMatchObject({
      Status: 'Baking',
      StatusMessage: 'Waiting 300 s (TerminationWaitInSeconds) before terminating the old fleet.',
    });
    expect(await aws.emulator.advanceDeployment('endpoint')).toEqual({
      endpointName: 'endpoint',
      stage: 'done',
      trafficPercent: 100,
      deploymentSeconds: 1500,
    });

    const done = await describeEndpoint(aws);
    expect(done).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'new',
      LastDeploymentConfig: deploymentConfig,
    });
    expect(done.PendingDeploymentSummary).toBeUndefined();
    expect(done.FailureReason).toBeUndefined();
    await expect(aws.emulator.advanceDeployment('endpoint')).rejects.toThrow(/409/);
  });

  it('shifts a linear deployment in steps of LinearStepSize, and an all-at-once one in one', async () => {
    await createEndpoint(aws);
    const stages = async () => {
      const seen: (string | number | undefined)[][] = [];
      for (;;) {
        const progress = await aws.emulator.advanceDeployment('endpoint');
        seen.push([progress.stage, progress.trafficPercent, progress.step]);
        if (progress.stage === 'done') return seen;
      }
    };

    await update(
      aws,
      routing({ Type: 'LINEAR', LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 30 }, WaitIntervalInSeconds: 60 }),
    );
    expect(await stages()).toEqual([
      ['linear-step-baking', 30, 1],
      ['linear-step-baking', 60, 2],
      ['linear-step-baking', 90, 3],
      ['all-traffic-shifted', 100, undefined],
      ['termination-wait', 100, undefined],
      ['done', 100, undefined],
    ]);
    await update(aws, routing({ Type: 'ALL_AT_ONCE' }), 'old');
    expect(await stages()).toEqual([
      ['all-traffic-shifted', 100, undefined],
      ['termination-wait', 100, undefined],
      ['done', 100, undefined],
    ]);
    expect((await describeEndpoint(aws)).EndpointConfigName).toBe('old');
  });

  it('rolls back to the old config and variants when an alarm goes into ALARM during the canary bake', async () => {
    await createEndpoint(aws);
    await putAlarm(aws, 'latency');
    await putAlarm(aws, 'errors');
    await update(aws, canary({ alarms: ['latency', 'errors'] }));
    await aws.emulator.advanceDeployment('endpoint'); // canary-baking

    await setAlarm(aws, 'errors', 'ALARM');
    const reason =
      'Deployment rolled back to endpoint configuration "old": auto-rollback alarm(s) errors in ALARM state during canary baking.';
    expect(await aws.emulator.advanceDeployment('endpoint')).toEqual({
      endpointName: 'endpoint',
      stage: 'rolled-back',
      trafficPercent: 0,
      deploymentSeconds: 600,
      failureReason: reason,
    });

    const rolledBack = await describeEndpoint(aws);
    expect(rolledBack).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'old',
      FailureReason: reason,
      LastDeploymentConfig: canary({ alarms: ['latency', 'errors'] }),
    });
    expect(rolledBack.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount])).toEqual([['main', 4]]);
    expect(rolledBack.PendingDeploymentSummary).toBeUndefined();
    expect(await aws.emulator.deployments()).toEqual([]);
  });

  it('replaces the fleet batch by batch in a rolling update, one batch of extra instances at a time, and rolls back to the whole old fleet on an alarm or its timeout', async () => {
    await createEndpoint(aws);
    await putAlarm(aws, 'errors');
    const rolling = (timeout = 3600): DeploymentConfig => ({
      RollingUpdatePolicy: {
        MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
        WaitIntervalInSeconds: 300,
        MaximumExecutionTimeoutInSeconds: timeout,
        RollbackMaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: 'errors' }] },
    });
    const fleets = async () => {
      const endpoint = await describeEndpoint(aws);
      return {
        old: endpoint.ProductionVariants?.[0]?.CurrentInstanceCount,
        new: endpoint.PendingDeploymentSummary?.ProductionVariants?.[0]?.CurrentInstanceCount,
        status: endpoint.PendingDeploymentSummary?.ProductionVariants?.[0]?.VariantStatus?.[0]?.StatusMessage,
      };
    };

    await update(aws, rolling());
    const seen = [];
    for (let batch = 1; batch <= 4; batch += 1) {
      seen.push({ ...(await aws.emulator.deployments())[0], ...(await fleets()) });
      await aws.emulator.advanceDeployment('endpoint');
    }
    expect(seen).toEqual(
      [1, 2, 3, 4].map((batch) => ({
        endpointName: 'endpoint',
        stage: 'rolling-batch-baking',
        trafficPercent: batch * 25,
        deploymentSeconds: (batch - 1) * 300,
        step: batch,
        steps: 4,
        old: 4 - (batch - 1),
        new: batch,
        status: `Batch ${batch} of 4: ${batch} new instance(s) receive ${batch * 25}% of the traffic; baking 300 s before 1 old instance(s) are terminated.`,
      })),
    );
    const done = await describeEndpoint(aws);
    expect(done).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'new' });
    expect(done.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount])).toEqual([['main', 4]]);

    // Back to `old` by a rolling update that an alarm stops in its second batch: the whole `new` fleet again.
    await update(aws, rolling(), 'old');
    await aws.emulator.advanceDeployment('endpoint');
    expect((await fleets()).old).toBe(3);
    await setAlarm(aws, 'errors', 'ALARM');
    expect(await aws.emulator.advanceDeployment('endpoint')).toMatchObject({
      stage: 'rolled-back',
      failureReason:
        'Deployment rolled back to endpoint configuration "new": auto-rollback alarm(s) errors in ALARM state during baking of batch 2 of 4.',
    });
    const rolledBack = await describeEndpoint(aws);
    expect(rolledBack).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'new' });
    expect(rolledBack.ProductionVariants?.map((v) => [v.VariantName, v.CurrentInstanceCount])).toEqual([['main', 4]]);

    // Its own clock: 4 bakes of 300 s do not fit in 600 s.
    await setAlarm(aws, 'errors', 'OK');
    await update(aws, rolling(600), 'old');
    await aws.emulator.advanceDeployment('endpoint');
    await aws.emulator.advanceDeployment('endpoint');
    expect(await aws.emulator.advanceDeployment('endpoint')).toMatchObject({
      stage: 'rolled-back',
      deploymentSeconds: 900,
      failureReason:
        'Deployment rolled back to endpoint configuration "new": it did not complete within MaximumExecutionTimeoutInSeconds (600 s); timed out during baking of batch 3 of 4.',
    });
  });

  it('rolls back on a composite alarm that follows its child into ALARM, and not on OK, INSUFFICIENT_DATA or unknown alarms', async () => {
    await createEndpoint(aws);
    await putAlarm(aws, 'errors');
    await putAlarm(aws, 'quiet'); // INSUFFICIENT_DATA until it is evaluated
    await aws.cloudwatch.send(new PutCompositeAlarmCommand({ AlarmName: 'any-problem', AlarmRule: 'ALARM(errors)' }));
    await aws.emulator.settle(); // the composite is evaluated: OK
    await update(aws, canary({ alarms: ['quiet', 'no-such-alarm', 'any-problem'] }));
    await aws.emulator.advanceDeployment('endpoint');
    expect((await aws.emulator.advanceDeployment('endpoint')).stage).toBe('all-traffic-shifted');

    await setAlarm(aws, 'errors', 'ALARM');

    expect(await aws.emulator.advanceDeployment('endpoint')).toMatchObject({
      stage: 'rolled-back',
      failureReason:
        'Deployment rolled back to endpoint configuration "old": auto-rollback alarm(s) any-problem in ALARM state during final baking.',
    });
    await expectServingOld();
  });

  it('rolls back once the deployment clock passes MaximumExecutionTimeoutInSeconds', async () => {
    await createEndpoint(aws);
    await update(aws, canary({ timeout: 1000, termination: 0 }));
    await aws.emulator.advanceDeployment('endpoint'); // canary-baking
    expect((await aws.emulator.advanceDeployment('endpoint')).deploymentSeconds).toBe(600);

    expect(await aws.emulator.advanceDeployment('endpoint')).toMatchObject({
      stage: 'rolled-back',
      deploymentSeconds: 1200,
      failureReason:
        'Deployment rolled back to endpoint configuration "old": it did not complete within MaximumExecutionTimeoutInSeconds (1000 s); timed out during final baking.',
    });
    await expectServingOld();
  });

  it('settle runs a deployment to its end, or to its rollback when an alarm is in ALARM', async () => {
    await createEndpoint(aws);
    await putAlarm(aws, 'errors');
    await update(aws, canary());

    await aws.emulator.settle();
    expect(await describeEndpoint(aws)).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'new' });

    await setAlarm(aws, 'errors', 'ALARM');
    await update(aws, canary(), 'old');
    await aws.emulator.settle();
    expect(await describeEndpoint(aws)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'new',
      FailureReason:
        'Deployment rolled back to endpoint configuration "new": auto-rollback alarm(s) errors in ALARM state during provisioning of the new fleet.',
    });
  });

  it('moves through the stages by itself on the update clock', async () => {
    await createEndpoint(aws);
    await aws.emulator.configure({ updateSeconds: 0 });

    await update(aws, canary());

    expect(await describeEndpoint(aws)).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'new' });
  });

  it('reuses the last DeploymentConfig with RetainDeploymentConfig, and a plain update is not a deployment', async () => {
    await createEndpoint(aws);
    await update(aws, canary());
    await aws.emulator.settle();

    await aws.sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'old', RetainDeploymentConfig: true }),
    );
    expect(await aws.emulator.advanceDeployment('endpoint')).toMatchObject({ stage: 'canary-baking' });
    await aws.emulator.settle();

    await update(aws);
    await expect(aws.emulator.advanceDeployment('endpoint')).rejects.toThrow(/409/);
    await aws.emulator.settle();
    expect((await describeEndpoint(aws)).LastDeploymentConfig).toBeUndefined();
  });

  it('applies a failure armed with fail-next-update when the deployment ends', async () => {
    await createEndpoint(aws);
    await update(aws, canary());
    await aws.emulator.failNextUpdate('endpoint', 'rollback', 'health check failed');

    await aws.emulator.settle();

    expect(await describeEndpoint(aws)).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'old',
      FailureReason: 'health check failed',
    });
  });
});

describe('serverless endpoints', () => {
  it('reports CurrentServerlessConfig, through a plain update and a guardrail deployment', async () => {
    const sized = (MemorySizeInMB: number) => (name: string) => [
      serverless(name, { ServerlessConfig: { MemorySizeInMB, MaxConcurrency: 20, ProvisionedConcurrency: 5 } }),
    ];
    await createEndpoint(aws, sized(2048));
    await createConfig(aws, 'bigger', sized(4096)('main'));
    const serverlessConfigs = (variants?: { CurrentServerlessConfig?: object; DesiredServerlessConfig?: object }[]) =>
      variants?.map((v) => [v.CurrentServerlessConfig, v.DesiredServerlessConfig]);
    const config = (MemorySizeInMB: number) => ({ MemorySizeInMB, MaxConcurrency: 20, ProvisionedConcurrency: 5 });

    expect(serverlessConfigs((await describeEndpoint(aws)).ProductionVariants)).toEqual([[config(2048), config(2048)]]);
    await update(aws);
    await aws.emulator.settle();
    expect((await describeEndpoint(aws)).ProductionVariants?.[0]?.CurrentServerlessConfig).toEqual(config(2048));

    await update(
      aws,
      routing({ Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 }, WaitIntervalInSeconds: 60 }),
      'bigger',
    );
    expect(serverlessConfigs((await describeEndpoint(aws)).PendingDeploymentSummary?.ProductionVariants)).toEqual([
      [undefined, config(4096)],
    ]);
    expect(await aws.emulator.advanceDeployment('endpoint')).toMatchObject({
      stage: 'canary-baking',
      trafficPercent: 10,
    });
    const baking = await describeEndpoint(aws);
    expect(serverlessConfigs(baking.ProductionVariants)).toEqual([[config(2048), config(2048)]]);
    expect(serverlessConfigs(baking.PendingDeploymentSummary?.ProductionVariants)).toEqual([
      [config(4096), config(4096)],
    ]);
    await aws.emulator.settle();
    expect(serverlessConfigs((await describeEndpoint(aws)).ProductionVariants)).toEqual([[config(4096), config(4096)]]);
  });

  it('checks ServerlessConfig as the API reference defines it', async () => {
    await createModel(aws);
    const create = (ServerlessConfig: object) =>
      createConfig(aws, 'config', [serverless('main', { ServerlessConfig } as Partial<ProductionVariant>)]);
    const at = (field: string) => `'productionVariants.1.member.serverlessConfig.${field}'`;

    await expect(create({ MemorySizeInMB: 512, MaxConcurrency: 201, ProvisionedConcurrency: 0 })).rejects.toMatchObject(
      invalid(
        '3 validation errors detected: ' +
          `Value '512' at ${at('memorySizeInMB')} failed to satisfy constraint: Member must have value greater than or equal to 1024; ` +
          `Value '201' at ${at('maxConcurrency')} failed to satisfy constraint: Member must have value less than or equal to 200; ` +
          `Value '0' at ${at('provisionedConcurrency')} failed to satisfy constraint: Member must have value greater than or equal to 1`,
      ),
    );
    await expect(create({ MemorySizeInMB: 7168 })).rejects.toMatchObject(
      invalid(
        '2 validation errors detected: ' +
          `Value '7168' at ${at('memorySizeInMB')} failed to satisfy constraint: Member must have value less than or equal to 6144; ` +
          `Value null at ${at('maxConcurrency')} failed to satisfy constraint: Member must not be null`,
      ),
    );
    await expect(create({ MemorySizeInMB: 1500, MaxConcurrency: 10 })).rejects.toMatchObject(
      invalid(
        'MemorySizeInMB 1500 of production variant "main" is not valid: valid values are in 1 GB increments: 1024, 2048, 3072, 4096, 5120 or 6144 MB.',
      ),
    );
    await expect(
      create({ MemorySizeInMB: 1024, MaxConcurrency: 10, ProvisionedConcurrency: 11 }),
    ).rejects.toMatchObject(
      invalid(
        'ProvisionedConcurrency 11 of production variant "main" must be less than or equal to its MaxConcurrency 10.',
      ),
    );
    await expect(
      create({ MemorySizeInMB: 6144, MaxConcurrency: 200, ProvisionedConcurrency: 200 }),
    ).resolves.toBeDefined();
  });

  it('refuses instance fields, a second production variant and data capture in a serverless config', async () => {
    await createModel(aws);

    await expect(
      createConfig(aws, 'config', [serverless('main', { InstanceType: 'ml.m5.large', InitialInstanceCount: 1 })]),
    ).rejects.toMatchObject(
      invalid(
        'Production variant "main" specifies ServerlessConfig and InstanceType and InitialInstanceCount: a serverless variant cannot specify InstanceType or InitialInstanceCount.',
      ),
    );
    await expect(createConfig(aws, 'config', [serverless('main'), instances('other')])).rejects.toMatchObject(
      invalid(
        `Endpoint configuration "${configArn('config')}" has 2 production variants (main, other) and one of them is serverless: serverless endpoints do not support multiple production variants.`,
      ),
    );
    await expect(
      createConfig(aws, 'config', [serverless('main')], {
        DataCaptureConfig: {
          InitialSamplingPercentage: 10,
          DestinationS3Uri: 's3://bucket/capture',
          CaptureOptions: [{ CaptureMode: 'Input' }],
        },
      }),
    ).rejects.toMatchObject(
      invalid(
        `Endpoint configuration "${configArn('config')}" has a DataCaptureConfig and a serverless production variant: serverless endpoints do not support data capture.`,
      ),
    );
  });

  it('refuses a serverless variant whose model has what Serverless Inference does not support', async () => {
    await createExcludedModels(aws);
    const withModel = (ModelName: string) =>
      createConfig(aws, `${ModelName}-config`, [serverless('main', { ModelName })]);
    const refused = (model: string, what: string) =>
      invalid(`Model "${modelArn(model)}" of serverless production variant "main" ${what}.`);

    await expect(withModel('in-vpc')).rejects.toMatchObject(
      refused('in-vpc', 'has a VpcConfig: serverless endpoints do not support VPC configuration'),
    );
    await expect(withModel('isolated')).rejects.toMatchObject(
      refused('isolated', 'has EnableNetworkIsolation: serverless endpoints do not support network isolation'),
    );
    await expect(withModel('pipeline')).rejects.toMatchObject(
      refused(
        'pipeline',
        'has 2 containers (an inference pipeline): serverless endpoints do not support inference pipelines',
      ),
    );
    await expect(withModel('multi-model')).rejects.toMatchObject(
      refused(
        'multi-model',
        'has a container in Mode MultiModel: serverless endpoints do not support multi-model endpoints',
      ),
    );
    await expect(withModel('private-registry')).rejects.toMatchObject(
      refused(
        'private-registry',
        'has a container whose ImageConfig RepositoryAccessMode is Vpc: serverless endpoints do not support private Docker registries',
      ),
    );
    // The same models serve on instances.
    for (const ModelName of Object.keys(excludedModels)) {
      await createConfig(aws, `${ModelName}-on-instances`, [{ ...instances('main'), ModelName }]);
    }
  });

  it('refuses to make an instance-based endpoint serverless, and to go back once a serverless one left it', async () => {
    await createEndpoint(aws);
    await createConfig(aws, 'serverless', [serverless('main')]);

    await expect(update(aws, undefined, 'serverless')).rejects.toMatchObject(
      invalid(
        `Cannot update endpoint "${endpointArn('endpoint')}" to endpoint configuration "${configArn('serverless')}": an instance-based endpoint cannot be converted to a serverless endpoint.`,
      ),
    );
    await expectServingOld();

    // "You can convert a serverless endpoint to real-time, but ... you cannot roll it back to serverless."
    await aws.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'was-serverless', EndpointConfigName: 'serverless' }),
    );
    await aws.emulator.settle();
    await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'was-serverless', EndpointConfigName: 'new' }));
    await aws.emulator.settle();
    const converted = await aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'was-serverless' }));
    expect(converted).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'new' });
    expect(converted.ProductionVariants?.[0]?.CurrentServerlessConfig).toBeUndefined();
    await expect(
      aws.sagemaker.send(
        new UpdateEndpointCommand({ EndpointName: 'was-serverless', EndpointConfigName: 'serverless' }),
      ),
    ).rejects.toMatchObject(
      invalid(
        `Cannot update endpoint "${endpointArn('was-serverless')}" to endpoint configuration "${configArn('serverless')}": an instance-based endpoint cannot be converted to a serverless endpoint.`,
      ),
    );
  });

  it('refuses DesiredInstanceCount for a serverless variant, a rolling deployment, and new variant names', async () => {
    await createEndpoint(aws, (name) => [serverless(name)]);
    await createConfig(aws, 'renamed', [serverless('other')]);

    await expect(
      aws.sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: 'endpoint',
          DesiredWeightsAndCapacities: [{ VariantName: 'main', DesiredInstanceCount: 2 }],
        }),
      ),
    ).rejects.toMatchObject(
      invalid(
        `Cannot set DesiredInstanceCount for variant "main" of endpoint "${endpointArn('endpoint')}": it is a serverless variant, which has no instances. Use ServerlessUpdateConfig to change its concurrency.`,
      ),
    );
    await expect(
      update(aws, {
        RollingUpdatePolicy: { MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 60 },
      }),
    ).rejects.toMatchObject(
      invalid(
        `RollingUpdatePolicy is not supported for serverless endpoint "${endpointArn('endpoint')}". Use a BlueGreenUpdatePolicy.`,
      ),
    );
    await expect(update(aws, routing({ Type: 'ALL_AT_ONCE' }), 'renamed')).rejects.toMatchObject(
      invalid(
        `Cannot update serverless endpoint "${endpointArn('endpoint')}" with deployment guardrails: the new endpoint configuration "renamed" must have the same variant name(s) as the endpoint [main], but it has [other].`,
      ),
    );
    await expectServingOld();
  });
});

describe('moto 5.2.1 capabilities (plain, without fill-ins)', () => {
  it('moto still lacks UpdateEndpoint, so guardrail deployments too: if this fails, moto fixed it, revisit guardrails.py', async () => {
    await createEndpoint(plainAws);

    await expect(update(plainAws, canary())).rejects.toMatchObject(unparseable500);
  });

  it('moto still lacks UpdateEndpoint, so nothing refuses making an instance-based endpoint serverless: if this fails, revisit serverless.py', async () => {
    await createEndpoint(plainAws);
    await createConfig(plainAws, 'serverless', [serverless('main')]);

    await expect(update(plainAws, undefined, 'serverless')).rejects.toMatchObject(unparseable500);
  });

  it('moto still accepts a serverless variant whose model SageMaker cannot serve serverless: if this fails, revisit serverless.py', async () => {
    await createExcludedModels(plainAws);

    for (const ModelName of Object.keys(excludedModels)) {
      await createConfig(plainAws, `${ModelName}-config`, [serverless('main', { ModelName })]);
    }
  });

  it('moto still accepts serverless configs SageMaker refuses: if this fails, moto fixed it, revisit serverless.py', async () => {
    await createModel(plainAws);

    await createConfig(plainAws, 'two-variants', [serverless('main'), instances('other')]);
    await createConfig(plainAws, 'too-concurrent', [
      serverless('main', { ServerlessConfig: { MemorySizeInMB: 1024, MaxConcurrency: 500 } }),
    ]);
    await createConfig(plainAws, 'with-instances', [
      serverless('main', { InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }),
    ]);
    await createConfig(plainAws, 'with-capture', [serverless('main')], {
      DataCaptureConfig: {
        InitialSamplingPercentage: 10,
        DestinationS3Uri: 's3://b/c',
        CaptureOptions: [{ CaptureMode: 'Input' }],
      },
    });
    await plainAws.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'too-concurrent' }),
    );
    await plainAws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'endpoint',
        DesiredWeightsAndCapacities: [{ VariantName: 'main', DesiredInstanceCount: 2 }],
      }),
    );

    // moto does report the serverless config, as the fill-ins do
    expect((await describeEndpoint(plainAws)).ProductionVariants?.[0]?.CurrentServerlessConfig).toEqual({
      MemorySizeInMB: 1024,
      MaxConcurrency: 500,
    });
  });
});
