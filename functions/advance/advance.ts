// primary adapter (EventBridge schedule, every minute) -> use case (reconcile each active rollout) -> secondary adapters
import { listActiveWork } from '#shared/aws/rollout-store.ts';
import { readAlarmStates } from '#shared/engine/observe.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { foreignEvent, homeOf } from '#shared/events/event-origin.ts';
import { parseEvent, scheduledEventSchema } from '#shared/events/event-schemas.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';
import { logger } from '#shared/runtime/logger.ts';
import { ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';

/** Endpoints reconciled at once: enough for hundreds within a tick, few enough for SageMaker's API limits. */
const concurrentEndpoints = 8;

export async function advanceRollouts(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const event = parseEvent(scheduledEventSchema, rawEvent);
  const notOurs = foreignEvent(event, homeOf(context.settings));
  if (notOurs !== undefined) return ignoreWithWarning(notOurs);
  const { endpointNames, rollouts, states } = await listActiveWork(context.settings.rolloutsTableName);
  // One DescribeAlarms per 100 alarms for the whole tick, instead of one per rollout.
  const alarmStates = await readAlarmStates(rollouts.flatMap((rollout) => rollout.watchedAlarms));
  // The scheduled event's time is the clock: a replayed tick decides exactly as the original did. The
  // index's records decide the quiet ticks; a tick that writes or acts reads its record first.
  const results = await mapSettled(endpointNames, concurrentEndpoints, (endpointName) => {
    const state = states.get(endpointName);
    return reconcileEndpoint(context, endpointName, event.time, {
      alarmStates,
      ...(state === undefined ? {} : { state, fromIndex: true }),
    });
  });
  const lines = results.map((result, index) => {
    const endpointName = endpointNames[index];
    if (result.status === 'fulfilled')
      return `${endpointName}: ${result.value.phase ?? '-'} (${result.value.notes.join('; ')})`;
    logger.error('reconcile failed; the next tick tries again', { endpointName, error: result.reason as Error });
    return `${endpointName}: error: ${(result.reason as Error).message}`;
  });
  return { outcome: lines.length === 0 ? 'no active rollouts' : lines.join(' | ') };
}
