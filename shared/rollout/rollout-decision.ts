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

export function decideRolloutStep(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  if (!isActive(rollout)) return wait(rollout, `${rollout.phase}: nothing more to do`);
  const endpoint = observed.endpoint;

  const alarm = firingAlarm(rollout, observed);
  if (alarm !== undefined && rollbackablePhases.includes(rollout.phase)) {
    const why = observed.alarmReasons?.[alarm];
    return beginRollback(group, rollout, endpoint, now, `alarm ${alarm} is in ALARM${why ? `: ${why}` : ''}`, 'alarm');
  }

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
      return rollingBack(group, rollout, endpoint, now);
    default:
      return wait(rollout, `${rollout.phase}: nothing to do`);
  }
}
