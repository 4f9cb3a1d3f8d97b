// What a rollout copies from what serves, so no setting people configured is dropped: every field of
// the incumbent's endpoint config, of its primary variant and of its model is carried to the configs
// and the model we write, except the few that name the incumbent itself (the model: challenger-model.ts).
// What cannot be carried refuses the rollout with the field's name. Pure.
import { type GroupPolicy, type ServerlessTarget, targetOf } from '#shared/policy/policy-schema.ts';
import type { DescribedModel, ObservedEndpoint, ObservedIncumbent } from '#shared/rollout/observed-state.ts';
import type { ChallengerPlan, Tag, VariantSpec } from '#shared/rollout/rollout-state.ts';
import { challengerModel, containerRefusal } from './challenger-model.ts';

/** The containers of the package's inference specification, in order, as DescribeModelPackage gives them. */
export type PackageContainers = readonly Readonly<Record<string, unknown>>[];

// Fields that identify a variant or size it; everything else (InstanceType, VolumeSizeInGB,
// ModelDataDownloadTimeoutInSeconds, RoutingConfig, ManagedInstanceScaling...) is the challenger's too.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariant.html
const variantIdentity = ['VariantName', 'ModelName', 'InitialInstanceCount', 'InitialVariantWeight'];

export interface IncumbentPlan {
  readonly incumbentVariants: readonly VariantSpec[];
  readonly incumbentInstanceCounts: Readonly<Record<string, number>>;
  readonly challenger: ChallengerPlan;
}

function omit(fields: Readonly<Record<string, unknown>>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !names.includes(name)));
}

/** Tags with the `aws:` prefix are AWS's own: they cannot be set, so they are not copied. */
export function userTags(tags: readonly Tag[]): Tag[] {
  return tags.filter((tag) => !tag.Key.startsWith('aws:'));
}

/** CreateEndpointConfig's ProductionVariantServerlessConfig from the policy's `serverless`. */
export function serverlessConfigOf(target: ServerlessTarget): Record<string, number> {
  return {
    MemorySizeInMB: target.memorySizeInMB,
    MaxConcurrency: target.maxConcurrency,
    ...(target.provisionedConcurrency === undefined ? {} : { ProvisionedConcurrency: target.provisionedConcurrency }),
  };
}

/**
 * A first deployment has no incumbent: the policy describes the whole of it, with the package's containers
 * (absent until the rollout starts and reads them).
 */
export function firstDeploymentPlan(group: GroupPolicy, packageContainers?: PackageContainers): ChallengerPlan {
  const target = targetOf(group);
  const common = {
    configSettings: {},
    configTags: [],
    ...challengerModel(group, undefined, packageContainers),
    modelTags: [],
    capacity: 'full',
  } as const;
  if (target.kind === 'multi-model' || target.kind === 'batch-transform' || target.kind === 'inference-component') {
    // Its model is an artifact under the shared prefix, the model of a job or of a component: no variant of its own.
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
  return containerRefusal(model);
}

/** What the new model carries from the incumbent's (see challenger-model.ts), and the incumbent model's tags. */
export function modelCarryOver(
  group: GroupPolicy,
  model: DescribedModel,
  packageContainers: PackageContainers | undefined,
): Pick<ChallengerPlan, 'modelSettings' | 'containerSettings' | 'containers' | 'modelTags'> {
  return { ...challengerModel(group, model, packageContainers), modelTags: userTags(model.tags) };
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
  packageContainers?: PackageContainers,
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
      ...modelCarryOver(group, primaryModel, packageContainers),
      baselineInstanceCount: Math.max(1, baselineInstanceCount),
      capacity: group.rollout.capacity,
      minInstanceCount: group.rollout.challenger.minInstanceCount,
    },
  };
}
