// The team's CloudWatch alarms that invoke a step scaling policy. An alarm invokes a policy by naming its ARN
// in an action list; PutScalingPolicy after a delete creates a policy with a new ARN (it carries a UUID), and
// Application Auto Scaling's DeleteScalingPolicy "deletes the underlying alarm action, but does not delete the
// CloudWatch alarm". So an alarm must be re-pointed whenever a step policy is put back or moved. Pure.
// https://docs.aws.amazon.com/autoscaling/application/APIReference/API_PutScalingPolicy.html
// https://docs.aws.amazon.com/autoscaling/application/APIReference/API_DeleteScalingPolicy.html
import type { AlarmActionList, StepPolicyAlarms } from '#shared/rollout/rollout-state.ts';
import { renameVariantDimension } from './scaling-moves.ts';

export const alarmActionLists: readonly AlarmActionList[] = ['AlarmActions', 'OKActions', 'InsufficientDataActions'];

/** A metric alarm as DescribeAlarms returns it (MetricAlarm), any field. */
export type DescribedAlarm = Readonly<Record<string, unknown>> & { readonly AlarmName?: string };

/** Fields of a described alarm that only CloudWatch sets: everything else is PutMetricAlarm's input. */
const outputOnly = [
  'AlarmArn',
  'AlarmConfigurationUpdatedTimestamp',
  'StateValue',
  'StateReason',
  'StateReasonData',
  'StateUpdatedTimestamp',
  'StateTransitionedTimestamp',
  'EvaluationState',
];

const actionsOf = (alarm: DescribedAlarm, list: AlarmActionList): string[] => {
  const actions = alarm[list];
  return Array.isArray(actions) ? actions.filter((action): action is string => typeof action === 'string') : [];
};

/** The lists of this alarm that name the policy's ARN. */
export function listsNaming(alarm: DescribedAlarm, policyArn: string): AlarmActionList[] {
  return alarmActionLists.filter((list) => actionsOf(alarm, list).includes(policyArn));
}

/**
 * The ARN of any incarnation of a policy: `arn:<partition>:autoscaling:<region>:<account>:scalingPolicy:<id>:
 * resource/<namespace>/<resource id>:policyName/<name>`; only the id changes when it is deleted and put again.
 * https://docs.aws.amazon.com/service-authorization/latest/reference/list_applicationautoscaling.html
 */
function isIncarnation(action: string, resourceIds: readonly string[], policyName: string): boolean {
  return (
    /^arn:[^:]+:autoscaling:[^:]*:[^:]*:scalingPolicy:/.test(action) &&
    resourceIds.some((resourceId) => action.endsWith(`:resource/sagemaker/${resourceId}:policyName/${policyName}`))
  );
}

export interface Repointing {
  /** The step policy and its alarms as recorded. */
  readonly recorded: StepPolicyAlarms;
  /** The policy's ARN now, as PutScalingPolicy returned it. */
  readonly policyArn: string;
  /** The variant it scales now: the alarms' VariantName dimension is renamed to it from the recorded one. */
  readonly variantName: string;
  /** The Application Auto Scaling resource id of a variant (endpoint/<endpoint>/variant/<variant>). */
  readonly resourceIdOf: (variantName: string) => string;
}

/**
 * PutMetricAlarm's input that re-points `alarm` at the policy's current ARN, everything else as it is (its
 * metric or Metrics, thresholds, periods, datapoints, missing data, other actions, description, unit), or
 * undefined when it points there already. Every stale ARN of the policy goes; the current one takes the place
 * of the first, in every list that named the policy when recorded or names a stale ARN now. Tags are not
 * part of it: "If you are using this operation to update an existing alarm, any tags you specify in this
 * parameter are ignored" (API_PutMetricAlarm).
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
 */
export function repointedAlarm(
  alarm: DescribedAlarm & { readonly AlarmName: string },
  repointing: Repointing,
): PutAlarmInput | undefined {
  const { recorded, policyArn, variantName, resourceIdOf } = repointing;
  const wanted = new Set(recorded.alarms.find((entry) => entry.alarmName === alarm.AlarmName)?.actionLists ?? []);
  const resourceIds = [resourceIdOf(recorded.variantName), resourceIdOf(variantName)];
  const stale = (action: string) =>
    action !== policyArn && (action === recorded.policyArn || isIncarnation(action, resourceIds, recorded.policyName));
  const current = putInput(alarm);
  const changed: Record<string, unknown> = { ...current };
  // At completion the alarm watches the new variant, as a moved policy's customised metric does.
  for (const field of ['Dimensions', 'Metrics'] as const) {
    if (field in current) changed[field] = renameVariantDimension(current[field], recorded.variantName, variantName);
  }
  for (const list of alarmActionLists) {
    const actions = actionsOf(alarm, list);
    const at = actions.findIndex(stale);
    const kept = actions.filter((action) => !stale(action));
    const position = at >= 0 ? at : kept.length;
    const invokes = (wanted.has(list) || at >= 0) && !kept.includes(policyArn);
    changed[list] = invokes ? [...kept.slice(0, position), policyArn, ...kept.slice(position)] : kept;
  }
  const input = putInput({ ...changed, AlarmName: alarm.AlarmName });
  return JSON.stringify(input) === JSON.stringify(current) ? undefined : input;
}

export type PutAlarmInput = Readonly<Record<string, unknown>> & { readonly AlarmName: string };

/** The described alarm as PutMetricAlarm's input: an empty list is no list, the whole configuration is overwritten. */
function putInput(alarm: DescribedAlarm & { readonly AlarmName: string }): PutAlarmInput {
  const fields = Object.entries(alarm).filter(
    ([field, value]) =>
      !outputOnly.includes(field) &&
      value !== undefined &&
      value !== null &&
      !(Array.isArray(value) && value.length === 0),
  );
  return { ...Object.fromEntries(fields), AlarmName: alarm.AlarmName };
}
