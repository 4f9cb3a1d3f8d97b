/**
 * Emulator fill-in for the settings SageMaker models and endpoint configs keep
 * (emulator/fill_ins/sagemaker_endpoints.py): DescribeModel and DescribeEndpointConfig
 * return what CreateModel and CreateEndpointConfig were given, and plain moto 5.2.1
 * still drops it.
 */
import {
  type ContainerDefinition,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  type CreateModelCommandInput,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../emulator/launch.ts';
import { clientConfig, IMAGE, ROLE, useEmulatorPair } from '../support/emulator-pair.ts';

interface Aws {
  emulator: EmulatorHandle;
  sagemaker: SageMakerClient;
}

let aws: Aws;
let plainAws: Aws;

function connect(emulator: EmulatorHandle): Aws {
  const config = clientConfig(emulator);
  return { emulator, sagemaker: new SageMakerClient(config) };
}

const emulators = useEmulatorPair();
beforeAll(() => {
  aws = connect(emulators().withFillIns);
  plainAws = connect(emulators().plain);
});

const createModel = ({ sagemaker }: Aws, name = 'model', extra: Partial<CreateModelCommandInput> = {}) =>
  sagemaker.send(
    new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: IMAGE }, ExecutionRoleArn: ROLE, ...extra }),
  );

const createConfig = ({ sagemaker }: Aws, name: string, extra: Partial<CreateEndpointConfigCommandInput> = {}) =>
  sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: 'blue', ModelName: 'model', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
      ...extra,
    }),
  );

describe('model and endpoint config settings fill-in', () => {
  it('DescribeModel returns EnableNetworkIsolation (false when not given) and InferenceExecutionConfig', async () => {
    await createModel(aws, 'isolated', {
      PrimaryContainer: undefined,
      Containers: [{ Image: IMAGE, ContainerHostname: 'a' }],
      EnableNetworkIsolation: true,
      InferenceExecutionConfig: { Mode: 'Direct' },
    });
    await createModel(aws, 'plain');

    const isolated = await aws.sagemaker.send(new DescribeModelCommand({ ModelName: 'isolated' }));
    expect(isolated).toMatchObject({ EnableNetworkIsolation: true, InferenceExecutionConfig: { Mode: 'Direct' } });
    const plain = await aws.sagemaker.send(new DescribeModelCommand({ ModelName: 'plain' }));
    expect(plain.EnableNetworkIsolation).toBe(false);
    expect(plain.InferenceExecutionConfig).toBeUndefined();
    await expect(
      createModel(aws, 'bad', { InferenceExecutionConfig: { Mode: 'Parallel' as 'Direct' } }),
    ).rejects.toMatchObject({ name: 'ValidationException', message: expect.stringContaining("'Parallel'") });
  });

  it("DescribeModel returns each container's ImageConfig and Environment as CreateModel was given them", async () => {
    const containers: ContainerDefinition[] = [
      {
        ContainerHostname: 'pre',
        Image: IMAGE,
        ImageConfig: {
          RepositoryAccessMode: 'Vpc',
          RepositoryAuthConfig: {
            RepositoryCredentialsProviderArn: 'arn:aws:lambda:us-east-1:123456789012:function:c',
          },
        },
        Environment: { STEP: 'pre' },
      },
      { ContainerHostname: 'model', Image: IMAGE, Environment: { STEP: 'model', WORKERS: '4' } },
    ];
    await createModel(aws, 'pipeline', { PrimaryContainer: undefined, Containers: containers });
    await createModel(aws, 'single', { PrimaryContainer: containers[0] });

    const pipeline = await aws.sagemaker.send(new DescribeModelCommand({ ModelName: 'pipeline' }));
    expect(pipeline.Containers).toEqual(containers);
    const single = await aws.sagemaker.send(new DescribeModelCommand({ ModelName: 'single' }));
    expect(single.PrimaryContainer).toEqual(containers[0]);
  });

  it('DescribeEndpointConfig returns what CreateEndpointConfig was given', async () => {
    await createModel(aws);
    const kept = {
      ExplainerConfig: { ClarifyExplainerConfig: { ShapConfig: { ShapBaselineConfig: { ShapBaseline: '1,2' } } } },
      ExecutionRoleArn: ROLE,
      VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1'] },
      EnableNetworkIsolation: true,
      DataCaptureConfig: {
        InitialSamplingPercentage: 50,
        DestinationS3Uri: 's3://bucket/capture',
        CaptureOptions: [{ CaptureMode: 'Input' as const }],
      },
      KmsKeyId: 'key',
      AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://bucket/out' } },
    };
    const { EndpointConfigArn } = await createConfig(aws, 'config', {
      ...kept,
      Tags: [{ Key: 'team', Value: 'ml' }],
    });

    const config = await aws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'config' }));
    expect(config).toMatchObject({
      ...kept,
      ProductionVariants: [{ VariantName: 'blue', ModelName: 'model', InstanceType: 'ml.m5.large' }],
    });
    const tags = await aws.sagemaker.send(new ListTagsCommand({ ResourceArn: EndpointConfigArn }));
    expect(tags.Tags).toEqual([{ Key: 'team', Value: 'ml' }]);
  });
});

describe('moto 5.2.1 capabilities (plain, without fill-ins)', () => {
  const fixed = 'if this fails, moto fixed it, remove the fill-in';

  it(`moto still drops a model's EnableNetworkIsolation: ${fixed}`, async () => {
    await createModel(plainAws, 'model', { EnableNetworkIsolation: true });

    const model = await plainAws.sagemaker.send(new DescribeModelCommand({ ModelName: 'model' }));
    expect(model.EnableNetworkIsolation).toBe(false);
  });

  it("moto keeps a container's ImageConfig and every container's Environment: if this fails, fill them in", async () => {
    const containers: ContainerDefinition[] = [
      { Image: IMAGE, ImageConfig: { RepositoryAccessMode: 'Vpc' }, Environment: { STEP: 'pre' } },
      { Image: IMAGE, Environment: { STEP: 'model' } },
    ];
    await createModel(plainAws, 'pipeline', { PrimaryContainer: undefined, Containers: containers });
    await createModel(plainAws, 'single', { PrimaryContainer: containers[0] });

    const pipeline = await plainAws.sagemaker.send(new DescribeModelCommand({ ModelName: 'pipeline' }));
    expect(pipeline.Containers).toEqual(containers);
    const single = await plainAws.sagemaker.send(new DescribeModelCommand({ ModelName: 'single' }));
    expect(single.PrimaryContainer).toEqual(containers[0]);
  });

  it(`moto still drops an endpoint config's ExplainerConfig: ${fixed}`, async () => {
    await createModel(plainAws);
    await createConfig(plainAws, 'config', {
      ExplainerConfig: { ClarifyExplainerConfig: { ShapConfig: { ShapBaselineConfig: { ShapBaseline: '1' } } } },
    });

    const config = await plainAws.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'config' }));
    expect(config.ExplainerConfig).toBeUndefined();
  });
});
