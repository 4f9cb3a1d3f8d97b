// What a rollout copies from what serves, so no setting people configured is dropped: every field of
// the incumbent's endpoint config, of its primary variant and of its model is carried to the configs
// and the model we write, except the few that name the incumbent itself. What cannot be carried
// refuses the rollout with the field's name. Pure.
import { type GroupPolicy, type ServerlessTarget, targetOf } from '#shared/policy/policy-schema.ts';
import type { DescribedModel, ObservedEndpoint, ObservedIncumbent } from './observed-state.ts';
import type { ChallengerPlan, Tag, VariantSpec } from './rollout-state.ts';

// Fields that identify a variant or size it; everything else (InstanceType, VolumeSizeInGB,
// ModelDataDownloadTimeoutInSeconds, RoutingConfig, ManagedInstanceScaling...) is the challenger's too.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
const variantIdentity = ['VariantName', 'ModelName', 'InitialInstanceCount', 'InitialVariantWeight'];
// CreateModel fields that the new version brings itself, or that the policy decides (the role:
// iam:PassRole allows only the policy's). https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html
const modelIdentity = ['ModelName', 'ModelArn', 'CreationTime', 'PrimaryContainer', 'Containers', 'ExecutionRoleArn'];
// Output-only fields of DescribeModel that CreateModel does not take.
const modelOutputOnly = ['DeploymentRecommendation'];
// Container fields that name the model's image and artifacts: the new package brings its own.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
const containerIdentity = [
  'Image',
  'ImageConfig',
  'ModelDataUrl',
  'ModelDataSource',
  'AdditionalModelDataSources',
  'ModelPackageName',
  'InferenceSpecificationName',
];

export interface IncumbentPlan {
  readonly incumbentVariants: readonly VariantSpec[];
  readonly incumbentInstanceCounts: Readonly<Record<string, number>>;
  readonly challenger: ChallengerPlan;
}

function omit(fields: Readonly<Record<string, unknown>>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !names.includes(name)));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Tags with the `aws:` prefix are AWS's own: they cannot be set, so they are not copied. */
export function userTags(tags: readonly Tag[]): Tag[] {
  return tags.filter((tag) => !tag.Key.startsWith('aws:'));
}

/** The policy's `model` overrides over what the incumbent model had (or nothing, for a first deployment). */
function modelOverrides(group: GroupPolicy, incumbentContainer: Record<string, unknown>) {
  const { environment, vpcConfig, enableNetworkIsolation } = group.model;
  const incumbentEnvironment = isRecord(incumbentContainer.Environment) ? incumbentContainer.Environment : {};
  const mergedEnvironment = { ...incumbentEnvironment, ...environment };
  return {
    model: {
      ...(vpcConfig === undefined
        ? {}
        : { VpcConfig: { SecurityGroupIds: vpcConfig.securityGroupIds, Subnets: vpcConfig.subnets } }),
      ...(enableNetworkIsolation === undefined ? {} : { EnableNetworkIsolation: enableNetworkIsolation }),
    },
    container: Object.keys(mergedEnvironment).length > 0 ? { Environment: mergedEnvironment } : {},
  };
}

/** CreateEndpointConfig's ProductionVariantServerlessConfig from the policy's `serverless`. */
export function serverlessConfigOf(target: ServerlessTarget): Record<string, number> {
  return {
    MemorySizeInMB: target.memorySizeInMB,
    MaxConcurrency: target.maxConcurrency,
    ...(target.provisionedConcurrency === undefined ? {} : { ProvisionedConcurrency: target.provisionedConcurrency }),
  };
}

