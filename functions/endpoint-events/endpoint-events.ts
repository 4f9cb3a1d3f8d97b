// primary adapter (EventBridge: SageMaker Endpoint Deployment State Change) -> use case (reconcile that endpoint) -> secondary adapters
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { foreignEvent, homeOf } from '#shared/events/event-origin.ts';
import { endpointDeploymentStateChangeSchema, parseEvent } from '#shared/events/event-schemas.ts';
import { isActive } from '#shared/rollout/rollout-state.ts';
import { ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';

/**
 * SageMaker finished, or rolled back, a deployment it carries out itself (a serverless rollout's
 * guardrails): the rollout follows now instead of at the next tick. The endpoint is read, not the event.
 */
export async function followEndpointDeployment(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const event = parseEvent(endpointDeploymentStateChangeSchema, rawEvent);
  const notOurs = foreignEvent(event, homeOf(context.settings));
  if (notOurs !== undefined) return ignoreWithWarning(notOurs);
  const endpointName = event.detail.EndpointName;
  const state = await readEndpointState(context.settings.rolloutsTableName, endpointName);
  if (!isActive(state.rollout)) return { outcome: `ignored: no active rollout on ${endpointName}` };
  const report = await reconcileEndpoint(context, endpointName, event.time, { state });
  return { outcome: `${endpointName}: ${report.phase ?? '-'} (${report.notes.join('; ')})` };
}
