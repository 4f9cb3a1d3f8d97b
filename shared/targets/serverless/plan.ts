// What a serverless rollout carries over from what serves: the config's settings and tags, the variant's
// fields (its name kept: guardrails require the new config to keep it), the model's settings and tags.
// The policy's `serverless` sets the memory and concurrency. Pure.
import type { GroupPolicy, ServerlessTarget } from '#shared/policy/policy-schema.ts';
import { serverlessExclusion } from '#shared/policy/serverless-schema.ts';
import type { DescribedEndpointConfig, DescribedModel, ObservedIncumbent } from '#shared/rollout/observed-state.ts';
import type { ChallengerPlan, Rollout, VariantSpec } from '#shared/rollout/rollout-state.ts';
import type { EndpointConfigPlan } from '#shared/rollout/rollout-step.ts';
import { containersOf } from '#shared/targets/endpoints/challenger-model.ts';
import {
  modelCarryOver,
  modelRefusal,
  type PackageContainers,
  serverlessConfigOf,
  userTags,
  variantSettingsOf,
} from '#shared/targets/endpoints/incumbent-settings.ts';

/** The variant name of a first serverless deployment, kept by every version after it. */
export const firstServerlessVariant = 'AllTraffic';

export interface ServerlessPlan {
  readonly variantName: string;
  readonly incumbentVariant: VariantSpec;
  readonly challenger: ChallengerPlan;
}

/** The serverless config of the new version: one variant, the incumbent's name, its own model. */
export function serverlessConfig(rollout: Rollout, configName: string): EndpointConfigPlan {
  const { configSettings: settings, configTags: tags, variantSettings } = rollout.challenger;
  const variant = { ...variantSettings, VariantName: rollout.challengerVariant, ModelName: rollout.challengerModel };
  return { configName, variants: [variant], shadowVariants: [], settings, tags };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isSet = (value: unknown) => isRecord(value) && Object.keys(value).length > 0;

/**
 * What the new version would carry into a serverless endpoint that Serverless Inference does not support
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html#serverless-endpoints-how-it-works-exclusions;
 * AWS's list is quoted in policy/serverless-schema.ts): the incumbent config's data capture, the incumbent
 * model's VPC, network isolation, private registry or pipeline, or a package of several containers. SageMaker
 * would refuse the new config; refused here first, naming the field, with the endpoint untouched.
 */
function exclusionRefusal(
  config: DescribedEndpointConfig,
  model: DescribedModel,
  packageContainers: PackageContainers | undefined,
): string | undefined {
  // An empty one is none: the emulator (moto) answers DataCaptureConfig and VpcConfig {} where SageMaker has none.
  if (isSet(config.settings.DataCaptureConfig)) {
    return `its endpoint config has DataCaptureConfig, which the new config would carry: ${serverlessExclusion('dataCapture')}`;
  }
  const { VpcConfig: vpc, EnableNetworkIsolation: isolation, InferenceExecutionConfig: execution } = model.fields;
  if (isSet(vpc)) {
    return `its model has VpcConfig: ${serverlessExclusion('vpcConfig')}`;
  }
  if (isolation === true) return `its model has EnableNetworkIsolation: ${serverlessExclusion('networkIsolation')}`;
  const containers = containersOf(model);
  if (containers.length > 1) {
    return `its model has ${containers.length} Containers (an inference pipeline): ${serverlessExclusion('inferencePipelines')}`;
  }
  if (execution !== undefined) {
    return `its model has InferenceExecutionConfig (an inference pipeline's): ${serverlessExclusion('inferencePipelines')}`;
  }
  const privateRegistry = containers.find(
    ({ fields }) => isRecord(fields.ImageConfig) && fields.ImageConfig.RepositoryAccessMode === 'Vpc',
  );
  if (privateRegistry !== undefined) {
    return `its model has ${privateRegistry.path}.ImageConfig.RepositoryAccessMode Vpc: ${serverlessExclusion('privateDockerRegistries')}`;
  }
  if (packageContainers !== undefined && packageContainers.length > 1) {
    return `the package has ${packageContainers.length} containers (an inference pipeline): ${serverlessExclusion('inferencePipelines')}`;
  }
  return undefined;
}

export function planFromServerlessIncumbent(
  group: GroupPolicy,
  target: ServerlessTarget,
  incumbent: ObservedIncumbent,
  packageContainers?: PackageContainers,
): ServerlessPlan | { readonly refused: string } {
  const { variants, shadowVariants } = incumbent.config;
  const [variant, ...others] = variants;
  if (variant === undefined) return { refused: 'its endpoint config has no production variant' };
  if (others.length > 0 || shadowVariants.length > 0) {
    return { refused: 'it has more than one variant: a serverless rollout replaces its one variant' };
  }
  if (variant.ServerlessConfig === undefined) {
    return { refused: `variant ${variant.VariantName} runs on instances, not serverless: give the group instanceType` };
  }
  const model = variant.ModelName === undefined ? undefined : incumbent.models[variant.ModelName];
  const refused = modelRefusal(model);
  if (refused !== undefined || model === undefined) return { refused: refused ?? 'no model' };
  const excluded = exclusionRefusal(incumbent.config, model, packageContainers);
  if (excluded !== undefined) return { refused: excluded };
  return {
    variantName: variant.VariantName,
    incumbentVariant: variant,
    challenger: {
      variantSettings: { ...variantSettingsOf(variant), ServerlessConfig: serverlessConfigOf(target) },
      configSettings: incumbent.config.settings,
      configTags: userTags(incumbent.config.tags),
      ...modelCarryOver(group, model, packageContainers),
      baselineInstanceCount: 0,
      capacity: 'full',
      minInstanceCount: 0,
    },
  };
}
