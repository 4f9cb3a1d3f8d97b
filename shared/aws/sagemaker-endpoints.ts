import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  type CreateEndpointConfigCommandInput,
  CreateModelCommand,
  type CreateModelCommandInput,
  DeleteEndpointConfigCommand,
  DeleteModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  UpdateEndpointCommand,
  type UpdateEndpointCommandInput,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import type {
  DescribedEndpointConfig,
  DescribedModel,
  EndpointStatus,
  ObservedEndpoint,
} from '#shared/rollout/observed-state.ts';
import type { Tag, VariantSpec } from '#shared/rollout/rollout-state.ts';
import type { EndpointConfigPlan, ModelPlan, VariantCapacity, VariantWeight } from '#shared/rollout/rollout-step.ts';
import { modelOwnership, withStackTag } from '#shared/rollout/stack-ownership.ts';
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
      ...(endpoint.EndpointArn === undefined ? {} : { arn: endpoint.EndpointArn }),
      status: endpoint.EndpointStatus as EndpointStatus,
      configName: endpoint.EndpointConfigName ?? '',
      variants: (endpoint.ProductionVariants ?? []).map((variant) => ({
        VariantName: variant.VariantName ?? '',
        weight: variant.CurrentWeight ?? 0,
        ...(variant.CurrentInstanceCount === undefined ? {} : { currentInstanceCount: variant.CurrentInstanceCount }),
      })),
      shadowVariants: (endpoint.ShadowProductionVariants ?? []).map((variant) => variant.VariantName ?? ''),
      failureReason: endpoint.FailureReason,
      lastModifiedTime: (endpoint.LastModifiedTime ?? endpoint.CreationTime ?? new Date(0)).toISOString(),
      ...(endpoint.PendingDeploymentSummary?.EndpointConfigName === undefined
        ? {}
        : { pendingConfigName: endpoint.PendingDeploymentSummary.EndpointConfigName }),
    };
  } catch (error) {
    if (isValidation(error, notFound)) return undefined;
    throw error;
  }
}

export async function listTags(resourceArn: string | undefined): Promise<Tag[]> {
  if (resourceArn === undefined) return [];
  const listed = await sagemaker.send(new ListTagsCommand({ ResourceArn: resourceArn, MaxResults: 100 }));
  return (listed.Tags ?? []).flatMap((tag) =>
    tag.Key === undefined ? [] : [{ Key: tag.Key, Value: tag.Value ?? '' }],
  );
}

/** Every field of the config: a rollout carries them all (see rollout/incumbent-settings.ts). */
export async function describeEndpointConfig(configName: string): Promise<DescribedEndpointConfig> {
  const {
    $metadata,
    EndpointConfigName,
    EndpointConfigArn,
    CreationTime,
    ProductionVariants,
    ShadowProductionVariants,
    ...settings
  } = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
  const asSpecs = (variants: typeof ProductionVariants) =>
    (variants ?? []).map((variant) => ({ ...variant, VariantName: variant.VariantName ?? '' }) as VariantSpec);
  return {
    variants: asSpecs(ProductionVariants),
    shadowVariants: asSpecs(ShadowProductionVariants),
    settings,
    tags: await listTags(EndpointConfigArn),
  };
}

/** Every field of the model and its tags; undefined when it does not exist. */
export async function describeModel(modelName: string): Promise<DescribedModel | undefined> {
  try {
    const { $metadata, ModelArn, CreationTime, ...fields } = await sagemaker.send(
      new DescribeModelCommand({ ModelName: modelName }),
    );
    return { fields, tags: await listTags(ModelArn) };
  } catch (error) {
    if (isValidation(error, notFound)) return undefined;
    throw error;
  }
}

