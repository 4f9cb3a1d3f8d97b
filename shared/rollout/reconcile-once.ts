// One decision of the rollout core, for any target: from the plan, the record, what was observed and the
// time, the next record, what the target's driver must do, the notices for people and the events for other
// tools. Pure. The engine (engine/reconcile.ts) records it, then has the driver act; the contract tests
// (test/unit/targets/driver-contract.test.ts) drive it against each target's simulated world.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { TargetDecisions } from '#shared/targets/target.ts';
import { hintLine } from './command-line.ts';
import { type DecisionEvent, transitionEvents } from './decision-events.ts';
import type { Observed } from './observed-state.ts';
import { decideRolloutStep } from './rollout-decision.ts';
import type { Rollout } from './rollout-state.ts';
import {
  commandToAct,
  movesTrafficForward,
  type NotifyAction,
  type RolloutAction,
  type RolloutStep,
  withTrafficRecorded,
} from './rollout-step.ts';

export interface ReconcileDecision extends RolloutStep {
  /** The actions the driver performs, in order: `actions` without the notices. */
  readonly acting: readonly RolloutAction[];
  /** Sent once the step is recorded, each ending with the one command a person would run next. */
  readonly notices: readonly NotifyAction[];
  /** The decision events of the transition (a step, a pause, a rollback, an outcome). */
  readonly events: readonly DecisionEvent[];
  /** The step gives the new version traffic: the engine reads the alarms again at the moment of the write. */
  readonly movesTraffic: boolean;
}

/** `stage`: the stack's, which the command each notice ends with names (rollout/command-line.ts). */
export function reconcileOnce(
  decisions: TargetDecisions,
  plan: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  now: string,
  stage: string,
): ReconcileDecision {
  const step = withTrafficRecorded(decideRolloutStep(plan, rollout, observed, now, decisions), now);
  const notices = step.actions.flatMap((action): NotifyAction[] => {
    if (action.kind !== 'notify') return [];
    const { command, ...notice } = action;
    return [{ ...notice, message: `${notice.message}\n\n${hintLine(command ?? commandToAct(step.next), stage)}` }];
  });
  const stepPercent = (index: number) => plan.rollout.steps[index];
  return {
    ...step,
    acting: step.actions.filter((action) => action.kind !== 'notify'),
    notices,
    events: step.next === rollout ? [] : transitionEvents(rollout, step.next, now, stepPercent),
    movesTraffic: movesTrafficForward(step),
  };
}
