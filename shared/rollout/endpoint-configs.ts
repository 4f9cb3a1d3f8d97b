import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Rollout, VariantSpec } from './rollout-state.ts';
import { trafficSplit } from './traffic-split.ts';

/** The endpoint configs a rollout moves through, as data: names and variants. */
export interface EndpointConfigPlan {
  readonly configName: string;
  readonly variants: readonly VariantSpec[];
  readonly shadowVariants: readonly VariantSpec[];
}

function challengerSpec(group: GroupPolicy, rollout: Rollout, weight: number): VariantSpec {
  return {
    VariantName: rollout.challengerVariant,
    ModelName: rollout.challengerModel,
    InstanceType: group.instanceType,
    InitialInstanceCount: group.initialInstanceCount,
    InitialVariantWeight: weight,
  };
}

/** Incumbent variants exactly as they were, the challenger beside them at `percent` of the traffic. */
export function canaryConfig(
  group: GroupPolicy,
  rollout: Rollout,
  configName: string,
  percent: number,
): EndpointConfigPlan {
  const weights = trafficSplit(rollout.incumbentVariants, rollout.challengerVariant, percent);
  const weightOf = (name: string) => weights.find((weight) => weight.VariantName === name)?.DesiredWeight ?? 0;
  return {
    configName,
    variants: [
      ...rollout.incumbentVariants.map((variant) => ({
        ...variant,
        InitialVariantWeight: weightOf(variant.VariantName),
      })),
      challengerSpec(group, rollout, percent),
    ],
    shadowVariants: [],
  };
}

/** Incumbent variants unchanged; the challenger receives a copy of the traffic, its answers unused. */
export function shadowConfig(group: GroupPolicy, rollout: Rollout, configName: string): EndpointConfigPlan {
  return {
    configName,
    variants: rollout.incumbentVariants,
    shadowVariants: [challengerSpec(group, rollout, 1)],
  };
}

/** The challenger alone: the end state of a completed rollout, and of a first deployment. */
export function finalConfig(group: GroupPolicy, rollout: Rollout, configName: string): EndpointConfigPlan {
  return { configName, variants: [challengerSpec(group, rollout, 1)], shadowVariants: [] };
}
