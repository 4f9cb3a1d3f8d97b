/**
 * The local AWS emulator (emulator/server.py): each fill-in behaves like the AWS API
 * reference says, and plain moto 5.2.1 still needs it.
 *
 * Nothing here sleeps: updateSeconds is an hour, so no transition completes by itself,
 * and tests complete them with settle().
 */
import {
  CodePipelineClient,
  GetPipelineExecutionCommand,
  ListPipelineExecutionsCommand,
  StartPipelineExecutionCommand,
  StopPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import { CreateTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DeleteEndpointCommand,
  DescribeEndpointCommand,
  type DescribeEndpointCommandOutput,
  DescribeEndpointConfigCommand,
  DescribeModelPackageCommand,
  ListEndpointsCommand,
  type ProductionVariant,
  SageMakerClient,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../emulator/launch.ts';
import { createDeliveryPipeline } from '../support/delivery-pipeline.ts';
import {
  ACCOUNT,
  clientConfig,
  configArn,
  endpointArn,
  IMAGE,
  REGION,
  useEmulatorPair,
} from '../support/emulator-pair.ts';

const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/SageMakerExecution`;
const INSTANCE_TYPE = 'ml.m5.large'; // moto 5.2.1 rejects newer instance types

/** An AWS account as the code under test sees it: SDK clients against one emulator. */
interface Aws {
  emulator: EmulatorHandle;
  sagemaker: SageMakerClient;
  codepipeline: CodePipelineClient;
}

let aws: Aws;
let plainAws: Aws;

function connect(emulator: EmulatorHandle): Aws {
  const config = clientConfig(emulator);
  return { emulator, sagemaker: new SageMakerClient(config), codepipeline: new CodePipelineClient(config) };
}

const emulators = useEmulatorPair();
beforeAll(() => {
  aws = connect(emulators().withFillIns);
  plainAws = connect(emulators().plain);
});

// -- helpers ----------------------------------------------------------------------

interface VariantSpec {
  name: string;
  weight?: number;
  instances?: number;
}

function variant({ name, weight, instances = 1 }: VariantSpec): ProductionVariant {
  return {
    VariantName: name,
    ModelName: 'model',
    InstanceType: INSTANCE_TYPE,
    InitialInstanceCount: instances,
    ...(weight === undefined ? {} : { InitialVariantWeight: weight }),
  };
}

async function createModel({ sagemaker }: Aws): Promise<void> {
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: 'model',
      PrimaryContainer: { Image: IMAGE },
      ExecutionRoleArn: EXECUTION_ROLE,
    }),
  );
}

async function createConfig(
  { sagemaker }: Aws,
  name: string,
  variants: VariantSpec[],
  shadows: VariantSpec[] = [],
): Promise<void> {
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: variants.map(variant),
      ...(shadows.length === 0 ? {} : { ShadowProductionVariants: shadows.map(variant) }),
    }),
  );
}

/** model + configs `old` (one variant `blue`) and `new` (`blue` 0.9, `green` 0.1). */
async function createModelAndConfigs(account: Aws): Promise<void> {
  await createModel(account);
  await createConfig(account, 'old', [{ name: 'blue', weight: 1 }]);
  await createConfig(account, 'new', [
    { name: 'blue', weight: 0.9 },
    { name: 'green', weight: 0.1 },
  ]);
}

/** An endpoint on config `old` that has finished creating. */
async function createInServiceEndpoint(account: Aws, name = 'endpoint'): Promise<void> {
  await createModelAndConfigs(account);
  await account.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: 'old' }));
  await account.emulator.settle();
}

function describeEndpoint({ sagemaker }: Aws, name = 'endpoint'): Promise<DescribeEndpointCommandOutput> {
  return sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
}

function weights(endpoint: DescribeEndpointCommandOutput): Record<string, [number?, number?]> {
  return Object.fromEntries(
    (endpoint.ProductionVariants ?? []).map((v) => [v.VariantName, [v.CurrentWeight, v.DesiredWeight]]),
  );
}

async function createModelPackage({ sagemaker }: Aws, extra: { CustomerMetadataProperties?: Record<string, string> }) {
  await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'group' }));
  const { ModelPackageArn } = await sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: 'group',
      InferenceSpecification: {
        Containers: [{ Image: IMAGE }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
      ...extra,
    }),
  );
  if (ModelPackageArn === undefined) throw new Error('CreateModelPackage returned no ARN');
  return ModelPackageArn;
}

function createPipeline({ emulator, codepipeline }: Aws, name = 'pipeline'): Promise<void> {
  return createDeliveryPipeline(emulator.endpointUrl, codepipeline, name, 'modelPackageArn');
}

async function startExecution({ codepipeline }: Aws, name = 'pipeline'): Promise<string> {
  const { pipelineExecutionId } = await codepipeline.send(new StartPipelineExecutionCommand({ name }));
  if (pipelineExecutionId === undefined) throw new Error('StartPipelineExecution returned no id');
  return pipelineExecutionId;
}

async function executionStatus({ codepipeline }: Aws, id: string, pipelineName = 'pipeline') {
  const { pipelineExecution } = await codepipeline.send(
    new GetPipelineExecutionCommand({ pipelineName, pipelineExecutionId: id }),
  );
  return pipelineExecution?.status;
}

/** How moto's unimplemented actions surface in the SDK: an HTML 500 it cannot parse. */
const unparseable500 = { name: 'SyntaxError', $metadata: expect.objectContaining({ httpStatusCode: 500 }) };

// -- specifications ---------------------------------------------------------------

describe('control API', () => {
  it('reports whether fill-ins are installed', async () => {
    const health = async (e: EmulatorHandle) => (await fetch(`${e.endpointUrl}/_emulator/health`)).json();
    expect(await health(aws.emulator)).toEqual({ ok: true, fillIns: true });
    expect(await health(plainAws.emulator)).toEqual({ ok: true, fillIns: false });
  });

  it('refuses to configure or arm failures on the plain emulator, which settles trivially', async () => {
    await expect(plainAws.emulator.configure({ updateSeconds: 1 })).rejects.toThrow(/409/);
    await expect(plainAws.emulator.failNextUpdate('endpoint', 'failed', 'x')).rejects.toThrow(/409/);
    await expect(plainAws.emulator.failNextPipelineExecution('pipeline', 'x')).rejects.toThrow(/409/);
    await expect(plainAws.emulator.settle()).resolves.toBeUndefined();
  });

  it('rejects an unknown failure mode', async () => {
    await expect(aws.emulator.failNextUpdate('endpoint', 'explode' as 'failed', 'x')).rejects.toThrow(/400/);
  });

  it('lets transitions complete by themselves once updateSeconds have passed', async () => {
    await aws.emulator.configure({ updateSeconds: 0 });
    await createModelAndConfigs(aws);
    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'old' }));

    expect((await describeEndpoint(aws)).EndpointStatus).toBe('InService');
  });

  it('moto-api reset also forgets pending transitions and armed failures', async () => {
    await createInServiceEndpoint(aws);
    await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));
    await aws.emulator.failNextUpdate('endpoint', 'failed', 'armed before the reset');
    await createPipeline(aws);
    await aws.emulator.failNextPipelineExecution('pipeline', 'armed before the reset');

    await aws.emulator.reset();

    const settle = await fetch(`${aws.emulator.endpointUrl}/_emulator/settle`, { method: 'POST' });
    expect(await settle.json()).toEqual({ settled: 0 });
    await createInServiceEndpoint(aws);
    await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));
    await createPipeline(aws);
    const execution = await startExecution(aws);
    await aws.emulator.settle();
    expect((await describeEndpoint(aws)).EndpointStatus).toBe('InService');
    expect(await executionStatus(aws, execution)).toBe('Succeeded');
  });
});

describe('CreateEndpoint lifecycle fill-in', () => {
  it('keeps a new endpoint Creating until it settles, then InService', async () => {
    await createModelAndConfigs(aws);
    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'old' }));

    expect((await describeEndpoint(aws)).EndpointStatus).toBe('Creating');
    const listed = await aws.sagemaker.send(new ListEndpointsCommand({}));
    expect(listed.Endpoints?.map((e) => e.EndpointStatus)).toEqual(['Creating']);

    await aws.emulator.settle();

    expect((await describeEndpoint(aws)).EndpointStatus).toBe('InService');
    const relisted = await aws.sagemaker.send(new ListEndpointsCommand({ StatusEquals: 'InService' }));
    expect(relisted.Endpoints?.map((e) => e.EndpointName)).toEqual(['endpoint']);
  });

  it('refuses a second endpoint with the same name instead of overwriting it', async () => {
    await createInServiceEndpoint(aws);

    await expect(
      aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot create already existing endpoint "${endpointArn('endpoint')}".`,
    });
    expect((await describeEndpoint(aws)).EndpointConfigName).toBe('old');
  });

  it('refuses an endpoint config name that is taken (configs are immutable)', async () => {
    await createModelAndConfigs(aws);

    await expect(createConfig(aws, 'old', [{ name: 'other' }])).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot create already existing endpoint configuration "${configArn('old')}".`,
    });
  });

  it('refuses an unknown endpoint config', async () => {
    await createModelAndConfigs(aws);

    await expect(
      aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'missing' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint configuration "${configArn('missing')}".`,
    });
  });

  it('refuses to delete an endpoint that is still Creating, and deletes it once InService', async () => {
    await createModelAndConfigs(aws);
    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'old' }));

    await expect(aws.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'endpoint' }))).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot update in-progress endpoint "${endpointArn('endpoint')}".`,
    });

    await aws.emulator.settle();
    await aws.sagemaker.send(new DeleteEndpointCommand({ EndpointName: 'endpoint' }));
    await expect(describeEndpoint(aws)).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint "${endpointArn('endpoint')}".`,
    });
  });
});

