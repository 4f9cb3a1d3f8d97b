// Reconciles many endpoints the way a tick does, in the scheduler or in a worker: their alarms read
// once in batches, at most a few endpoints at a time (SageMaker's API limits), one failing endpoint
// never stopping the others, and none started that the invocation has no time left to finish.
import { RateBudgetSpentError } from '#shared/aws/rate-budget.ts';
import type { EndpointRolloutState } from '#shared/aws/rollout-store.ts';
import { endpointReadEveryMinutes } from '#shared/rollout/quiet-bake.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';
import { logger } from '#shared/runtime/logger.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import { readAlarmStates } from '#shared/targets/shared-reads.ts';
import { reconcileEndpoint } from './reconcile.ts';

/** Endpoints reconciled at once: enough for hundreds within a tick, few enough for SageMaker's API limits. */
const concurrentEndpoints = 8;

/**
 * No endpoint is started with less than this left of the invocation: one reconcile with its retries fits,
 * and the rest wait for the next tick instead of being cut off by the timeout between two writes.
 */
export const reserveMs = 15_000;

/**
 * The tick's order: rotated by its minute, so that when a tick runs out of time it is not always the
 * same endpoints that wait. Derived from the event's time: a replayed tick runs in the same order.
 */
export function tickOrder(endpointNames: readonly string[], now: string): number[] {
  const count = endpointNames.length;
  const offset = count === 0 ? 0 : ((Math.floor(Date.parse(now) / 60_000) % count) + count) % count;
  return endpointNames.map((_, index) => (index + offset) % count);
}

export interface KnownStates {
  readonly states: ReadonlyMap<string, EndpointRolloutState>;
  /** The states came from the active index, which may lag: they decide waits, not writes. */
  readonly fromIndex: boolean;
  /** Active rollouts in the whole tick, not only these: how often a quiet bake reads its endpoint. */
  readonly activeRollouts: number;
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
  const order = tickOrder(endpointNames, now);
  const lines = new Array<string>(endpointNames.length);
  const readEndpointEveryMinutes = endpointReadEveryMinutes(known.activeRollouts);
  await mapSettled(order, concurrentEndpoints, async (index) => {
    const endpointName = endpointNames[index] as string;
    if ((context.remainingTimeMs?.() ?? Number.POSITIVE_INFINITY) < reserveMs) {
      lines[index] = `${endpointName}: deferred to the next tick (this one ran out of time)`;
      return;
    }
    const state = known.states.get(endpointName);
    try {
      const result = await reconcileEndpoint(context, endpointName, now, {
        alarmStates,
        readEndpointEveryMinutes,
        ...(state === undefined ? {} : { state, fromIndex: known.fromIndex }),
      });
      lines[index] = `${endpointName}: ${result.phase ?? '-'} (${result.notes.join('; ')})`;
    } catch (error) {
      if (error instanceof RateBudgetSpentError) {
        // Not a failure: the account's calls for this second are spent; the next tick carries on from the record.
        logger.info('deferred: the rate budget is spent', { endpointName, reason: error.message });
        lines[index] = `${endpointName}: deferred to the next tick (${error.message})`;
        return;
      }
      logger.error('reconcile failed; the next tick tries again', { endpointName, error: error as Error });
      lines[index] = `${endpointName}: error: ${(error as Error).message}`;
    }
  });
  return lines;
}
