// primary adapter (SQS: a share of a tick too large for one invocation) -> use case (reconcile those endpoints) -> secondary adapters
import { readEndpointStates } from '#shared/aws/rollout-store.ts';
import { reconcileEndpoints } from '#shared/engine/reconcile-many.ts';
import { BadInputError } from '#shared/errors.ts';
import { parseEvent, reconcileQueueEventSchema, reconcileWorkSchema } from '#shared/events/event-schemas.ts';
import type { RunContext, RunResult } from '#shared/runtime/run-context.ts';

function parseBody(messageId: string, body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new BadInputError(`message ${messageId}: body is not JSON: ${(error as Error).message}`);
  }
}

export async function reconcileWork(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const { Records } = parseEvent(reconcileQueueEventSchema, rawEvent);
  const lines: string[] = [];
  for (const { messageId, body } of Records) {
    const work = parseEvent(reconcileWorkSchema, parseBody(messageId, body));
    // Records read in batches of strongly consistent reads: they may decide writes at once.
    const states = await readEndpointStates(context.settings.rolloutsTableName, work.endpoints);
    // A message from before the count was sent: its own endpoints are all it knows of.
    const activeRollouts = work.activeRollouts ?? work.endpoints.length;
    lines.push(
      ...(await reconcileEndpoints(context, work.endpoints, work.time, { states, fromIndex: false, activeRollouts })),
    );
  }
  // Failures are reported, not thrown: a redelivered share of an old tick would decide with old time.
  return { outcome: lines.join(' | ') };
}
