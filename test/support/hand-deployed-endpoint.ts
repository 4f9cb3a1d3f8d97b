import {
  type ContainerDefinition,
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeModelPackageCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';

const sagemaker = new SageMakerClient({});

/** The container of a registered version, as a team would copy it into a model of its own: image and artifact. */
export async function imageAndArtifactOf(packageArn: string): Promise<ContainerDefinition> {
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
  const [container] = described.InferenceSpecification?.Containers ?? [];
  return { Image: container?.Image, ModelDataUrl: container?.ModelDataUrl };
}

/**
 * An endpoint a team deployed by hand, before the stack: one model of the given container (a package's, or an
 * image and an artifact), one variant serving all of the traffic. `settle` finishes its creation.
 */
export async function deployByHand(
  endpointName: string,
  container: ContainerDefinition,
  settle: () => Promise<void>,
): Promise<void> {
  const modelName = `${endpointName}-by-hand`;
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: modelName,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      PrimaryContainer: container,
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpointName}-by-hand`,
      ProductionVariants: [
        {
          VariantName: 'main',
          ModelName: modelName,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
          InitialVariantWeight: 1,
        },
      ],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({ EndpointName: endpointName, EndpointConfigName: `${endpointName}-by-hand` }),
  );
  await settle();
}
