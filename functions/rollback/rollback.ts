// primary adapter (EventBridge: CloudWatch Alarm State Change) -> use case (reconcile with the alarm) -> secondary adapters
import { endpointsWatching } from '#shared/aws/alarm-watchers.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { foreignEvent, homeOf } from '#shared/events/event-origin.ts';
import { alarmStateChangeSchema, parseEvent } from '#shared/events/event-schemas.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';
import { logger } from '#shared/runtime/logger.ts';
import { ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';

export async function rollBackOnAlarm(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const event = parseEvent(alarmStateChangeSchema, rawEvent);
  const { alarmName, state } = event.detail;
  logger.appendKeys({ alarmName });
  // An alarm of another account with the same name as ours must not roll anything back.
  const notOurs = foreignEvent(event, homeOf(context.settings));
  if (notOurs !== undefined) return ignoreWithWarning(notOurs);
  if (state.value !== 'ALARM') return { outcome: `ignored: alarm went to ${state.value}` };

  // Found by key, not by reading every active rollout: the reaction does not slow with the fleet.
  const watching = await endpointsWatching(context.settings.rolloutsTableName, alarmName);
  if (watching.length === 0) {
    logger.info('ignored: no active rollout watches this alarm');
    return { outcome: 'ignored: the alarm watches nothing of ours' };
  }
  // The event is newer than what DescribeAlarms may say yet: decide with the state it carries.
  const results = await mapSettled(watching, watching.length, (endpointName) =>
    reconcileEndpoint(context, endpointName, event.time, {
      alarmEvent: { [alarmName]: { state: 'ALARM', reason: state.reason } },
    }),
  );
  const failed = results.find((result) => result.status === 'rejected');
  // Let Lambda retry a rollback that could not be carried out; rolling back twice is harmless.
  if (failed !== undefined) throw failed.reason;
  const outcomes = results.map((result) =>
    result.status === 'fulfilled' ? `${result.value.endpointName}: ${result.value.notes.join('; ')}` : '',
  );
  return { outcome: outcomes.join(' | ') };
}
