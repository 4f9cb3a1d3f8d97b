import type { VariantSpec } from '#shared/rollout/rollout-state.ts';

import type { VariantWeight } from '#shared/rollout/rollout-step.ts';

export type { VariantWeight };

/**
 * Weights in percent that give the challenger `challengerPercent` of the traffic and share the rest
 * among the incumbent variants in their current proportions. They always sum to exactly 100:
 * rounding leftovers go to the largest remainders.
 */
export function trafficSplit(
  incumbents: readonly VariantSpec[],
  challengerVariant: string,
  challengerPercent: number,
): VariantWeight[] {
  const incumbentShare = 100 - challengerPercent;
  const baseWeights = incumbents.map((variant) => variant.InitialVariantWeight ?? 1);
  const total = baseWeights.reduce((sum, weight) => sum + weight, 0);
  const exact = baseWeights.map((weight) =>
    total > 0 ? (weight / total) * incumbentShare : incumbentShare / incumbents.length,
  );
  const floors = exact.map(Math.floor);
  let leftover = incumbentShare - floors.reduce((sum, weight) => sum + weight, 0);
  const byRemainder = exact
    .map((value, index) => ({ index, remainder: value - Math.floor(value) }))
    .sort((a, b) => b.remainder - a.remainder);
  for (const { index } of byRemainder) {
    if (leftover <= 0) break;
    floors[index] = (floors[index] ?? 0) + 1;
    leftover -= 1;
  }
  return [
    ...incumbents.map((variant, index) => ({ VariantName: variant.VariantName, DesiredWeight: floors[index] ?? 0 })),
    { VariantName: challengerVariant, DesiredWeight: challengerPercent },
  ];
}
