// primary adapter (EventBridge: SageMaker Endpoint Deployment State Change, Transform Job State Change) -> use case (reconcile that rollout) -> secondary adapters
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { foreignEvent, homeOf } from '#shared/events/event-origin.ts';
import {
  endpointDeploymentStateChangeSchema,
  endpointStateChangeSchema,
  parseEvent,
  transformJobStateChangeSchema,
} from '#shared/events/event-schemas.ts';
import { isActive, type Rollout } from '#shared/rollout/rollout-state.ts';
import { groupToActOn, ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';

async function follow(context: RunContext, key: string, time: string, matches = (_: Rollout) => true) {
  const state = await readEndpointState(context.settings.rolloutsTableName, key);
  if (state.rollout === undefined || !isActive(state.rollout) || !matches(state.rollout))
    return { outcome: `ignored: no active rollout on ${key}` };
  const report = await reconcileEndpoint(context, key, time, { state });
  return { outcome: `${key}: ${report.phase ?? '-'} (${report.notes.join('; ')})` };
}

/**
 * SageMaker finished, or rolled back, what it carries out itself (a serverless rollout's guardrails, a
 * batch group's transform job), or an endpoint's status changed: the rollout follows now instead of at the
 * next tick. The event is a hint: what SageMaker reports now decides, so a duplicate or late event changes
 * nothing.
 */
export async function followSageMaker(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  // Anything but an object is parsed below, as an endpoint deployment event, and refused there.
  const detailType =
    typeof rawEvent === 'object' && rawEvent !== null
      ? (rawEvent as Record<string, unknown>)['detail-type']
      : undefined;
  if (detailType === 'SageMaker Transform Job State Change') {
    const event = parseEvent(transformJobStateChangeSchema, rawEvent);
    const notOurs = foreignEvent(event, homeOf(context.settings));
    if (notOurs !== undefined) return ignoreWithWarning(notOurs);
    const jobName = event.detail.TransformJobName;
    // A batch version's job is named <group>-v<version> (batch-transform/decisions.ts): its group's rollout.
    const groupName = /^(.+)-v\d+$/.exec(jobName)?.[1];
    const group = groupName === undefined ? undefined : groupToActOn(context.policy, groupName);
    if (groupName === undefined || group?.batchTransform === undefined) {
      return { outcome: `ignored: ${jobName} is not a batch group's job` };
    }
    return follow(context, group.endpointName, event.time, (rollout) => rollout.transformJobName === jobName);
  }
  // Any status change of an endpoint (a person's edit, auto scaling, the rollout's own update) wakes its rollout:
  // a bake that skips reading its endpoint between ticks (rollout/quiet-bake.ts) sees such a change at once.
  const schema =
    detailType === 'SageMaker Endpoint State Change' ? endpointStateChangeSchema : endpointDeploymentStateChangeSchema;
  const event = parseEvent(schema, rawEvent);
  const notOurs = foreignEvent(event, homeOf(context.settings));
  if (notOurs !== undefined) return ignoreWithWarning(notOurs);
  return follow(context, event.detail.EndpointName, event.time);
}