/** A first deployment has no incumbent: the policy describes the whole of it. */
export function firstDeploymentPlan(group: GroupPolicy): ChallengerPlan {
  const overrides = modelOverrides(group, {});
  const target = targetOf(group);
  const common = {
    configSettings: {},
    configTags: [],
    modelSettings: overrides.model,
    containerSettings: overrides.container,
    modelTags: [],
    capacity: 'full',
  } as const;
  if (target.kind === 'multi-model' || target.kind === 'batch-transform') {
    // Its model is an artifact under the shared prefix, or the model of a job: no variant of its own.
    return { ...common, variantSettings: {}, baselineInstanceCount: 0, minInstanceCount: 0 };
  }
  if (target.kind === 'serverless') {
    // No instances: SageMaker scales a serverless variant by its concurrency.
    return {
      ...common,
      variantSettings: { ServerlessConfig: serverlessConfigOf(target) },
      baselineInstanceCount: 0,
      minInstanceCount: 0,
    };
  }
  return {
    ...common,
    variantSettings: { InstanceType: target.instanceType },
    baselineInstanceCount: target.initialInstanceCount,
    minInstanceCount: target.initialInstanceCount,
  };
}

/** Why the incumbent cannot be rolled over by a second variant; undefined when it can. */
function refusal(incumbent: ObservedIncumbent, primaryModel: DescribedModel | undefined): string | undefined {
  const { config } = incumbent;
  if (config.shadowVariants.length > 0) {
    return 'its endpoint config has ShadowProductionVariants (a shadow test is running): end it first';
  }
  const serverless = config.variants.find((variant) => variant.ServerlessConfig !== undefined);
  if (serverless !== undefined) {
    // https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html#serverless-endpoints-how-it-works-exclusions
    return `variant ${serverless.VariantName} has a ServerlessConfig: a serverless endpoint cannot hold a second production variant`;
  }
  const withoutModel = config.variants.find((variant) => variant.ModelName === undefined);
  if (withoutModel !== undefined) {
    return `variant ${withoutModel.VariantName} has no ModelName (inference components are not supported)`;
  }
  return modelRefusal(primaryModel);
}

/** Why the incumbent's model cannot be carried to a new version's; undefined when it can. */
export function modelRefusal(model: DescribedModel | undefined): string | undefined {
  if (model === undefined) return 'the model of its primary variant no longer exists';
  const container = isRecord(model.fields.PrimaryContainer) ? model.fields.PrimaryContainer : {};
  if (container.Mode === 'MultiModel') return 'its model has PrimaryContainer.Mode MultiModel (a multi-model endpoint)';
  return undefined;
}

/** What the new model carries from the incumbent's: every field but identity, with the policy's `model` overrides. */
export function modelCarryOver(
  group: GroupPolicy,
  model: DescribedModel,
): Pick<ChallengerPlan, 'modelSettings' | 'containerSettings' | 'modelTags'> {
  const container = isRecord(model.fields.PrimaryContainer) ? model.fields.PrimaryContainer : {};
  const overrides = modelOverrides(group, container);
  return {
    modelSettings: { ...omit(model.fields, [...modelIdentity, ...modelOutputOnly]), ...overrides.model },
    containerSettings: { ...omit(container, containerIdentity), ...overrides.container },
    modelTags: userTags(model.tags),
  };
}

// The fields of a package's container that make a model's container: what runs and what it loads.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackageContainerDefinition.html
const pipelineContainerFields = ['ContainerHostname', 'Image', 'ModelDataUrl', 'ModelDataSource', 'Environment'];

/**
 * A package with several containers becomes a model with Containers in the package's order, run Serial
 * (an inference pipeline) or Direct as the policy says, else as the incumbent model ran, else Serial. The
 * policy's environment is merged into each container's. One container: the plan as it is.
 * https://docs.aws.amazon.com/sagemaker/latest/dg/inference-pipelines.html
 */
