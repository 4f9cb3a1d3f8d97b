// What a serverless rollout carries over from what serves: the config's settings and tags, the variant's
// fields (its name kept: guardrails require the new config to keep it), the model's settings and tags.
// The policy's `serverless` sets the memory and concurrency. Pure.
import type { GroupPolicy, ServerlessTarget } from '#shared/policy/policy-schema.ts';
import type { ObservedIncumbent } from '#shared/rollout/observed-state.ts';
import type { ChallengerPlan, Rollout, VariantSpec } from '#shared/rollout/rollout-state.ts';
import type { EndpointConfigPlan } from '#shared/targets/endpoints/endpoint-configs.ts';
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
