// A real-time endpoint on instances: the new version is a second production variant beside the
// incumbent, stepped by weights (capacity first), finalized to a config of its own, rolled back by
// weights and the incumbent's config. The steps themselves live in forward-steps.ts and
// rollback-steps.ts, beside this file; this is their order by phase.
import { guardAlarmNames } from '#shared/aws/cloudwatch.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { fail, type RolloutStep, wait } from '#shared/rollout/rollout-step.ts';
import { firstDeploymentPlan } from '#shared/targets/endpoints/incumbent-settings.ts';
import { beginRollback, rollingBack } from '#shared/targets/real-time/rollback-steps.ts';
import type { TargetDecisions } from '../target.ts';
import { baking, creating, deploying, finalizing, start } from './forward-steps.ts';

function step(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const endpoint = observed.endpoint;
  switch (rollout.phase) {
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

export const realTimeDecisions: TargetDecisions = {
  capabilities: {
    describedAs: 'a real-time endpoint (a second production variant beside the incumbent)',
    weights: true,
    nativeRollback: false,
    pausablePhases: ['AwaitingPipeline', 'Starting', 'Deploying', 'Baking', 'Finalizing'],
    pauseRefused: 'a first deployment creates the endpoint; there is no traffic to hold (abort is refused too)',
    // The weights or capacity of the step already recorded still arrive; its bake then waits for resume.
    settlesWhilePaused: ['Deploying', 'Baking'],
    promotablePhases: ['Deploying', 'Baking'],
    promoteRefused: 'only a rollout that is deploying or baking can be promoted',
  },
  rollbackablePhases: ['Deploying', 'Baking', 'Finalizing'],
  prepare: (group, challengerVariant) => ({
    guardAlarms: guardAlarmNames(group.endpointName, challengerVariant, group.rollout),
    challenger: firstDeploymentPlan(group),
  }),
  step,
  rollback: (group, rollout, observed, now, reason, cause) =>
    beginRollback(group, rollout, observed.endpoint, observed, now, reason, cause),
};
