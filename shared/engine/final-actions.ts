// A rollout's last actions (clean-up, rejection, notice) before its record says it ended.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { rolloutCommand } from '#shared/rollout/command-line.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { type NotifyAction, notify, type RolloutAction } from '#shared/rollout/rollout-step.ts';
import { logger } from '#shared/runtime/logger.ts';

/**
 * The final actions of a rollout (clean-up, rejection), all of them or none: a failure is retried on the
 * next tick. Until the progress deadline: past it, a final action that keeps failing (a rejection IAM
 * denies, a model that cannot be deleted) no longer holds the endpoint's queue. Each action is then
 * tried once on its own, the rollout ends as decided, and a loud notice names what failed for people
 * (and the command to check with, for the stack's `stage`).
 */
export async function finishingActions(
  group: GroupPolicy,
  rollout: Rollout,
  next: Rollout,
  actions: readonly RolloutAction[],
  now: string,
  stage: string,
  act: (actions: readonly RolloutAction[]) => Promise<void>,
): Promise<{ next: Rollout; notices: NotifyAction[] }> {
  try {
    await act(actions);
    return { next, notices: [] };
  } catch (error) {
    const dueAt = Date.parse(rollout.phaseSince) + group.rollout.progressDeadlineMinutes * 60_000;
    if (Date.parse(now) <= dueAt) throw error;
  }
  const failed: string[] = [];
  for (const action of actions) {
    try {
      await act([action]);
    } catch (error) {
      failed.push(`${action.kind} (${(error as Error).name}: ${(error as Error).message})`);
    }
  }
  if (failed.length === 0) return { next, notices: [] };
  logger.error('final actions failed past the deadline; the rollout ends without them', {
    endpointName: rollout.endpointName,
    rolloutId: rollout.rolloutId,
    failed,
  });
  const what = failed.join('; ');
  const withNote = { ...next, history: [...next.history, { at: now, phase: next.phase, note: `not done: ${what}` }] };
  return {
    next: withNote,
    notices: [
      notify(
        next,
        `${next.phase}, with final actions that failed`,
        `The rollout ended ${next.phase} (${next.reason ?? 'as decided'}), but these final actions failed on every try until its progress deadline and were given up: ${what}. Do them by hand (e.g. the package's status, the models and configs named above), then check with ${rolloutCommand(stage, `status ${rollout.endpointName}`)}.`,
      ),
    ],
  };
}