export function withPackageContainers(
  group: GroupPolicy,
  plan: ChallengerPlan,
  packageContainers: readonly Readonly<Record<string, unknown>>[] | undefined,
): ChallengerPlan {
  if (packageContainers === undefined || packageContainers.length < 2) return plan;
  const environment = group.model.environment ?? {};
  const containers = packageContainers.map((container) => {
    const fields = Object.fromEntries(
      Object.entries(container).filter(([name]) => pipelineContainerFields.includes(name)),
    );
    const own = isRecord(fields.Environment) ? fields.Environment : {};
    const merged = { ...own, ...environment };
    return Object.keys(merged).length > 0 ? { ...fields, Environment: merged } : fields;
  });
  const incumbentMode = isRecord(plan.modelSettings.InferenceExecutionConfig)
    ? plan.modelSettings.InferenceExecutionConfig.Mode
    : undefined;
  const mode = group.model.inferenceExecution ?? incumbentMode ?? 'Serial';
  return { ...plan, containers, modelSettings: { ...plan.modelSettings, InferenceExecutionConfig: { Mode: mode } } };
}

/** A variant's fields besides those that identify or size it. */
export function variantSettingsOf(variant: VariantSpec): Record<string, unknown> {
  return omit(variant, variantIdentity);
}

/** The variant with the largest live weight: the new version takes its settings. */
function primaryVariant(variants: readonly VariantSpec[], endpoint: ObservedEndpoint): VariantSpec | undefined {
  const weightOf = (name: string) => endpoint.variants.find((variant) => variant.VariantName === name)?.weight ?? 0;
  return [...variants].sort((a, b) => weightOf(b.VariantName) - weightOf(a.VariantName))[0];
}

/**
 * The incumbent's variants (kept exactly, on their live weights), their live instance counts, and the plan of the new version:
 * the primary variant's settings, the config's settings and tags, the model's settings and tags, with
 * the policy's overrides. Returns a refusal naming what cannot be carried over.
 */
export function planFromIncumbent(
  group: GroupPolicy,
  incumbent: ObservedIncumbent,
  endpoint: ObservedEndpoint,
): IncumbentPlan | { readonly refused: string } {
  const variants = incumbent.config.variants;
  const primary = primaryVariant(variants, endpoint);
  if (primary === undefined) return { refused: 'its endpoint config has no production variant' };
  const primaryModel = primary.ModelName === undefined ? undefined : incumbent.models[primary.ModelName];
  const refused = refusal(incumbent, primaryModel);
  if (refused !== undefined || primaryModel === undefined) return { refused: refused ?? 'no model' };

  const live = new Map(endpoint.variants.map((variant) => [variant.VariantName, variant]));
  // Kept exactly as configured, except for their weights: the live ones (people may have moved them
  // since the config was written), so the canary shares the rest of the traffic the way it is shared now.
  const incumbentVariants = variants.map((variant) => ({
    ...variant,
    InitialVariantWeight: live.get(variant.VariantName)?.weight ?? variant.InitialVariantWeight,
  }));
  const counts = Object.fromEntries(
    endpoint.variants.map((variant) => [variant.VariantName, variant.currentInstanceCount ?? 0]),
  );
  const incumbentInstanceCounts = Object.fromEntries(
    variants.map((variant) => [variant.VariantName, counts[variant.VariantName] ?? variant.InitialInstanceCount ?? 0]),
  );
  const serving = endpoint.variants.filter(
    (variant) => variant.weight > 0 && variants.some((spec) => spec.VariantName === variant.VariantName),
  );
  const baselineInstanceCount = serving.reduce((sum, variant) => sum + (variant.currentInstanceCount ?? 0), 0);

  const instanceType = group.rollout.challenger.instanceType;
  return {
    incumbentVariants,
    incumbentInstanceCounts,
    challenger: {
      variantSettings: {
        ...omit(primary, variantIdentity),
        ...(instanceType === undefined ? {} : { InstanceType: instanceType }),
      },
      configSettings: incumbent.config.settings,
      configTags: userTags(incumbent.config.tags),
      ...modelCarryOver(group, primaryModel),
      baselineInstanceCount: Math.max(1, baselineInstanceCount),
      capacity: group.rollout.capacity,
      minInstanceCount: group.rollout.challenger.minInstanceCount,
    },
  };
}
