// Auto scaling follows the traffic. SageMaker refuses an UpdateEndpoint that removes (or changes the
// instance type of) a variant still registered as a scalable target, so the documented order is:
// delete the policies and deregister, update, register the new variant and put the policies back.
// https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html  Pure.
import type { VariantScaling, VariantSpec } from './rollout-state.ts';

export type ObservedScaling = Readonly<Record<string, VariantScaling>>;

/** The registrations on these variants, as observed now. */
export function registeredOn(observed: ObservedScaling | undefined, variantNames: readonly string[]): VariantScaling[] {
  return variantNames.flatMap((name) => {
    const scaling = observed?.[name];
    return scaling === undefined ? [] : [scaling];
  });
}

/** Registrations (or their policies or scheduled actions) of `expected` that are not there now. */
export function missingScaling(expected: readonly VariantScaling[], observed: ObservedScaling | undefined) {
  return expected.filter((wanted) => {
    const present = observed?.[wanted.variantName];
    if (present === undefined) return true;
    const policyNames = new Set(present.policies.map((policy) => policy.PolicyName));
    const actionNames = new Set(present.scheduledActions.map((action) => action.ScheduledActionName));
    return (
      wanted.policies.some((policy) => !policyNames.has(policy.PolicyName)) ||
      wanted.scheduledActions.some((action) => !actionNames.has(action.ScheduledActionName))
    );
  });
}

/** A customised metric that names the old variant must name the new one, or it would scale on the wrong traffic. */
function renameVariantDimension(value: unknown, from: string, to: string): unknown {
  if (Array.isArray(value)) return value.map((item) => renameVariantDimension(item, from, to));
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>);
  const record = value as Record<string, unknown>;
  if (record.Name === 'VariantName' && record.Value === from && entries.length === 2) return { ...record, Value: to };
  return Object.fromEntries(entries.map(([key, item]) => [key, renameVariantDimension(item, from, to)]));
}

/**
 * The challenger's registration once it serves alone: the primary incumbent's policies and scheduled
 * actions, and the incumbents' capacities added up (it now carries all of their traffic).
 */
export function scalingForChallenger(
  incumbentScaling: readonly VariantScaling[],
  incumbentVariants: readonly VariantSpec[],
  challengerVariant: string,
): VariantScaling | undefined {
  const weightOf = (name: string) =>
    incumbentVariants.find((variant) => variant.VariantName === name)?.InitialVariantWeight ?? 1;
  const registered = incumbentScaling
    .filter((scaling) => incumbentVariants.some((variant) => variant.VariantName === scaling.variantName))
    .sort((a, b) => weightOf(b.variantName) - weightOf(a.variantName));
  const primary = registered[0];
  if (primary === undefined) return undefined;
  const rename = <Value>(value: Value) =>
    renameVariantDimension(value, primary.variantName, challengerVariant) as Value;
  return {
    variantName: challengerVariant,
    minCapacity: registered.reduce((sum, scaling) => sum + scaling.minCapacity, 0),
    maxCapacity: registered.reduce((sum, scaling) => sum + scaling.maxCapacity, 0),
    targetSettings: primary.targetSettings,
    policies: primary.policies.map(rename),
    scheduledActions: primary.scheduledActions.map(rename),
  };
}

/** Step scaling policies are driven by alarms that still point at the incumbent's policy: people must re-point them. */
export function stepScalingPolicies(scaling: VariantScaling | undefined): string[] {
  return (scaling?.policies ?? [])
    .filter((policy) => policy.PolicyType === 'StepScaling')
    .map((policy) => policy.PolicyName);
}
