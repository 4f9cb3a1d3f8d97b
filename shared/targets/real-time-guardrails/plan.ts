// What a real-time rollout through SageMaker's guardrails carries over from what serves: ONE production
// variant of the incumbent variant's name (guardrails require the new config to keep it), every setting of
// that variant on its live instance count, the config's settings and tags (DataCaptureConfig, KmsKeyId,
// AsyncInferenceConfig...), the model's settings and tags. Pure.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Observed, ObservedIncumbent } from '#shared/rollout/observed-state.ts';
import type { GuardrailPlan } from '#shared/targets/endpoints/guardrail-decisions.ts';
import {
  modelCarryOver,
  modelRefusal,
  userTags,
  variantSettingsOf,
} from '#shared/targets/endpoints/incumbent-settings.ts';

/**
 * AWS's guardrails exclusions (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html):
 *   "If your endpoint uses any of the following features, you cannot use deployment guardrails on your endpoint,
 *   and your endpoint will fall back to using a blue/green deployment with all at once traffic shifting and no
 *   final baking period: Marketplace containers; Endpoints that use Inf1 (Inferentia-based) instances.
 *   If you're doing a rolling deployment, there are additional feature-based exclusions: Serverless inference
 *   endpoints; Multi-variant inference endpoints."
 * A fall-back to all at once would skip the canary the policy asked for: refused, as the policy check refuses
 * `challenger.instanceType` ml.inf1.* (policy/guardrail-schema.ts).
 */
export const inf1 = /^ml\.inf1\./;

export function planFromRealTimeIncumbent(
  group: GroupPolicy,
  incumbent: ObservedIncumbent,
  observed: Pick<Observed, 'endpoint' | 'scaling' | 'packageContainers'>,
): GuardrailPlan | { readonly refused: string } {
  const { variants, shadowVariants } = incumbent.config;
  const [variant, ...others] = variants;
  if (variant === undefined) return { refused: 'its endpoint config has no production variant' };
  if (others.length > 0 || shadowVariants.length > 0) {
    const count = `${variants.length} production variant(s) and ${shadowVariants.length} shadow variant(s)`;
    return {
      refused: `it has ${count}: SageMaker's guardrails exclude multi-variant endpoints from rolling deployments, and the new config of a blue/green one must keep every variant's name; a sagemaker-* strategy replaces one variant (strategy canary rolls a new variant out beside several)`,
    };
  }
  if (variant.ServerlessConfig !== undefined) {
    return { refused: `variant ${variant.VariantName} is serverless: give the group serverless` };
  }
  if (variant.ModelName === undefined) {
    return { refused: `variant ${variant.VariantName} has no ModelName (inference components are not supported)` };
  }
  const instanceType = group.rollout.challenger.instanceType ?? (variant.InstanceType as string | undefined);
  for (const [whose, type] of [
    ['its variant', variant.InstanceType],
    ['the new version', instanceType],
  ] as const) {
    if (typeof type === 'string' && inf1.test(type)) {
      return {
        refused: `${whose} runs on ${type}: SageMaker's guardrails exclude endpoints that use Inf1 (Inferentia-based) instances and would deploy all at once without a final bake`,
      };
    }
  }
  // "If the update would change the instance type for any model that is a target for auto scaling, the update
  // fails" (https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html). A new model on the
  // same variant and instance type is the one update AWS allows with auto scaling in place: the registration,
  // keyed by the variant's name, stays as it is and applies to the new fleet.
  if (observed.scaling?.[variant.VariantName] !== undefined && instanceType !== variant.InstanceType) {
    return {
      refused: `variant ${variant.VariantName} is registered for auto scaling and the policy's challenger.instanceType ${instanceType} would change its instance type (${String(variant.InstanceType)}): SageMaker refuses such an update; deregister it first, or drop challenger.instanceType`,
    };
  }
  const model = incumbent.models[variant.ModelName];
  const refused = modelRefusal(model);
  if (refused !== undefined || model === undefined) return { refused: refused ?? 'no model' };
  const live = observed.endpoint?.variants.find((candidate) => candidate.VariantName === variant.VariantName);
  const liveCount = live?.currentInstanceCount ?? variant.InitialInstanceCount ?? 1;
  return {
    variantName: variant.VariantName,
    incumbentVariant: variant,
    challenger: {
      variantSettings: {
        ...variantSettingsOf(variant),
        ...(instanceType === undefined ? {} : { InstanceType: instanceType }),
      },
      configSettings: incumbent.config.settings,
      configTags: userTags(incumbent.config.tags),
      ...modelCarryOver(group, model, observed.packageContainers),
      // The new fleet as large as the live one (auto scaling is blocked while SageMaker updates the endpoint).
      baselineInstanceCount: Math.max(1, liveCount),
      capacity: 'full',
      minInstanceCount: group.rollout.challenger.minInstanceCount,
    },
  };
}