describe('UpdateEndpoint fill-in', () => {
  it('keeps the endpoint Updating until the update settles, then serves the new config', async () => {
    await createInServiceEndpoint(aws);

    const { EndpointArn } = await aws.sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }),
    );
    expect(EndpointArn).toBe(endpointArn('endpoint'));

    const updating = await describeEndpoint(aws);
    expect(updating.EndpointStatus).toBe('Updating');
    // the old fleet keeps serving while the new one is deployed
    expect(updating.EndpointConfigName).toBe('old');
    expect(weights(updating)).toEqual({ blue: [1, 1] });
    expect(updating.PendingDeploymentSummary?.EndpointConfigName).toBe('new');
    expect(updating.PendingDeploymentSummary?.ProductionVariants?.map((v) => v.VariantName)).toEqual(['blue', 'green']);

    await aws.emulator.settle();

    const updated = await describeEndpoint(aws);
    expect(updated.EndpointStatus).toBe('InService');
    expect(updated.EndpointConfigName).toBe('new');
    expect(weights(updated)).toEqual({ blue: [0.9, 0.9], green: [0.1, 0.1] });
    expect(updated.PendingDeploymentSummary).toBeUndefined();
    expect(updated.ProductionVariants?.[0]?.DeployedImages?.[0]?.SpecifiedImage).toBe(IMAGE);
  });

  it('rejects an unknown endpoint', async () => {
    await createModelAndConfigs(aws);

    await expect(
      aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'missing', EndpointConfigName: 'new' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint "${endpointArn('missing')}".`,
    });
  });

  it('rejects an unknown endpoint configuration', async () => {
    await createInServiceEndpoint(aws);

    await expect(
      aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'missing' })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Could not find endpoint configuration "${configArn('missing')}".`,
    });
    expect((await describeEndpoint(aws)).EndpointStatus).toBe('InService');
  });

  it('rejects an update while the endpoint is Creating or Updating', async () => {
    await createModelAndConfigs(aws);
    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'old' }));
    const update = () =>
      aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));
    const inProgress = {
      name: 'ValidationException',
      message: `Cannot update in-progress endpoint "${endpointArn('endpoint')}".`,
    };

    await expect(update()).rejects.toMatchObject(inProgress); // Creating
    await aws.emulator.settle();
    await update();
    await expect(update()).rejects.toMatchObject(inProgress); // Updating
  });

  it('keeps current weights and instance counts with RetainAllVariantProperties, except excluded ones', async () => {
    await createModel(aws);
    await createConfig(aws, 'old', [{ name: 'blue', weight: 3, instances: 2 }]);
    await createConfig(aws, 'new', [
      { name: 'blue', weight: 1, instances: 1 },
      { name: 'green', weight: 1, instances: 1 },
    ]);
    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'old' }));
    await aws.emulator.settle();

    await aws.sagemaker.send(
      new UpdateEndpointCommand({
        EndpointName: 'endpoint',
        EndpointConfigName: 'new',
        RetainAllVariantProperties: true,
        ExcludeRetainedVariantProperties: [{ VariantPropertyType: 'DesiredWeight' }],
      }),
    );
    await aws.emulator.settle();

    const blue = (await describeEndpoint(aws)).ProductionVariants?.find((v) => v.VariantName === 'blue');
    expect(blue).toMatchObject({ CurrentInstanceCount: 2, DesiredInstanceCount: 2, CurrentWeight: 1 });
  });

  it('reports the DeploymentConfig of the update as LastDeploymentConfig', async () => {
    await createInServiceEndpoint(aws);
    const DeploymentConfig = {
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: { Type: 'ALL_AT_ONCE' as const, WaitIntervalInSeconds: 60 },
      },
    };

    await aws.sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new', DeploymentConfig }),
    );

    expect((await describeEndpoint(aws)).LastDeploymentConfig).toEqual(DeploymentConfig);
  });
});

