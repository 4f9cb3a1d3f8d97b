// How many instances each side needs, so the endpoint never serves a share of its traffic on fewer
// instances than that share had before the rollout. Pure.
import type { ObservedEndpoint } from './observed-state.ts';
import type { ChallengerPlan, Rollout } from './rollout-state.ts';

/** The incumbents' live instance count now: what serves with weight, as DescribeEndpoint reports it. */
export function servingInstanceCount(endpoint: ObservedEndpoint, variantNames: readonly string[]): number {
  return endpoint.variants
    .filter((variant) => variantNames.includes(variant.VariantName) && variant.weight > 0)
    .reduce((sum, variant) => sum + (variant.currentInstanceCount ?? 0), 0);
}

/**
 * The challenger's instances at `percent` of the traffic: at least ⌈share × baseline⌉ (the whole
 * baseline with capacity `full`), at least the policy's minimum, at least one. `baseline` is the
 * larger of the incumbents' live count when the rollout started and now (they may have scaled out).
 */
export function challengerInstancesAt(plan: ChallengerPlan, percent: number, currentBaseline = 0): number {
  const baseline = Math.max(plan.baselineInstanceCount, currentBaseline);
  const share = plan.capacity === 'full' ? 100 : percent;
  return Math.max(1, plan.minInstanceCount, Math.ceil((share * baseline) / 100));
}

export interface VariantCapacity {
  readonly VariantName: string;
  readonly DesiredInstanceCount: number;
}

/** The challenger's capacity request for `percent`, or none when it already has (or is getting) enough. */
export function challengerShortfall(
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  percent: number,
): VariantCapacity | undefined {
  const names = rollout.incumbentVariants.map((variant) => variant.VariantName);
  const needed = challengerInstancesAt(rollout.challenger, percent, servingInstanceCount(endpoint, names));
  const challenger = endpoint.variants.find((variant) => variant.VariantName === rollout.challengerVariant);
  if (challenger === undefined) return undefined;
  const current = challenger.currentInstanceCount ?? 0;
  return current >= needed ? undefined : { VariantName: rollout.challengerVariant, DesiredInstanceCount: needed };
}

/** Incumbent variants serving on fewer instances than they had when the rollout started. */
export function incumbentShortfalls(rollout: Rollout, endpoint: ObservedEndpoint): VariantCapacity[] {
  return rollout.incumbentVariants.flatMap((incumbent) => {
    const before = rollout.incumbentInstanceCounts[incumbent.VariantName];
    const live = endpoint.variants.find((variant) => variant.VariantName === incumbent.VariantName);
    if (before === undefined || live === undefined || (live.currentInstanceCount ?? 0) >= before) return [];
    return [{ VariantName: incumbent.VariantName, DesiredInstanceCount: before }];
  });
}
