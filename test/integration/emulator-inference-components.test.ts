/**
 * Emulator fill-in for SageMaker inference components (emulator/fill_ins/inference_components.py,
 * inference_component_rollouts.py): each operation behaves as the AWS pages the module cites say, and plain
 * moto 5.2.1 still lacks them.
 *
 * Nothing here sleeps: updateSeconds is an hour, and tests move updates with advanceInferenceComponent() and
 * settle().
 */
import { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  type CreateInferenceComponentCommandInput,
  CreateModelCommand,
  DeleteInferenceComponentCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeInferenceComponentCommand,
  type InferenceComponentDeploymentConfig,
  type InferenceComponentSpecification,
  ListInferenceComponentsCommand,
  SageMakerClient,
  UpdateInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../emulator/launch.ts';
import { ACCOUNT, clientConfig, endpointArn, IMAGE, REGION, ROLE, useEmulatorPair } from '../support/emulator-pair.ts';

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

const componentArn = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:inference-component/${name}`;
const modelArn = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/${name}`;

const createModel = ({ sagemaker }: Aws, name: string) =>
  sagemaker.send(
    new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: IMAGE }, ExecutionRoleArn: ROLE }),
  );

/** An endpoint for inference components: its variant has no model, its config an execution role. */
async function createHostingEndpoint(world: Aws, name = 'llm-endpoint'): Promise<void> {
  await world.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-config`,
      ExecutionRoleArn: ROLE,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          InstanceType: 'ml.g4dn.12xlarge',
          InitialInstanceCount: 2,
          ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 4 },
          RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
        },
      ],
    }),
  );
  await world.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-config` }));
  await world.emulator.settle();
}

const specification = (model: string, extra: Partial<InferenceComponentSpecification> = {}) => ({
  ModelName: model,
  ComputeResourceRequirements: { NumberOfCpuCoresRequired: 2, MinMemoryRequiredInMb: 1024 },
  ...extra,
});

const createComponent = (world: Aws, name: string, extra: Partial<CreateInferenceComponentCommandInput> = {}) =>
  world.sagemaker.send(
    new CreateInferenceComponentCommand({
      InferenceComponentName: name,
      EndpointName: 'llm-endpoint',
      VariantName: 'AllTraffic',
      Specification: specification('model-v1'),
      RuntimeConfig: { CopyCount: 4 },
      ...extra,
    }),
  );

const describeComponent = (world: Aws, name: string) =>
  world.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));

/** The models and endpoint every test starts from, and one component InService with 4 copies of model-v1. */
async function componentInService(world: Aws, name = 'chat'): Promise<void> {
  await createModel(world, 'model-v1');
  await createModel(world, 'model-v2');
  await createHostingEndpoint(world);
  await createComponent(world, name);
  await world.emulator.settle();
}

const rolling = (
  extra: { alarms?: string[]; timeout?: number; wait?: number; batch?: number } = {},
): InferenceComponentDeploymentConfig => ({
  RollingUpdatePolicy: {
    MaximumBatchSize: { Type: 'COPY_COUNT', Value: extra.batch ?? 1 },
    WaitIntervalInSeconds: extra.wait ?? 300,
    ...(extra.timeout === undefined ? {} : { MaximumExecutionTimeoutInSeconds: extra.timeout }),
  },
  ...(extra.alarms === undefined
    ? {}
    : { AutoRollbackConfiguration: { Alarms: extra.alarms.map((AlarmName) => ({ AlarmName })) } }),
});

const updateToV2 = (world: Aws, deploymentConfig: InferenceComponentDeploymentConfig) =>
  world.sagemaker.send(
    new UpdateInferenceComponentCommand({
      InferenceComponentName: 'chat',
      Specification: specification('model-v2'),
      DeploymentConfig: deploymentConfig,
    }),
  );

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

const unparseable500 = { name: 'SyntaxError', $metadata: expect.objectContaining({ httpStatusCode: 500 }) };

// -- endpoints for inference components ---------------------------------------------