describe('UpdateEndpointWeightsAndCapacities fill-in', () => {
  async function onNewConfig(): Promise<void> {
    await createInServiceEndpoint(aws);
    await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));
    await aws.emulator.settle();
  }

  const shiftToGreen = () =>
    aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'endpoint',
        DesiredWeightsAndCapacities: [
          { VariantName: 'blue', DesiredWeight: 0 },
          { VariantName: 'green', DesiredWeight: 1 },
        ],
      }),
    );

  it('shows the desired weights while Updating and applies them when it settles', async () => {
    await onNewConfig();

    await shiftToGreen();

    const updating = await describeEndpoint(aws);
    expect(updating.EndpointStatus).toBe('Updating');
    expect(weights(updating)).toEqual({ blue: [0.9, 0], green: [0.1, 1] });

    await aws.emulator.settle();

    const updated = await describeEndpoint(aws);
    expect(updated.EndpointStatus).toBe('InService');
    expect(weights(updated)).toEqual({ blue: [0, 0], green: [1, 1] });
    // only the weight was sent: the instance count is untouched
    expect(updated.ProductionVariants?.map((v) => v.DesiredInstanceCount)).toEqual([1, 1]);
  });

  it('rejects a change while the endpoint is Updating', async () => {
    await onNewConfig();
    await shiftToGreen();

    await expect(shiftToGreen()).rejects.toMatchObject({
      name: 'ValidationException',
      message: `Cannot update in-progress endpoint "${endpointArn('endpoint')}".`,
    });
  });

  it('rejects a variant the endpoint does not have', async () => {
    await createInServiceEndpoint(aws);

    await expect(shiftToGreen()).rejects.toMatchObject({ name: 'ValidationException' });
    expect((await describeEndpoint(aws)).EndpointStatus).toBe('InService');
  });
});

