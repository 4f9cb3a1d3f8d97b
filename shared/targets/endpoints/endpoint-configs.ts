import type { Rollout, Tag, VariantSpec } from '#shared/rollout/rollout-state.ts';
import { challengerInstancesAt } from '#shared/targets/real-time/capacity.ts';
import { trafficSplit } from '#shared/targets/real-time/traffic-split.ts';

/**
 * An endpoint config a rollout writes, as data. Every one carries the incumbent config's settings
 * and tags (data capture, KMS key, async inference...), so nothing it had is dropped on the way.
 */
export interface EndpointConfigPlan {
  readonly configName: string;
  readonly variants: readonly VariantSpec[];
  readonly shadowVariants: readonly VariantSpec[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly tags: readonly Tag[];
}

/** The challenger variant: the incumbent's settings, its own model, sized for `percent` of the traffic. */
function challengerSpec(rollout: Rollout, weight: number, percent: number): VariantSpec {
  return {
    ...rollout.challenger.variantSettings,
    VariantName: rollout.challengerVariant,
    ModelName: rollout.challengerModel,
    InitialInstanceCount: challengerInstancesAt(rollout.challenger, percent),
    InitialVariantWeight: weight,
  };
}

function plan(rollout: Rollout, configName: string, variants: VariantSpec[], shadowVariants: VariantSpec[] = []) {
  const { configSettings: settings, configTags: tags } = rollout.challenger;
  return { configName, variants, shadowVariants, settings, tags };
}

/** Incumbent variants exactly as they were, the challenger beside them at `percent` of the traffic. */
export function canaryConfig(rollout: Rollout, configName: string, percent: number): EndpointConfigPlan {
  const weights = trafficSplit(rollout.incumbentVariants, rollout.challengerVariant, percent);
  const weightOf = (name: string) => weights.find((weight) => weight.VariantName === name)?.DesiredWeight ?? 0;
  return plan(rollout, configName, [
    ...rollout.incumbentVariants.map((variant) => ({
      ...variant,
      InitialVariantWeight: weightOf(variant.VariantName),
    })),
    challengerSpec(rollout, percent, percent),
  ]);
}

/** Incumbent variants unchanged; the challenger receives a copy of all the traffic (so full capacity), its answers unused. */
export function shadowConfig(rollout: Rollout, configName: string): EndpointConfigPlan {
  return plan(rollout, configName, [...rollout.incumbentVariants], [challengerSpec(rollout, 1, 100)]);
}

/** The challenger alone: the end state of a completed rollout, and of a first deployment. */
export function finalConfig(rollout: Rollout, configName: string): EndpointConfigPlan {
  return plan(rollout, configName, [challengerSpec(rollout, 1, 100)]);
}

/**
 * The incumbent config again, for a rollback from a config without the incumbent variants (after
 * finalizing): SageMaker would start them on their config's initial count, so this copy starts them
 * on the live count they had before the rollout.
 */
export function restoreConfig(rollout: Rollout, configName: string): EndpointConfigPlan {
  return plan(
    rollout,
    configName,
    rollout.incumbentVariants.map((variant) => ({
      ...variant,
      InitialInstanceCount: Math.max(
        variant.InitialInstanceCount ?? 1,
        rollout.incumbentInstanceCounts[variant.VariantName] ?? 0,
      ),
    })),
  );
}
