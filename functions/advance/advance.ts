// primary adapter (EventBridge schedule, every minute) -> use case (reconcile each active rollout) -> secondary adapters
import { sendReconcileWork } from '#shared/aws/reconcile-queue.ts';
import { listActiveWork } from '#shared/aws/rollout-store.ts';
import { reconcileEndpoints } from '#shared/engine/reconcile-many.ts';
import { foreignEvent, homeOf } from '#shared/events/event-origin.ts';
import { parseEvent, scheduledEventSchema } from '#shared/events/event-schemas.ts';
import { ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';

export async function advanceRollouts(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const event = parseEvent(scheduledEventSchema, rawEvent);
  const notOurs = foreignEvent(event, homeOf(context.settings));
  if (notOurs !== undefined) return ignoreWithWarning(notOurs);
  const { endpointNames, states } = await listActiveWork(context.settings.rolloutsTableName);
  const fanOut = context.settings.fanOut;
  if (fanOut !== undefined && endpointNames.length > fanOut.inlineEndpoints) {
    // More than one invocation can reconcile within SageMaker's rate limits: workers share them.
    const sent = await sendReconcileWork(
      context.writer,
      fanOut.queueName,
      event.time,
      endpointNames,
      fanOut.endpointsPerWorker,
      fanOut.spreadSeconds,
    );
    return { outcome: `${endpointNames.length} endpoints handed to ${sent} workers` };
  }
  // The scheduled event's time is the clock: a replayed tick decides exactly as the original did. The
  // index's records decide the quiet ticks; a tick that writes or acts reads its record first.
  const lines = await reconcileEndpoints(context, endpointNames, event.time, {
    states,
    fromIndex: true,
    activeRollouts: endpointNames.length,
  });
  return { outcome: lines.length === 0 ? 'no active rollouts' : lines.join(' | ') };
}