describe('injected update failures', () => {
  it('rollback: after Updating, the endpoint is back InService on the old config, with a FailureReason', async () => {
    await createInServiceEndpoint(aws);
    await aws.emulator.failNextUpdate('endpoint', 'rollback', 'health check failed');

    await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));
    expect((await describeEndpoint(aws)).EndpointStatus).toBe('Updating');
    await aws.emulator.settle();

    const rolledBack = await describeEndpoint(aws);
    expect(rolledBack).toMatchObject({
      EndpointStatus: 'InService',
      EndpointConfigName: 'old',
      FailureReason: 'health check failed',
    });
    expect(weights(rolledBack)).toEqual({ blue: [1, 1] });
  });

  it('failed: after Updating, the endpoint is Failed, and can no longer be updated', async () => {
    await createInServiceEndpoint(aws);
    await aws.emulator.failNextUpdate('endpoint', 'failed', 'out of capacity');

    await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));
    await aws.emulator.settle();

    expect(await describeEndpoint(aws)).toMatchObject({ EndpointStatus: 'Failed', FailureReason: 'out of capacity' });
    await expect(
      aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' })),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });

  it('fails an update already in progress when armed during it, and only that endpoint', async () => {
    await createInServiceEndpoint(aws, 'endpoint');
    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'other', EndpointConfigName: 'old' }));
    await aws.emulator.settle();
    for (const name of ['endpoint', 'other']) {
      await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: name, EndpointConfigName: 'new' }));
    }

    await aws.emulator.failNextUpdate('endpoint', 'rollback', 'alarm');
    await aws.emulator.settle();

    expect(await describeEndpoint(aws, 'endpoint')).toMatchObject({
      EndpointConfigName: 'old',
      FailureReason: 'alarm',
    });
    const other = await describeEndpoint(aws, 'other');
    expect(other).toMatchObject({ EndpointConfigName: 'new', EndpointStatus: 'InService' });
    expect(other.FailureReason).toBeUndefined();
  });

  it('is used up by one update: the next update succeeds and clears FailureReason', async () => {
    await createInServiceEndpoint(aws);
    await aws.emulator.failNextUpdate('endpoint', 'rollback', 'alarm');
    await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));
    await aws.emulator.settle();

    await aws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));
    await aws.emulator.settle();

    const updated = await describeEndpoint(aws);
    expect(updated).toMatchObject({ EndpointStatus: 'InService', EndpointConfigName: 'new' });
    expect(updated.FailureReason).toBeUndefined();
  });

  it('rolls back a weights update to the previous weights', async () => {
    await createInServiceEndpoint(aws);
    await aws.emulator.failNextUpdate('endpoint', 'rollback', 'alarm');

    await aws.sagemaker.send(
      new UpdateEndpointWeightsAndCapacitiesCommand({
        EndpointName: 'endpoint',
        DesiredWeightsAndCapacities: [{ VariantName: 'blue', DesiredWeight: 0.5 }],
      }),
    );
    await aws.emulator.settle();

    const rolledBack = await describeEndpoint(aws);
    expect(rolledBack).toMatchObject({ EndpointStatus: 'InService', FailureReason: 'alarm' });
    expect(weights(rolledBack)).toEqual({ blue: [1, 1] });
  });
});

