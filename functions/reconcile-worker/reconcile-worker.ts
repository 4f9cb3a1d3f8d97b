// primary adapter (SQS: a share of a tick too large for one invocation) -> use case (reconcile those endpoints) -> secondary adapters
import { readEndpointStates } from '#shared/aws/rollout-store.ts';
import { reconcileEndpoints } from '#shared/engine/reconcile-many.ts';
import { BadInputError } from '#shared/errors.ts';
import { parseEvent, reconcileQueueEventSchema, reconcileWorkSchema } from '#shared/events/event-schemas.ts';
import { type RunContext, type RunResult, wallClockOf } from '#shared/runtime/run-context.ts';

function parseBody(messageId: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new BadInputError(`message ${messageId}: body is not JSON: ${(error as Error).message}`);
  }
}

/**
 * A tick's work ends within its minute: the next tick sends the same endpoints again, and a worker still on the
 * previous one would spend the rate budget twice. So a worker starts no endpoint later than this after the tick sent
 * its message (an endpoint left is "deferred to the next tick", as when the invocation runs out of time).
 */
export const tickWorkMs = 55_000;

/** What is left of the invocation, or of the tick's minute if less (reconcile-many.ts asks before each endpoint). */
function remainingOf(context: RunContext, sentTimestamp: string | undefined): (() => number) | undefined {
  const sentAt = Number(sentTimestamp);
  if (sentTimestamp === undefined || !Number.isFinite(sentAt)) return context.remainingTimeMs;
  const ofTick = () => sentAt + tickWorkMs - wallClockOf(context);
  const ofInvocation = context.remainingTimeMs;
  return ofInvocation === undefined ? ofTick : () => Math.min(ofInvocation(), ofTick());
}

export async function reconcileWork(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const { Records } = parseEvent(reconcileQueueEventSchema, rawEvent);
  const lines: string[] = [];
  for (const { messageId, body, attributes } of Records) {
    const remainingTimeMs = remainingOf(context, attributes?.SentTimestamp);
    const tickContext = remainingTimeMs === undefined ? context : { ...context, remainingTimeMs };
    const work = parseEvent(reconcileWorkSchema, parseBody(messageId, body));
    // Records read in batches of strongly consistent reads: they may decide writes at once.
    const states = await readEndpointStates(context.settings.rolloutsTableName, work.endpoints);
    // A message from before the count was sent: its own endpoints are all it knows of.
    const activeRollouts = work.activeRollouts ?? work.endpoints.length;
    lines.push(
      ...(await reconcileEndpoints(tickContext, work.endpoints, work.time, {
        states,
        fromIndex: false,
        activeRollouts,
      })),
    );
  }
  // Failures are reported, not thrown: a redelivered share of an old tick would decide with old time.
  return { outcome: lines.join(' | ') };
}
