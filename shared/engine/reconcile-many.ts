// Reconciles many endpoints the way a tick does, in the scheduler or in a worker: their alarms read
// once in batches, at most a few endpoints at a time (SageMaker's API limits), one failing endpoint
// never stopping the others.
import type { EndpointRolloutState } from '#shared/aws/rollout-store.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';
import { logger } from '#shared/runtime/logger.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import { readAlarmStates } from './observe.ts';
import { reconcileEndpoint } from './reconcile.ts';

/** Endpoints reconciled at once: enough for hundreds within a tick, few enough for SageMaker's API limits. */
const concurrentEndpoints = 8;

export interface KnownStates {
  readonly states: ReadonlyMap<string, EndpointRolloutState>;
  /** The states came from the active index, which may lag: they decide waits, not writes. */
  readonly fromIndex: boolean;
}

/** One line per endpoint: its phase and what happened, or its error (the next tick tries again). */
export async function reconcileEndpoints(
  context: RunContext,
  endpointNames: readonly string[],
  now: string,
  known: KnownStates,
): Promise<string[]> {
  const rollouts = [...known.states.values()].flatMap((state) => (state.rollout === undefined ? [] : [state.rollout]));
  // One DescribeAlarms per 100 alarms for all of them, instead of one per rollout.
  const alarmStates = await readAlarmStates(rollouts.flatMap((rollout) => rollout.watchedAlarms));
  const results = await mapSettled(endpointNames, concurrentEndpoints, (endpointName) => {
    const state = known.states.get(endpointName);
    return reconcileEndpoint(context, endpointName, now, {
      alarmStates,
      ...(state === undefined ? {} : { state, fromIndex: known.fromIndex }),
    });
  });
  return results.map((result, index) => {
    const endpointName = endpointNames[index];
    if (result.status === 'fulfilled')
      return `${endpointName}: ${result.value.phase ?? '-'} (${result.value.notes.join('; ')})`;
    logger.error('reconcile failed; the next tick tries again', { endpointName, error: result.reason as Error });
    return `${endpointName}: error: ${(result.reason as Error).message}`;
  });
}