describe('variant weight and shadow variant fill-ins', () => {
  it('shows a variant at weight 0 with CurrentWeight and DesiredWeight 0', async () => {
    await createModel(aws);
    await createConfig(aws, 'config', [
      { name: 'blue', weight: 1 },
      { name: 'green', weight: 0 },
    ]);
    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'config' }));

    expect(weights(await describeEndpoint(aws))).toEqual({ blue: [1, 1], green: [0, 0] });
  });

  it('gives a variant without InitialVariantWeight the default weight 1.0', async () => {
    await createModel(aws);
    await createConfig(aws, 'config', [{ name: 'blue' }]);
    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'config' }));

    expect(weights(await describeEndpoint(aws))).toEqual({ blue: [1, 1] });
  });

  it('keeps ShadowProductionVariants in the config and shows them on the endpoint', async () => {
    await createModel(aws);
    await createConfig(aws, 'config', [{ name: 'blue' }], [{ name: 'shadow', weight: 0.5 }]);

    const config = await aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'config' }));
    expect(config.ShadowProductionVariants).toEqual([
      expect.objectContaining({ VariantName: 'shadow', ModelName: 'model', InitialVariantWeight: 0.5 }),
    ]);

    await aws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'config' }));
    const endpoint = await describeEndpoint(aws);
    expect(endpoint.ShadowProductionVariants).toEqual([
      expect.objectContaining({
        VariantName: 'shadow',
        CurrentWeight: 0.5,
        DesiredWeight: 0.5,
        CurrentInstanceCount: 1,
        DesiredInstanceCount: 1,
      }),
    ]);
  });

  it('replaces the shadow variants with those of the new config on UpdateEndpoint', async () => {
    await createModel(aws);
    await createConfig(aws, 'with-shadow', [{ name: 'blue' }], [{ name: 'shadow' }]);
    await createConfig(aws, 'without-shadow', [{ name: 'blue' }]);
    await aws.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'with-shadow' }),
    );
    await aws.emulator.settle();

    await aws.sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'without-shadow' }),
    );
    expect((await describeEndpoint(aws)).ShadowProductionVariants).toHaveLength(1);
    await aws.emulator.settle();

    expect((await describeEndpoint(aws)).ShadowProductionVariants).toBeUndefined();
  });
});

