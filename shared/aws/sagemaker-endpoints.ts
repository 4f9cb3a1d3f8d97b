import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  UpdateEndpointCommand,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import type { EndpointConfigPlan } from '#shared/rollout/endpoint-configs.ts';
import type { EndpointStatus, ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import type { VariantSpec } from '#shared/rollout/rollout-state.ts';
import type { VariantWeight } from '#shared/rollout/traffic-split.ts';
import type { Writer } from './aws-writes.ts';
import { sagemaker } from './sagemaker.ts';

// SageMaker answers ValidationException for both; only the message tells them apart.
const notFound = /could not find/i;
const alreadyExists = /already exist/i;

function isValidation(error: unknown, message: RegExp): boolean {
  return (error as Error).name === 'ValidationException' && message.test((error as Error).message);
}

/** Creating something that exists is success: a retried step re-sends its creates. */
async function tolerate(send: () => Promise<unknown>, message: RegExp): Promise<void> {
  try {
    await send();
  } catch (error) {
    if (!isValidation(error, message)) throw error;
  }
}

export async function describeEndpoint(endpointName: string): Promise<ObservedEndpoint | undefined> {
  try {
    const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName }));
    return {
      status: endpoint.EndpointStatus as EndpointStatus,
      configName: endpoint.EndpointConfigName ?? '',
      variants: (endpoint.ProductionVariants ?? []).map((variant) => ({
        VariantName: variant.VariantName ?? '',
        weight: variant.CurrentWeight ?? 0,
      })),
      shadowVariants: (endpoint.ShadowProductionVariants ?? []).map((variant) => variant.VariantName ?? ''),
      failureReason: endpoint.FailureReason,
      lastModifiedTime: (endpoint.LastModifiedTime ?? endpoint.CreationTime ?? new Date(0)).toISOString(),
    };
  } catch (error) {
    if (isValidation(error, notFound)) return undefined;
    throw error;
  }
}

export async function describeConfigVariants(configName: string): Promise<VariantSpec[]> {
  const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  return (config.ProductionVariants ?? []).map((variant) => ({ ...variant, VariantName: variant.VariantName ?? '' }));
}

export async function createModelFromPackage(writer: Writer, modelName: string, packageArn: string, roleArn: string) {
  const input = { ModelName: modelName, ExecutionRoleArn: roleArn, PrimaryContainer: { ModelPackageName: packageArn } };
  await writer.write({ service: 'sagemaker', operation: 'CreateModel', input }, () =>
    tolerate(() => sagemaker.send(new CreateModelCommand(input)), alreadyExists),
  );
}

export async function createEndpointConfig(writer: Writer, plan: EndpointConfigPlan) {
  const input = {
    EndpointConfigName: plan.configName,
    ProductionVariants: plan.variants,
    ...(plan.shadowVariants.length > 0 ? { ShadowProductionVariants: plan.shadowVariants } : {}),
    // Incumbent variants are copied field for field from DescribeEndpointConfig, which has the same shape.
  } as unknown as CreateEndpointConfigCommandInput;
  await writer.write({ service: 'sagemaker', operation: 'CreateEndpointConfig', input }, () =>
    tolerate(() => sagemaker.send(new CreateEndpointConfigCommand(input)), alreadyExists),
  );
}

export async function createEndpoint(writer: Writer, endpointName: string, configName: string) {
  const input = { EndpointName: endpointName, EndpointConfigName: configName };
  await writer.write({ service: 'sagemaker', operation: 'CreateEndpoint', input }, () =>
    tolerate(() => sagemaker.send(new CreateEndpointCommand(input)), alreadyExists),
  );
}

export async function updateEndpoint(writer: Writer, endpointName: string, configName: string) {
  const input = { EndpointName: endpointName, EndpointConfigName: configName };
  await writer.write({ service: 'sagemaker', operation: 'UpdateEndpoint', input }, () =>
    sagemaker.send(new UpdateEndpointCommand(input)),
  );
}

/** Traffic moves in seconds with no new instances: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html */
export async function setTrafficWeights(writer: Writer, endpointName: string, weights: readonly VariantWeight[]) {
  const input = { EndpointName: endpointName, DesiredWeightsAndCapacities: [...weights] };
  await writer.write({ service: 'sagemaker', operation: 'UpdateEndpointWeightsAndCapacities', input }, () =>
    sagemaker.send(new UpdateEndpointWeightsAndCapacitiesCommand(input)),
  );
}

export async function deleteModel(writer: Writer, modelName: string) {
  const input = { ModelName: modelName };
  await writer.write({ service: 'sagemaker', operation: 'DeleteModel', input }, () =>
    tolerate(() => sagemaker.send(new DeleteModelCommand(input)), notFound),
  );
}

export async function deleteEndpointConfig(writer: Writer, configName: string) {
  const input = { EndpointConfigName: configName };
  await writer.write({ service: 'sagemaker', operation: 'DeleteEndpointConfig', input }, () =>
    tolerate(() => sagemaker.send(new DeleteEndpointConfigCommand(input)), notFound),
  );
}
