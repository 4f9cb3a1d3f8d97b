// The reconciler's brain: from the rollout record, what was observed and the time, the next record
// and the actions that move the target towards it. Pure: no AWS, no clock (Argo Rollouts' shape).
// What is the same for every target is decided here (a finished rollout, an alarm, the deadline);
// what each phase does on the target is the target's (targets/target.ts).
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { TargetDecisions } from '#shared/targets/target.ts';
import { bakeMinutesOf } from './analysis.ts';
import { awaitingPipeline } from './common-steps.ts';
import type { Observed } from './observed-state.ts';
import { isActive, type Phase, type Rollout } from './rollout-state.ts';
import {
  alarmsForbidTraffic,
  fail,
  firingAlarm,
  holdForMissingAlarms,
  missingPolicyAlarms,
  movesTrafficForward,
  type RolloutStep,
  wait,
} from './rollout-step.ts';

export type { RolloutAction, RolloutStep } from './rollout-step.ts';

const minute = 60_000;

/** A new phase or step, or the bake of this one started: the rollout is getting somewhere. */
function madeProgress(before: Rollout, after: Rollout): boolean {
  return (
    after.phase !== before.phase ||
    after.stepIndex !== before.stepIndex ||
    after.stage !== before.stage ||
    after.bakeStartedAt !== before.bakeStartedAt
  );
}

/** A rollback repairs until it is verified (and says so once); a pipeline run has CodePipeline's own limits. */
const phasesWithoutDeadline: ReadonlySet<Phase> = new Set(['AwaitingPipeline', 'RollingBack']);

/**
 * When the current step must be done: its traffic in place `progressDeadlineMinutes` after it began,
 * or, once it bakes, that long after its bake ends (a missing alarm can hold it no longer). A target
 * adds the time AWS's own clock allows in the phase (a guardrail deployment, a running job).
 */
export function progressDueAt(group: GroupPolicy, rollout: Rollout, allowanceMinutes = 0): number {
  const deadline = (group.rollout.progressDeadlineMinutes + allowanceMinutes) * minute;
  if (rollout.phase === 'Baking' && rollout.bakeStartedAt !== undefined) {
    return Date.parse(rollout.bakeStartedAt) + bakeMinutesOf(group, rollout) * minute + deadline;
  }
  return Date.parse(rollout.phaseSince) + deadline;
}

/**
 * A step that is stuck past its deadline (an endpoint held Updating, a refused call, a missing alarm) is
 * given up, in every phase of every target: only a person's pause stops the clock.
 */
function enforceDeadline(
  decisions: TargetDecisions,
  group: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  step: RolloutStep,
  now: string,
): RolloutStep {
  if (phasesWithoutDeadline.has(rollout.phase) || rollout.paused || madeProgress(rollout, step.next)) return step;
  const allowance = decisions.phaseAllowanceMinutes?.(group, rollout, observed) ?? 0;
  if (Date.parse(now) <= progressDueAt(group, rollout, allowance)) return step;
  const minutes = group.rollout.progressDeadlineMinutes + allowance;
  const reason = `progress deadline exceeded: no progress in ${rollout.phase} within ${minutes} min (${step.note})`;
  // Before the endpoint was touched there is nothing to roll back.
  if (rollout.phase === 'Starting') return fail(rollout, now, `${reason}; the endpoint was not touched`);
  return decisions.rollback(group, rollout, observed, now, reason, 'deadline');
}

/**
 * A paused rollout stays where it is: no new phase, step or stage, and no traffic beyond what the step
 * already decided (which may still arrive where the target says so). Waits, repairs, the bake's clock,
 * rollbacks and failures go on: a pause never keeps an unhealthy version serving.
 */
function holdWhilePaused(decisions: TargetDecisions, rollout: Rollout, step: RolloutStep): RolloutStep {
  if (!rollout.paused || !isActive(step.next) || step.next.phase === 'RollingBack') return step;
  const samePlace =
    step.next.phase === rollout.phase && step.next.stepIndex === rollout.stepIndex && step.next.stage === rollout.stage;
  const traffic = movesTrafficForward(step);
  if (samePlace && (!traffic || decisions.capabilities.settlesWhilePaused.includes(rollout.phase))) return step;
  // The step's traffic arrived: recording it starts no new step.
  const arrived =
    rollout.phase === 'Deploying' &&
    step.next.phase === 'Baking' &&
    step.next.stepIndex === rollout.stepIndex &&
    step.next.stage === rollout.stage &&
    !traffic;
  if (arrived) return step;
  return wait(rollout, `paused: holding ${rollout.phase} (${step.note} when resumed)`);
}

/**
 * The watched alarms whose state changed since the rollout last looked and that are not in ALARM now:
 * while the rollout can roll back, their history is read (an ALARM between two ticks whose event was
 * lost, or that fired while the functions were down, still stops it). `since`: the change last seen.
 */
