// How the core's decision is carried out, in one order for every target and every caller (the engine,
// the contract tests' simulated worlds): into a final phase, act first and then record; otherwise record
// first and act second. Notices and events go out once the step is recorded, and never fail it.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { DecisionEvent } from '#shared/rollout/decision-events.ts';
import type { ReconcileDecision } from '#shared/rollout/reconcile-once.ts';
import { isActive, type Rollout } from '#shared/rollout/rollout-state.ts';
import type { NotifyAction, RolloutAction } from '#shared/rollout/rollout-step.ts';
import { finishingActions } from './final-actions.ts';

/** What carrying out a step needs of the world: AWS in the engine, a simulation in the contract tests. */
export interface StepEffects {
  /** Stores `next` over `before` with the version condition (throws RaceLostError); returns what was stored. */
  record(next: Rollout, before: Rollout): Promise<Rollout>;
  /** The target's driver performs `actions` in order, for the rollout as recorded. */
  act(rollout: Rollout, actions: readonly RolloutAction[]): Promise<void>;
  /** Sends notices and decision events; a failure is logged by the caller, never thrown. */
  tell(notices: readonly NotifyAction[], events: readonly DecisionEvent[]): Promise<void>;
  /** The events of a final write (the record as stored may carry a note of failed final actions). */
  finalEvents(before: Rollout, saved: Rollout): readonly DecisionEvent[];
}

/**
 * Carries out `decision`, made from `before`; returns the record as stored (the same object when nothing was).
 * `stage`: the stack's, named by the command a notice of failed final actions ends with.
 */
export async function executeStep(
  plan: GroupPolicy,
  before: Rollout,
  decision: ReconcileDecision,
  now: string,
  stage: string,
  effects: StepEffects,
): Promise<Rollout> {
  const { next, acting, notices } = decision;
  if (next !== before && !isActive(next)) {
    // Into a final phase, act first: the clean-up and rejection must not be lost to a failed call,
    // since nothing looks at a finished rollout again. They are idempotent, so a retry is safe.
    const finished = await finishingActions(plan, before, next, acting, now, stage, (actions) =>
      effects.act(next, actions),
    );
    const saved = await effects.record(finished.next, before);
    await effects.tell([...notices, ...finished.notices], effects.finalEvents(before, saved));
    return saved;
  }
  if (next === before && decision.actions.length === 0) return before;
  // Record first, act second: if an action fails, the record already says what to converge to and
  // the next tick repairs. Even a step that only acts claims the record's version first, so a writer
  // that decided from an older record (a rollback in between, say) loses the race before it acts.
  const saved = await effects.record(next, before);
  try {
    await effects.act(saved, acting);
  } finally {
    // The transition is recorded: its notice goes out even when an action failed (the next tick
    // repairs the action, but does not make the transition, nor its notice, again).
    await effects.tell(notices, decision.events);
  }
  return saved;
}