describe('model package fill-ins', () => {
  const describePackage = (arn: string) =>
    aws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));

  it('registers a versioned package without a status as PendingManualApproval', async () => {
    const arn = await createModelPackage(aws, {});

    expect((await describePackage(arn)).ModelApprovalStatus).toBe('PendingManualApproval');
  });

  it('approving a package keeps its CustomerMetadataProperties and records LastModifiedTime', async () => {
    const arn = await createModelPackage(aws, { CustomerMetadataProperties: { run: '42' } });

    await aws.sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: 'Approved',
        ApprovalDescription: 'ok',
      }),
    );

    const approved = await describePackage(arn);
    expect(approved).toMatchObject({
      ModelApprovalStatus: 'Approved',
      ApprovalDescription: 'ok',
      CustomerMetadataProperties: { run: '42' },
    });
    expect(approved.LastModifiedTime).toBeInstanceOf(Date);
  });

  it('an update without a status keeps the status and the approval description', async () => {
    const arn = await createModelPackage(aws, {});
    await aws.sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        ModelApprovalStatus: 'Rejected',
        ApprovalDescription: 'no',
      }),
    );

    await aws.sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn: arn, CustomerMetadataProperties: { reviewed: 'yes' } }),
    );

    expect(await describePackage(arn)).toMatchObject({
      ModelApprovalStatus: 'Rejected',
      ApprovalDescription: 'no',
      CustomerMetadataProperties: { reviewed: 'yes' },
    });
  });

  it('merges CustomerMetadataProperties and removes the keys listed for removal', async () => {
    const arn = await createModelPackage(aws, { CustomerMetadataProperties: { a: '1', b: '2' } });

    await aws.sagemaker.send(
      new UpdateModelPackageCommand({
        ModelPackageArn: arn,
        CustomerMetadataProperties: { c: '3' },
        CustomerMetadataPropertiesToRemove: ['a'],
      }),
    );

    expect((await describePackage(arn)).CustomerMetadataProperties).toEqual({ b: '2', c: '3' });
  });
});

