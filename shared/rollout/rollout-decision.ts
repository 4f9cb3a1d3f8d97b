// The reconciler's brain: from the rollout record, what was observed and the time, the next record
// and the actions that move the endpoint towards it. Pure: no AWS, no clock (Argo Rollouts' shape).
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { awaitingPipeline, baking, creating, deploying, finalizing, start } from './forward-steps.ts';
import type { Observed } from './observed-state.ts';
import { beginRollback, rollingBack } from './rollback-steps.ts';
import { isActive, type Phase, type Rollout } from './rollout-state.ts';
import { fail, firingAlarm, type RolloutStep, wait } from './rollout-step.ts';

export type { RolloutAction, RolloutStep } from './rollout-step.ts';

const rollbackablePhases: readonly Phase[] = ['Deploying', 'Baking', 'Finalizing'];
/** Phases that must make progress: a pipeline run has its own clock, and a rollback repairs until it is verified. */
const deadlinePhases: readonly Phase[] = ['Starting', 'Deploying', 'Baking', 'Finalizing'];
const minute = 60_000;

function decidePhase(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const endpoint = observed.endpoint;
  switch (rollout.phase) {
    case 'AwaitingPipeline':
      return awaitingPipeline(rollout, observed.pipelineStatus, now);
    case 'Starting':
      return start(group, rollout, observed, now);
    case 'Creating':
      return creating(group, rollout, endpoint, now);
    default:
      break;
  }
  if (endpoint === undefined) return fail(rollout, now, `the endpoint ${rollout.endpointName} no longer exists`);
  if (endpoint.status === 'Failed')
    return fail(rollout, now, `the endpoint is Failed: ${endpoint.failureReason ?? 'no reason given'}`);
  // SageMaker refuses changes while an update is in flight; the next tick looks again.
  if (endpoint.status !== 'InService') return wait(rollout, `waiting: the endpoint is ${endpoint.status}`);

  switch (rollout.phase) {
    case 'Deploying':
      return deploying(group, rollout, endpoint, observed, now);
    case 'Baking':
      return baking(group, rollout, endpoint, observed, now);
    case 'Finalizing':
      return finalizing(group, rollout, endpoint, observed, now);
    case 'RollingBack':
      return rollingBack(group, rollout, endpoint, observed, now);
    default:
      return wait(rollout, `${rollout.phase}: nothing to do`);
  }
}

/** A new phase or step, or the bake of this one started: the rollout is getting somewhere. */
function madeProgress(before: Rollout, after: Rollout): boolean {
  return (
    after.phase !== before.phase ||
    after.stepIndex !== before.stepIndex ||
    after.stage !== before.stage ||
    after.bakeStartedAt !== before.bakeStartedAt
  );
}

/**
 * When the current step must be done: its traffic in place `progressDeadlineMinutes` after it began,
 * or, once it bakes, that long after its bake ends (a missing alarm can hold it no longer).
 */
export function progressDueAt(group: GroupPolicy, rollout: Rollout): number {
  const deadline = group.rollout.progressDeadlineMinutes * minute;
  if (rollout.phase === 'Baking' && rollout.bakeStartedAt !== undefined) {
    const bakeMinutes = rollout.stage === 'shadow' ? group.rollout.shadowMinutes : group.rollout.bakeMinutes;
    return Date.parse(rollout.bakeStartedAt) + bakeMinutes * minute + deadline;
  }
  return Date.parse(rollout.phaseSince) + deadline;
}

/** A step that is stuck past its deadline (an endpoint held Updating, a refused call, a missing alarm) is given up. */
function enforceDeadline(
  group: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  step: RolloutStep,
  now: string,
): RolloutStep {
  // A paused rollout is held by a person, not stuck.
  if (!deadlinePhases.includes(rollout.phase) || rollout.paused || madeProgress(rollout, step.next)) return step;
  if (Date.parse(now) <= progressDueAt(group, rollout)) return step;
  const reason = `progress deadline exceeded: no progress in ${rollout.phase} within ${group.rollout.progressDeadlineMinutes} min (${step.note})`;
  // Before the endpoint was touched there is nothing to roll back.
  if (rollout.phase === 'Starting') return fail(rollout, now, `${reason}; the endpoint was not touched`);
  return beginRollback(group, rollout, observed.endpoint, observed, now, reason, 'deadline');
}

export function decideRolloutStep(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  if (!isActive(rollout)) return wait(rollout, `${rollout.phase}: nothing more to do`);
  const alarm = firingAlarm(rollout, observed);
  if (alarm !== undefined && rollbackablePhases.includes(rollout.phase)) {
    const why = observed.alarmReasons?.[alarm];
    const reason = `alarm ${alarm} is in ALARM${why ? `: ${why}` : ''}`;
    return beginRollback(group, rollout, observed.endpoint, observed, now, reason, 'alarm');
  }
  return enforceDeadline(group, rollout, observed, decidePhase(group, rollout, observed, now), now);
}