describe('endpoints that host inference components', () => {
  it('accepts a config whose variant has no model, given an execution role, and serves DescribeEndpoint', async () => {
    await createHostingEndpoint(aws);

    const config = await aws.sagemaker.send(
      new DescribeEndpointConfigCommand({ EndpointConfigName: 'llm-endpoint-config' }),
    );
    expect(config.ExecutionRoleArn).toBe(ROLE);
    expect(config.ProductionVariants?.[0]).toMatchObject({
      VariantName: 'AllTraffic',
      ManagedInstanceScaling: { Status: 'ENABLED', MinInstanceCount: 0, MaxInstanceCount: 4 },
      RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
    });
    expect(config.ProductionVariants?.[0]?.ModelName).toBeUndefined();
    const endpoint = await aws.sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'llm-endpoint' }));
    expect(endpoint).toMatchObject({
      EndpointStatus: 'InService',
      ProductionVariants: [expect.objectContaining({ VariantName: 'AllTraffic', CurrentInstanceCount: 2 })],
    });
  });

  it('refuses a variant without a model when the config has no execution role', async () => {
    await expect(
      aws.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'no-role',
          ProductionVariants: [
            { VariantName: 'AllTraffic', InstanceType: 'ml.g4dn.12xlarge', InitialInstanceCount: 1 },
          ],
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('ExecutionRoleArn') });
  });
});

// -- lifecycle ------------------------------------------------------------------------

describe('CreateInferenceComponent and DescribeInferenceComponent', () => {
  it('is Creating with no copies until the update clock, then InService with its copies', async () => {
    await createModel(aws, 'model-v1');
    await createHostingEndpoint(aws);

    const created = await createComponent(aws, 'chat', {
      Specification: specification('model-v1', { Container: { Image: IMAGE } }),
    });

    expect(created.InferenceComponentArn).toBe(componentArn('chat'));
    expect(await describeComponent(aws, 'chat')).toMatchObject({
      InferenceComponentStatus: 'Creating',
      RuntimeConfig: { DesiredCopyCount: 4, CurrentCopyCount: 0 },
    });
    await aws.emulator.settle();
    const described = await describeComponent(aws, 'chat');
    expect(described).toMatchObject({
      InferenceComponentName: 'chat',
      InferenceComponentArn: componentArn('chat'),
      InferenceComponentStatus: 'InService',
      EndpointName: 'llm-endpoint',
      EndpointArn: endpointArn('llm-endpoint'),
      VariantName: 'AllTraffic',
      RuntimeConfig: { DesiredCopyCount: 4, CurrentCopyCount: 4 },
      Specification: {
        ModelName: 'model-v1',
        ComputeResourceRequirements: { NumberOfCpuCoresRequired: 2, MinMemoryRequiredInMb: 1024 },
        Container: { DeployedImage: { SpecifiedImage: IMAGE, ResolvedImage: expect.stringMatching(/@sha256:/) } },
      },
    });
    expect(described.CreationTime).toBeInstanceOf(Date);
    expect(described.LastModifiedTime).toBeInstanceOf(Date);
    expect(described.FailureReason).toBeUndefined();
  });

  it('hosts two components on one endpoint, each with its own model and copies', async () => {
    await componentInService(aws, 'chat');
    await createComponent(aws, 'summarise', {
      Specification: specification('model-v2'),
      RuntimeConfig: { CopyCount: 1 },
    });
    await aws.emulator.settle();

    expect(await describeComponent(aws, 'chat')).toMatchObject({
      Specification: { ModelName: 'model-v1' },
      RuntimeConfig: { CurrentCopyCount: 4 },
    });
    expect(await describeComponent(aws, 'summarise')).toMatchObject({
      EndpointName: 'llm-endpoint',
      Specification: { ModelName: 'model-v2' },
      RuntimeConfig: { CurrentCopyCount: 1 },
    });
  });

  it('accepts a copy count of 0 (scaled to zero) and reports no current copies', async () => {
    await createModel(aws, 'model-v1');
    await createHostingEndpoint(aws);

    await createComponent(aws, 'idle', { RuntimeConfig: { CopyCount: 0 } });
    await aws.emulator.settle();

    expect(await describeComponent(aws, 'idle')).toMatchObject({
      InferenceComponentStatus: 'InService',
      RuntimeConfig: { DesiredCopyCount: 0, CurrentCopyCount: 0 },
    });
  });

  it('ends Failed, naming the model, when the model is deleted before the component is created', async () => {
    await createModel(aws, 'model-v1');
    await createHostingEndpoint(aws);
    await createComponent(aws, 'chat');

    await aws.sagemaker.send(new DeleteModelCommand({ ModelName: 'model-v1' }));
    await aws.emulator.settle();

    expect(await describeComponent(aws, 'chat')).toMatchObject({
      InferenceComponentStatus: 'Failed',
      FailureReason: `Could not find model "${modelArn('model-v1')}".`,
    });
  });
});