export async function createModelFromPackage(writer: Writer, model: ModelPlan, stackName: string) {
  const input = {
    ...model.modelSettings,
    ModelName: model.modelName,
    ExecutionRoleArn: model.roleArn,
    // A pipeline's containers as the package lists them; else the package's one container, by its name.
    ...(model.containers === undefined
      ? { PrimaryContainer: { ...model.containerSettings, ModelPackageName: model.packageArn } }
      : { Containers: model.containers.map((container) => ({ ...container })) }),
    Tags: withStackTag(model.tags, stackName),
  } as CreateModelCommandInput;
  await writer.write({ service: 'sagemaker', operation: 'CreateModel', input }, async () => {
    try {
      await sagemaker.send(new CreateModelCommand(input));
    } catch (error) {
      if (!isValidation(error, alreadyExists)) throw error;
      // A retried step finds its own model; a model of the same name made by anyone else is never used.
      const existing = await describeModel(model.modelName);
      const owner = existing && modelOwnership(existing, stackName, model.packageArn);
      if (owner?.by !== 'this rollout') {
        throw new Error(`model ${model.modelName} exists and is not this rollout's (${owner?.why ?? 'gone since'})`);
      }
    }
  });
}

export async function createEndpointConfig(writer: Writer, plan: EndpointConfigPlan, stackName: string) {
  const input = {
    // The incumbent config's fields (data capture, KMS key...), as DescribeEndpointConfig gave them.
    ...plan.settings,
    EndpointConfigName: plan.configName,
    ProductionVariants: plan.variants,
    ...(plan.shadowVariants.length > 0 ? { ShadowProductionVariants: plan.shadowVariants } : {}),
    Tags: withStackTag(plan.tags, stackName),
    // Incumbent variants are copied field for field from DescribeEndpointConfig, which has the same shape.
  } as unknown as CreateEndpointConfigCommandInput;
  await writer.write({ service: 'sagemaker', operation: 'CreateEndpointConfig', input }, () =>
    tolerate(() => sagemaker.send(new CreateEndpointConfigCommand(input)), alreadyExists),
  );
}

export async function createEndpoint(writer: Writer, endpointName: string, configName: string, stackName: string) {
  const input = { EndpointName: endpointName, EndpointConfigName: configName, Tags: withStackTag([], stackName) };
  await writer.write({ service: 'sagemaker', operation: 'CreateEndpoint', input }, () =>
    tolerate(() => sagemaker.send(new CreateEndpointCommand(input)), alreadyExists),
  );
}

/**
 * Variants the new config shares with the endpoint keep their live instance counts (auto scaling may
 * have moved them far from the config's InitialInstanceCount), and with `keepWeights` their live
 * weights; otherwise weights come from the config, as data capture always does.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
 */
export async function updateEndpoint(writer: Writer, endpointName: string, configName: string, keepWeights = false) {
  const input = {
    EndpointName: endpointName,
    EndpointConfigName: configName,
    RetainAllVariantProperties: true,
    ExcludeRetainedVariantProperties: [
      ...(keepWeights ? [] : [{ VariantPropertyType: 'DesiredWeight' as const }]),
      { VariantPropertyType: 'DataCaptureConfig' as const },
    ],
  };
  await writer.write({ service: 'sagemaker', operation: 'UpdateEndpoint', input }, () =>
    sagemaker.send(new UpdateEndpointCommand(input)),
  );
}

/**
 * Weights move traffic in seconds; instance counts add or remove instances of a variant, in one request.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpointWeightsAndCapacities.html
 */
export async function setWeightsAndCapacities(
  writer: Writer,
  endpointName: string,
  weights: readonly VariantWeight[],
  capacities: readonly VariantCapacity[] = [],
) {
  const names = [...new Set([...weights, ...capacities].map((variant) => variant.VariantName))];
  const desired = names.map((VariantName) => ({
    VariantName,
    ...(weights.find((weight) => weight.VariantName === VariantName) ?? {}),
    ...(capacities.find((capacity) => capacity.VariantName === VariantName) ?? {}),
  }));
  const input = { EndpointName: endpointName, DesiredWeightsAndCapacities: desired };
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

/**
 * A blue/green deployment that SageMaker carries out: it shifts the traffic by the DeploymentConfig's
 * routing, watches its alarms and rolls back by itself.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateEndpoint.html
 */
export async function deployWithGuardrails(
  writer: Writer,
  endpointName: string,
  configName: string,
  deploymentConfig: Readonly<Record<string, unknown>>,
) {
  const input = {
    EndpointName: endpointName,
    EndpointConfigName: configName,
    DeploymentConfig: deploymentConfig,
  } as unknown as UpdateEndpointCommandInput;
  await writer.write({ service: 'sagemaker', operation: 'UpdateEndpoint', input }, () =>
    sagemaker.send(new UpdateEndpointCommand(input)),
  );
}