describe('CodePipeline executions fill-in', () => {
  it('runs an execution InProgress until it settles, then Succeeded', async () => {
    await createPipeline(aws);

    const id = await startExecution(aws);
    expect(await executionStatus(aws, id)).toBe('InProgress');

    await aws.emulator.settle();
    expect(await executionStatus(aws, id)).toBe('Succeeded');
  });

  it('fails the next execution of a pipeline armed to fail, with the reason as statusSummary', async () => {
    await createPipeline(aws);
    await aws.emulator.failNextPipelineExecution('pipeline', 'deploy stage failed');

    const failed = await startExecution(aws);
    await aws.emulator.settle();
    const next = await startExecution(aws);
    await aws.emulator.settle();

    const { pipelineExecution } = await aws.codepipeline.send(
      new GetPipelineExecutionCommand({ pipelineName: 'pipeline', pipelineExecutionId: failed }),
    );
    expect(pipelineExecution).toMatchObject({ status: 'Failed', statusSummary: 'deploy stage failed' });
    expect(await executionStatus(aws, next)).toBe('Succeeded');
  });

  it('reports variables as resolved values and the StartPipelineExecution trigger', async () => {
    await createPipeline(aws);

    const { pipelineExecutionId } = await aws.codepipeline.send(
      new StartPipelineExecutionCommand({ name: 'pipeline', variables: [{ name: 'modelPackageArn', value: 'arn:x' }] }),
    );

    const { pipelineExecution } = await aws.codepipeline.send(
      new GetPipelineExecutionCommand({ pipelineName: 'pipeline', pipelineExecutionId }),
    );
    expect(pipelineExecution).toMatchObject({
      pipelineName: 'pipeline',
      pipelineVersion: 1,
      pipelineExecutionId,
      variables: [{ name: 'modelPackageArn', resolvedValue: 'arn:x' }],
      trigger: { triggerType: 'StartPipelineExecution' },
    });
  });

  it('lists executions newest first', async () => {
    await createPipeline(aws);
    const first = await startExecution(aws);
    await aws.emulator.settle();
    const second = await startExecution(aws);

    const { pipelineExecutionSummaries } = await aws.codepipeline.send(
      new ListPipelineExecutionsCommand({ pipelineName: 'pipeline' }),
    );

    expect(pipelineExecutionSummaries?.map((s) => [s.pipelineExecutionId, s.status])).toEqual([
      [second, 'InProgress'],
      [first, 'Succeeded'],
    ]);
    expect(pipelineExecutionSummaries?.[0]?.startTime).toBeInstanceOf(Date);
  });

  it('returns the same execution for a repeated clientRequestToken', async () => {
    await createPipeline(aws);
    const start = () =>
      aws.codepipeline.send(new StartPipelineExecutionCommand({ name: 'pipeline', clientRequestToken: 'once' }));

    const [first, retry] = [await start(), await start()];

    expect(retry.pipelineExecutionId).toBe(first.pipelineExecutionId);
  });

  it('rejects an unknown pipeline and an unknown execution with typed errors', async () => {
    await createPipeline(aws);

    await expect(startExecution(aws, 'missing')).rejects.toMatchObject({ name: 'PipelineNotFoundException' });
    await expect(
      aws.codepipeline.send(new ListPipelineExecutionsCommand({ pipelineName: 'missing' })),
    ).rejects.toMatchObject({ name: 'PipelineNotFoundException' });
    await expect(executionStatus(aws, '00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      name: 'PipelineExecutionNotFoundException',
    });
  });

  it('stops an execution: Stopping then Stopped, at once when abandoned, never when finished', async () => {
    await createPipeline(aws);
    const stop = (id: string, abandon: boolean) =>
      aws.codepipeline.send(
        new StopPipelineExecutionCommand({ pipelineName: 'pipeline', pipelineExecutionId: id, abandon, reason: 'r' }),
      );

    const waited = await startExecution(aws);
    await stop(waited, false);
    expect(await executionStatus(aws, waited)).toBe('Stopping');
    await expect(stop(waited, false)).rejects.toMatchObject({ name: 'DuplicatedStopRequestException' });
    await aws.emulator.settle();
    expect(await executionStatus(aws, waited)).toBe('Stopped');
    await expect(stop(waited, true)).rejects.toMatchObject({ name: 'PipelineExecutionNotStoppableException' });

    const abandoned = await startExecution(aws);
    await stop(abandoned, true);
    expect(await executionStatus(aws, abandoned)).toBe('Stopped');
  });
});