describe('CreateInferenceComponent validation', () => {
  it('refuses shape violations as AWS request validation does, every one at once', async () => {
    await createModel(aws, 'model-v1');
    await createHostingEndpoint(aws);
    // The SDK validates nothing; the emulator answers as SageMaker's request validation does.
    await expect(
      createComponent(aws, '-chat', {
        Specification: specification('model-v1', {
          ComputeResourceRequirements: { NumberOfCpuCoresRequired: 0.1, MinMemoryRequiredInMb: 64 },
        }),
        RuntimeConfig: { CopyCount: -1 },
      }),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(
        /^4 validation errors detected: Value '-chat' at 'inferenceComponentName' failed to satisfy constraint: Member must satisfy regular expression pattern: .*Value '0\.1' at 'specification\.computeResourceRequirements\.numberOfCpuCoresRequired' failed to satisfy constraint: Member must have value greater than or equal to 0\.25; Value '64' at 'specification\.computeResourceRequirements\.minMemoryRequiredInMb' .*greater than or equal to 128; Value '-1' at 'runtimeConfig\.copyCount' failed to satisfy constraint: Member must have value greater than or equal to 0$/,
      ),
    });
  });

  it('refuses an endpoint, a variant or a model that does not exist, and a name already used', async () => {
    await componentInService(aws, 'chat');

    await expect(createComponent(aws, 'other', { EndpointName: 'nowhere' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint "${endpointArn('nowhere')}".`,
    });
    await expect(createComponent(aws, 'other', { VariantName: 'Blue' })).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('Could not find variant "Blue"'),
    });
    await expect(createComponent(aws, 'other', { Specification: specification('missing') })).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find model "${modelArn('missing')}".`,
    });
    await expect(createComponent(aws, 'chat')).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot create already existing inference component "${componentArn('chat')}".`,
    });
  });

  it('refuses compute requirements whose maximum memory is below the minimum', async () => {
    await createModel(aws, 'model-v1');
    await createHostingEndpoint(aws);

    await expect(
      createComponent(aws, 'chat', {
        Specification: specification('model-v1', {
          ComputeResourceRequirements: { MinMemoryRequiredInMb: 2048, MaxMemoryRequiredInMb: 1024 },
        }),
      }),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining('MaxMemoryRequiredInMb') });
  });
});

describe('ListInferenceComponents and DeleteInferenceComponent', () => {
  it('filters by endpoint, variant, status and name, and pages with NextToken', async () => {
    await componentInService(aws, 'chat');
    await createComponent(aws, 'chat-small', { RuntimeConfig: { CopyCount: 1 } });
    await createComponent(aws, 'summarise', { RuntimeConfig: { CopyCount: 1 } });

    const names = async (input: object) =>
      ((await aws.sagemaker.send(new ListInferenceComponentsCommand(input))).InferenceComponents ?? []).map(
        (c) => c.InferenceComponentName,
      );
    expect(await names({ SortBy: 'Name', SortOrder: 'Ascending' })).toEqual(['chat', 'chat-small', 'summarise']);
    expect(await names({ NameContains: 'chat', SortBy: 'Name', SortOrder: 'Ascending' })).toEqual([
      'chat',
      'chat-small',
    ]);
    expect(await names({ StatusEquals: 'Creating', SortBy: 'Name', SortOrder: 'Ascending' })).toEqual([
      'chat-small',
      'summarise',
    ]);
    expect(await names({ EndpointNameEquals: 'llm-endpoint', VariantNameEquals: 'AllTraffic' })).toHaveLength(3);
    expect(await names({ EndpointNameEquals: 'other' })).toEqual([]);

    const first = await aws.sagemaker.send(
      new ListInferenceComponentsCommand({ SortBy: 'Name', SortOrder: 'Ascending', MaxResults: 2 }),
    );
    expect(first.InferenceComponents?.map((c) => c.InferenceComponentName)).toEqual(['chat', 'chat-small']);
    const second = await aws.sagemaker.send(
      new ListInferenceComponentsCommand({
        SortBy: 'Name',
        SortOrder: 'Ascending',
        MaxResults: 2,
        NextToken: first.NextToken,
      }),
    );
    expect(second.InferenceComponents?.map((c) => c.InferenceComponentName)).toEqual(['summarise']);
    expect(second.NextToken).toBeUndefined();
  });

  it('deletes a component: Deleting, then gone', async () => {
    await componentInService(aws, 'chat');

    await aws.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: 'chat' }));

    expect(await describeComponent(aws, 'chat')).toMatchObject({ InferenceComponentStatus: 'Deleting' });
    await aws.emulator.settle();
    await expect(describeComponent(aws, 'chat')).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find inference component "${componentArn('chat')}".`,
    });
  });
});

