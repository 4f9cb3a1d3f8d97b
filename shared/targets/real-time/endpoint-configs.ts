import type { Rollout, VariantSpec } from '#shared/rollout/rollout-state.ts';
import type { EndpointConfigPlan } from '#shared/rollout/rollout-step.ts';
import { challengerInstancesAt } from './capacity.ts';
import { trafficSplit } from './traffic-split.ts';

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