export function alarmsToLookBack(
  rollout: Rollout,
  observed: Observed,
  rollbackable: boolean,
): { readonly name: string; readonly since?: string }[] {
  const seen = rollout.alarmTransitionsSeen;
  // A record from before transitions were kept has no starting point: it starts keeping them now.
  if (!rollbackable || seen === undefined) return [];
  return rollout.watchedAlarms.flatMap((name) => {
    const changedAt = observed.alarmTransitions?.[name];
    const state = observed.alarms[name];
    if (changedAt === undefined || state === undefined || state === 'ALARM') return [];
    const since = seen[name];
    if (since !== undefined && Date.parse(changedAt) <= Date.parse(since)) return [];
    return [{ name, ...(since === undefined ? {} : { since }) }];
  });
}

/**
 * The step, with the alarm changes seen in this reconcile remembered on the record: when the step writes
 * the record anyway, or when a change was looked up in an alarm's history (so it is read once). A quiet
 * tick with nothing looked up writes nothing.
 */
function withAlarmTransitionsSeen(
  step: RolloutStep,
  rollout: Rollout,
  observed: Observed,
  rollbackable: boolean,
): RolloutStep {
  if (observed.alarmTransitions === undefined) return step;
  const seen = rollout.alarmTransitionsSeen ?? {};
  const changed = rollout.watchedAlarms.filter((name) => {
    const at = observed.alarmTransitions?.[name];
    return at !== undefined && at !== seen[name];
  });
  // Nothing new to remember; or a step that writes nothing and looked nothing up: no write of its own for it.
  if (changed.length === 0 && rollout.alarmTransitionsSeen !== undefined) return step;
  if (step.next === rollout && alarmsToLookBack(rollout, observed, rollbackable).length === 0) return step;
  const updates = Object.fromEntries(changed.map((name) => [name, observed.alarmTransitions?.[name] ?? '']));
  return { ...step, next: { ...step.next, alarmTransitionsSeen: { ...seen, ...updates } } };
}

/** Why an alarm stops the rollout: one in ALARM now, or one that went to ALARM since the last look. */
function alarmReason(rollout: Rollout, observed: Observed): string | undefined {
  const alarm = firingAlarm(rollout, observed);
  if (alarm !== undefined) {
    const why = observed.alarmReasons?.[alarm];
    return `alarm ${alarm} is in ALARM${why ? `: ${why}` : ''}`;
  }
  const missed = rollout.watchedAlarms.find((name) => observed.missedAlarms?.[name] !== undefined);
  if (missed === undefined) return undefined;
  const { at, reason } = observed.missedAlarms?.[missed] ?? { at: '' };
  const state = observed.alarms[missed] ?? 'missing';
  return `alarm ${missed} went to ALARM at ${at} and is ${state} now (its state change reached no function)${reason ? `: ${reason}` : ''}`;
}

/** `decisions`: the rollout's target (targets/drivers.ts). */
export function decideRolloutStep(
  group: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  now: string,
  decisions: TargetDecisions,
): RolloutStep {
  if (!isActive(rollout)) return wait(rollout, `${rollout.phase}: nothing more to do`);
  const rollbackable = decisions.rollbackablePhases.includes(rollout.phase);
  const reason = alarmReason(rollout, observed);
  if (reason !== undefined && rollbackable) {
    const rollback = decisions.rollback(group, rollout, observed, now, reason, 'alarm');
    return withAlarmTransitionsSeen(rollback, rollout, observed, rollbackable);
  }
  // The delivery pipeline runs before any target is touched: the same wait for every target.
  const proposed =
    rollout.phase === 'AwaitingPipeline'
      ? awaitingPipeline(rollout, observed.pipelineStatus, now)
      : decisions.step(group, rollout, observed, now);
  const step = holdTrafficForAlarms(group, rollout, observed, holdWhilePaused(decisions, rollout, proposed));
  const bounded = enforceDeadline(decisions, group, rollout, observed, step, now);
  return withAlarmTransitionsSeen(bounded, rollout, observed, rollbackable);
}

/**
 * On every target, a step that gives the new version traffic (or more of it) is held while a watched
 * alarm says no: in ALARM, without data where the policy does not take that as OK, or missing. The
 * engine reads the alarms again at the moment of the write and applies the same rule.
 */
function holdTrafficForAlarms(group: GroupPolicy, rollout: Rollout, observed: Observed, step: RolloutStep) {
  if (!movesTrafficForward(step) || observed.alarmsPartial) return step;
  const forbidden = alarmsForbidTraffic(rollout, group.rollout.insufficientDataIsOk, observed.alarms);
  if (forbidden === undefined) return step;
  const missing = missingPolicyAlarms(rollout, observed);
  return missing.length > 0 ? holdForMissingAlarms(rollout, missing) : wait(rollout, `holding: ${forbidden}`);
}