// -- updates --------------------------------------------------------------------------

describe('UpdateInferenceComponentRuntimeConfig', () => {
  it('asks for the copies at once and has them when the update settles', async () => {
    await componentInService(aws, 'chat');

    await aws.sagemaker.send(
      new UpdateInferenceComponentRuntimeConfigCommand({
        InferenceComponentName: 'chat',
        DesiredRuntimeConfig: { CopyCount: 0 },
      }),
    );

    expect(await describeComponent(aws, 'chat')).toMatchObject({
      InferenceComponentStatus: 'Updating',
      RuntimeConfig: { DesiredCopyCount: 0, CurrentCopyCount: 4 },
    });
    await aws.emulator.settle();
    expect(await describeComponent(aws, 'chat')).toMatchObject({
      InferenceComponentStatus: 'InService',
      RuntimeConfig: { DesiredCopyCount: 0, CurrentCopyCount: 0 },
    });
  });

  it('refuses an update while the component is Updating', async () => {
    await componentInService(aws, 'chat');
    await updateToV2(aws, rolling());

    await expect(
      aws.sagemaker.send(
        new UpdateInferenceComponentRuntimeConfigCommand({
          InferenceComponentName: 'chat',
          DesiredRuntimeConfig: { CopyCount: 2 },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot update in-progress inference component "${componentArn('chat')}".`,
    });
    await expect(updateToV2(aws, rolling())).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('UpdateInferenceComponent with a rolling DeploymentConfig', () => {
  it('moves the copies batch by batch, Updating on the old specification, then InService on the new', async () => {
    await componentInService(aws, 'chat');

    await updateToV2(aws, rolling({ batch: 2, wait: 120 }));

    expect(await describeComponent(aws, 'chat')).toMatchObject({
      InferenceComponentStatus: 'Updating',
      Specification: { ModelName: 'model-v1' },
      LastDeploymentConfig: rolling({ batch: 2, wait: 120 }),
    });
    expect(await aws.emulator.advanceInferenceComponent('chat')).toMatchObject({
      stage: 'batch-baking',
      batch: 2,
      batches: 2,
      copiesUpdated: 4,
      deploymentSeconds: 120,
    });
    expect(await describeComponent(aws, 'chat')).toMatchObject({ InferenceComponentStatus: 'Updating' });
    expect(await aws.emulator.advanceInferenceComponent('chat')).toMatchObject({
      stage: 'done',
      copiesUpdated: 4,
      deploymentSeconds: 240,
    });
    const described = await describeComponent(aws, 'chat');
    expect(described).toMatchObject({
      InferenceComponentStatus: 'InService',
      Specification: { ModelName: 'model-v2' },
      RuntimeConfig: { DesiredCopyCount: 4, CurrentCopyCount: 4 },
    });
    expect(described.FailureReason).toBeUndefined();
  });

  it('sizes batches by CAPACITY_PERCENT of the copy count, and settle() runs the update to its end', async () => {
    await componentInService(aws, 'chat');

    await updateToV2(aws, {
      RollingUpdatePolicy: { MaximumBatchSize: { Type: 'CAPACITY_PERCENT', Value: 25 }, WaitIntervalInSeconds: 60 },
    });
    expect(await aws.emulator.advanceInferenceComponent('chat')).toMatchObject({ batch: 2, batches: 4, batchSize: 1 });
    await aws.emulator.settle();

    expect(await describeComponent(aws, 'chat')).toMatchObject({
      InferenceComponentStatus: 'InService',
      Specification: { ModelName: 'model-v2' },
    });
  });

  it('rolls back to the old specification when an alarm is in ALARM at the end of a batch, naming the alarm', async () => {
    await componentInService(aws, 'chat');
    await putAlarm(aws, 'chat-5xx');
    await updateToV2(aws, rolling({ alarms: ['chat-5xx'] }));

    await aws.emulator.advanceInferenceComponent('chat');
    await setAlarm(aws, 'chat-5xx', 'ALARM');
    const progress = await aws.emulator.advanceInferenceComponent('chat');

    expect(progress).toMatchObject({ stage: 'rolled-back', copiesUpdated: 0 });
    expect(await describeComponent(aws, 'chat')).toMatchObject({
      InferenceComponentStatus: 'InService',
      Specification: { ModelName: 'model-v1' },
      RuntimeConfig: { DesiredCopyCount: 4, CurrentCopyCount: 4 },
      FailureReason:
        'Inference component update rolled back to its previous specification: auto-rollback alarm(s) chat-5xx ' +
        'in ALARM state during baking of batch 2 of 4.',
    });
  });

  it('rolls back when the batches outlast MaximumExecutionTimeoutInSeconds', async () => {
    await componentInService(aws, 'chat');
    await updateToV2(aws, rolling({ wait: 400, timeout: 600 }));

    expect(await aws.emulator.advanceInferenceComponent('chat')).toMatchObject({ stage: 'batch-baking' });
    expect(await aws.emulator.advanceInferenceComponent('chat')).toMatchObject({ stage: 'rolled-back' });

    expect(await describeComponent(aws, 'chat')).toMatchObject({
      InferenceComponentStatus: 'InService',
      Specification: { ModelName: 'model-v1' },
      FailureReason: expect.stringContaining(
        'did not complete within MaximumExecutionTimeoutInSeconds (600 s); timed out during baking of batch 2 of 4',
      ),
    });
  });

  it('refuses a batch over 50% of the copy count and a policy outside its ranges', async () => {
    await componentInService(aws, 'chat');

    await expect(updateToV2(aws, rolling({ batch: 3 }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringContaining('it must be between 5% and 50% of the copy count'),
    });
    await expect(updateToV2(aws, rolling({ wait: 4000, timeout: 60 }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(
        /^2 validation errors detected: .*'deploymentConfig\.rollingUpdatePolicy\.waitIntervalInSeconds'.*less than or equal to 3600; .*'deploymentConfig\.rollingUpdatePolicy\.maximumExecutionTimeoutInSeconds'.*greater than or equal to 600$/,
      ),
    });
    expect(await describeComponent(aws, 'chat')).toMatchObject({ InferenceComponentStatus: 'InService' });
  });
});

describe('reset', () => {
  it("moto's reset forgets the components and their rolling updates", async () => {
    await componentInService(aws, 'chat');
    await updateToV2(aws, rolling());

    await aws.emulator.reset();

    const listed = await aws.sagemaker.send(new ListInferenceComponentsCommand({}));
    expect(listed.InferenceComponents).toEqual([]);
    await expect(aws.emulator.advanceInferenceComponent('chat')).rejects.toThrow(/answered 409/);
  });
});

// -- capabilities -----------------------------------------------------------------------

describe('moto 5.2.1 capabilities (plain, without fill-ins)', () => {
  it('moto still lacks CreateInferenceComponent: if this fails, moto gained inference components, revisit inference_components.py', async () => {
    await expect(
      plainAws.sagemaker.send(
        new CreateInferenceComponentCommand({
          InferenceComponentName: 'chat',
          EndpointName: 'llm-endpoint',
          Specification: specification('model-v1'),
          RuntimeConfig: { CopyCount: 1 },
        }),
      ),
    ).rejects.toMatchObject(unparseable500);
  });

  it('moto still answers HTTP 500 to an endpoint config variant without a model: if this fails, revisit inference_components.py', async () => {
    await expect(
      plainAws.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: 'for-components',
          ExecutionRoleArn: ROLE,
          ProductionVariants: [
            { VariantName: 'AllTraffic', InstanceType: 'ml.g4dn.12xlarge', InitialInstanceCount: 1 },
          ],
        }),
      ),
    ).rejects.toMatchObject({ $metadata: expect.objectContaining({ httpStatusCode: 500 }) });
  });
});
