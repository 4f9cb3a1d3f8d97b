// Auto scaling follows the traffic. SageMaker refuses an UpdateEndpoint that removes (or changes the
// instance type of) a variant still registered as a scalable target, so the documented order is:
// delete the policies and deregister, update, register the new variant and put the policies back.
// https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-scaling-update.html  Pure.
import type { StepPolicyAlarms, VariantScaling, VariantSpec } from '#shared/rollout/rollout-state.ts';

export type ObservedScaling = Readonly<Record<string, VariantScaling>>;

/** The registrations on these variants, as observed now. */
export function registeredOn(observed: ObservedScaling | undefined, variantNames: readonly string[]): VariantScaling[] {
  return variantNames.flatMap((name) => {
    const scaling = observed?.[name];
    return scaling === undefined ? [] : [scaling];
  });
}

/**
 * What of `wanted` is not in `present`, in words: the registration, a policy, a scheduled action, or a team's
 * alarm that no longer invokes its step policy (the policy was put back with a new ARN and the alarm not
 * re-pointed, or re-pointing failed). An alarm the team has since deleted invokes nothing and is not missed.
 */
export function scalingGaps(wanted: VariantScaling, present: VariantScaling | undefined): string[] {
  if (present === undefined) return ['not registered'];
  const policyNames = new Set(present.policies.map((policy) => policy.PolicyName));
  const actionNames = new Set(present.scheduledActions.map((action) => action.ScheduledActionName));
  const gaps = [
    ...wanted.policies.filter((policy) => !policyNames.has(policy.PolicyName)).map((p) => `policy ${p.PolicyName}`),
    ...wanted.scheduledActions
      .filter((action) => !actionNames.has(action.ScheduledActionName))
      .map((action) => `scheduled action ${action.ScheduledActionName}`),
  ];
  for (const step of wanted.stepPolicies ?? []) {
    const now = present.stepPolicies?.find((policy) => policy.policyName === step.policyName);
    if (now === undefined || !policyNames.has(step.policyName)) continue; // counted above, or not a step policy now
    for (const alarm of step.alarms) {
      const found = now.alarms.find((entry) => entry.alarmName === alarm.alarmName);
      if (found === undefined) continue; // deleted
      if (alarm.actionLists.every((list) => found.actionLists.includes(list))) continue;
      gaps.push(`alarm ${alarm.alarmName} does not invoke step policy ${step.policyName} (${now.policyArn})`);
    }
  }
  return gaps;
}

/** Registrations of `expected` that are not (all) there now: missing something `scalingGaps` names. */
export function missingScaling(expected: readonly VariantScaling[], observed: ObservedScaling | undefined) {
  return expected.filter((wanted) => scalingGaps(wanted, observed?.[wanted.variantName]).length > 0);
}

/** A customised metric that names the old variant must name the new one, or it would scale on the wrong traffic. */
export function renameVariantDimension(value: unknown, from: string, to: string): unknown {
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
    // As read, on the incumbent: registering re-points their alarms at the new variant's policies.
    ...(primary.stepPolicies === undefined ? {} : { stepPolicies: primary.stepPolicies }),
  };
}

/**
 * What the completion notice says of the step scaling policies moved to `scaling`'s variant: which alarms now
 * invoke them, and what people must do where none does (or a record from before alarms were kept has none).
 */
export function stepScalingNote(scaling: VariantScaling | undefined): string {
  if (scaling === undefined) return '';
  const lines = scaling.policies
    .filter((policy) => policy.PolicyType === 'StepScaling')
    .map((policy) => {
      const step = scaling.stepPolicies?.find((recorded) => recorded.policyName === policy.PolicyName);
      return step === undefined ? unrecordedNote(policy.PolicyName) : movedNote(step, scaling.variantName);
    });
  return lines.map((line) => `\n${line}`).join('');
}

function movedNote(step: StepPolicyAlarms, variantName: string): string {
  const invoking = step.alarms.filter((alarm) => alarm.actionLists.length > 0).map((alarm) => alarm.alarmName);
  if (invoking.length === 0) {
    return `Step scaling policy ${step.policyName}: no CloudWatch alarm invoked it on ${step.variantName}, so it scales nothing on ${variantName} until an alarm's actions name its ARN.`;
  }
  const [alarms, metrics] =
    invoking.length === 1
      ? [`alarm ${invoking[0]} now invokes`, "its metric's"]
      : [`alarms ${invoking.join(', ')} now invoke`, "their metrics'"];
  return `Step scaling policy ${step.policyName} moved to ${variantName}: ${alarms} it there (${metrics} VariantName ${step.variantName} now ${variantName}).`;
}

function unrecordedNote(policyName: string): string {
  return `Step scaling policy ${policyName} was copied, but the alarms that invoke it were not recorded (the rollout began before they were): point their actions at its new ARN and their VariantName dimension at the new variant.`;
}
