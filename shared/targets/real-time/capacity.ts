// How many instances each side needs, so the endpoint never serves a share of its traffic on fewer
// instances than that share had before the rollout. Pure.
import type { ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import type { ChallengerPlan, Rollout } from '#shared/rollout/rollout-state.ts';
import { sharesOf } from '#shared/rollout/rollout-step.ts';

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

import type { VariantCapacity } from '#shared/rollout/rollout-step.ts';

export type { VariantCapacity };

/**
 * How many instances all of the traffic needs, judged by the incumbents' live fleet. While auto scaling
 * has scaled them out above their count at the rollout's start, their load per instance is what their
 * target tracking holds, so the whole traffic needs their live count ÷ their share of it (9 instances
 * serving 50% need 18 for 100%). Otherwise the larger of the recorded baseline and their live count: an
 * incumbent that has not yet scaled in after its share fell says nothing about the load.
 */
export function fullTrafficInstances(rollout: Rollout, endpoint: ObservedEndpoint): number {
  const names = rollout.incumbentVariants.map((variant) => variant.VariantName);
  const live = servingInstanceCount(endpoint, names);
  const atStart = names.reduce((sum, name) => sum + (rollout.incumbentInstanceCounts[name] ?? 0), 0);
  const shares = sharesOf(endpoint);
  const incumbentShare = names.reduce((sum, name) => sum + (shares.get(name) ?? 0), 0);
  const scaledOut = live > atStart && incumbentShare > 0;
  const equivalent = scaledOut ? Math.ceil((live * 100) / incumbentShare) : live;
  return Math.max(rollout.challenger.baselineInstanceCount, equivalent);
}

/**
 * The rollout with its baseline raised to what the whole traffic needs now: recorded, so that once the
 * incumbents serve nothing the challenger is still sized for the load they saw. The same object when
 * nothing grew.
 */
export function withLiveBaseline(rollout: Rollout, endpoint: ObservedEndpoint): Rollout {
  const needed = fullTrafficInstances(rollout, endpoint);
  if (needed <= rollout.challenger.baselineInstanceCount) return rollout;
  return { ...rollout, challenger: { ...rollout.challenger, baselineInstanceCount: needed } };
}

/** The challenger's capacity request for `percent`, or none when it already has (or is getting) enough. */
export function challengerShortfall(
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  percent: number,
): VariantCapacity | undefined {
  const needed = challengerInstancesAt(rollout.challenger, percent, fullTrafficInstances(rollout, endpoint));
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