describe('moto 5.2.1 capabilities (plain, without fill-ins)', () => {
  it('moto still lacks UpdateEndpoint: if this fails, moto fixed it, remove the fill-in', async () => {
    await createInServiceEndpoint(plainAws);

    await expect(
      plainAws.sagemaker.send(new UpdateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' })),
    ).rejects.toMatchObject(unparseable500);
  });

  it('moto still makes a new endpoint InService at once: if this fails, moto fixed it, remove the lifecycle fill-in', async () => {
    await createModelAndConfigs(plainAws);
    await plainAws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'old' }));

    expect((await describeEndpoint(plainAws)).EndpointStatus).toBe('InService');
  });

  it('moto still overwrites an endpoint on CreateEndpoint with a taken name: if this fails, moto fixed it, remove the fill-in', async () => {
    await createInServiceEndpoint(plainAws);

    await plainAws.sagemaker.send(new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'new' }));

    expect((await describeEndpoint(plainAws)).EndpointConfigName).toBe('new');
  });

  it('moto still overwrites an endpoint config with a taken name: if this fails, moto fixed it, remove the fill-in', async () => {
    await createModelAndConfigs(plainAws);

    await expect(createConfig(plainAws, 'old', [{ name: 'other' }])).resolves.toBeUndefined();
  });

  it('moto still omits the weight fields of a weight-0 variant: if this fails, moto fixed it, remove the fill-in', async () => {
    await createModel(plainAws);
    await createConfig(plainAws, 'config', [
      { name: 'blue', weight: 1 },
      { name: 'green', weight: 0 },
    ]);
    await plainAws.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'config' }),
    );

    const green = (await describeEndpoint(plainAws)).ProductionVariants?.find((v) => v.VariantName === 'green');
    expect(green).toBeDefined();
    expect(green?.CurrentWeight).toBeUndefined();
    expect(green?.DesiredWeight).toBeUndefined();
  });

  it('moto still drops ShadowProductionVariants: if this fails, moto fixed it, remove the fill-in', async () => {
    await createModel(plainAws);
    await createConfig(plainAws, 'config', [{ name: 'blue' }], [{ name: 'shadow' }]);
    await plainAws.sagemaker.send(
      new CreateEndpointCommand({ EndpointName: 'endpoint', EndpointConfigName: 'config' }),
    );

    const config = await plainAws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'config' }));
    expect(config.ShadowProductionVariants).toBeUndefined();
    expect((await describeEndpoint(plainAws)).ShadowProductionVariants).toBeUndefined();
  });

  it('moto still registers a versioned package without an approval status: if this fails, moto fixed it, remove the fill-in', async () => {
    const arn = await createModelPackage(plainAws, {});

    const created = await plainAws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect(created.ModelApprovalStatus).toBeUndefined();
  });

  it('moto still drops CustomerMetadataProperties on a status-only UpdateModelPackage: if this fails, moto fixed it, remove the fill-in', async () => {
    const arn = await createModelPackage(plainAws, { CustomerMetadataProperties: { run: '42' } });

    await plainAws.sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved' }),
    );

    const updated = await plainAws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect(updated.ModelApprovalStatus).toBe('Approved');
    expect(updated.CustomerMetadataProperties).toBeUndefined();
  });

  it('moto still drops the status on an update without one: if this fails, moto fixed it, remove the fill-in', async () => {
    const arn = await createModelPackage(plainAws, {});
    await plainAws.sagemaker.send(
      new UpdateModelPackageCommand({ ModelPackageArn: arn, ModelApprovalStatus: 'Approved' }),
    );

    await plainAws.sagemaker.send(new UpdateModelPackageCommand({ ModelPackageArn: arn, ApprovalDescription: 'why' }));

    const updated = await plainAws.sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arn }));
    expect(updated.ModelApprovalStatus).toBeUndefined();
  });

  it('moto still lacks StartPipelineExecution: if this fails, moto fixed it, remove the fill-in', async () => {
    await createPipeline(plainAws);

    await expect(startExecution(plainAws)).rejects.toMatchObject(unparseable500);
  });
});

describe('DynamoDB conditional writes fill-in', () => {
  it('lets exactly one of many concurrent conditional puts on one key win, as DynamoDB does', async () => {
    const dynamodb = new DynamoDBClient({
      endpoint: aws.emulator.endpointUrl,
      region: REGION,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'race',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );

    const writers = Array.from({ length: 24 }, (_, writer) =>
      dynamodb.send(
        new PutItemCommand({
          TableName: 'race',
          Item: { pk: { S: 'endpoint' }, writer: { N: String(writer) } },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    const results = await Promise.allSettled(writers);

    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    const losers = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
    expect(losers.every((loser) => (loser.reason as Error).name === 'ConditionalCheckFailedException')).toBe(true);
  });
});
