// A multi-model endpoint serves many groups' models from one fleet, each loaded by name from the model
// prefix. A new version needs no endpoint update: it is copied under a new name (SageMaker caches loaded
// models by name), smoke-tested if the policy says so, and published as the group's target model, which
// clients pass as TargetModel. Clients route, so there are no weights to step: the switch is whole, and
// bakeMinutes is how long the group's alarms may still send clients back to the previous version.
// https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html
import { type GroupPolicy, targetOf } from '#shared/policy/policy-schema.ts';
import { blockingAlarm, retainAfterCompletion } from '#shared/rollout/common-steps.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import { endRollback } from '#shared/rollout/rollout-outcome.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import {
  elapsedMinutes,
  fail,
  holdBeforeStart,
  holdForMissingAlarms,
  holdForOwnership,
  holdWithNotice,
  missingPolicyAlarms,
  moveTo,
  notify,
  type RolloutAction,
  type RolloutStep,
  rollingBackNotice,
  wait,
} from '#shared/rollout/rollout-step.ts';
import { firstDeploymentPlan } from '#shared/targets/endpoints/incumbent-settings.ts';
import type { TargetDecisions } from '../target.ts';

/** The SSM parameter clients read: `<prefix>/target-model/<group>`. */
export function targetModelParameter(parameterPrefix: string, groupName: string): string {
  return `${parameterPrefix}/target-model/${groupName}`;
}

/** A version's object name under the model prefix: new per version, so a cached model is never stale. */
export function targetModelOf(groupName: string, packageVersion: number): string {
  return `${groupName}/v${packageVersion}.tar.gz`;
}

function mme(group: GroupPolicy) {
  const target = targetOf(group);
  if (target.kind !== 'multi-model') throw new Error(`${group.endpointName}: not a multi-model group`);
  return target;
}

/**
 * The parameter name depends on the stack's prefix, which only the driver knows: decisions name it
 * by the group, and the driver's act() completes it (see multi-model/act.ts).
 */
export const parameterOfGroup = (rollout: Rollout) => `target-model/${rollout.groupName}`;

function publish(rollout: Rollout, value: string, why: string): RolloutAction {
  return { kind: 'publishParameter', name: parameterOfGroup(rollout), value, description: why };
}

function start(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const target = mme(group);
  const endpoint = observed.endpoint;
  if (endpoint === undefined) {
    const waitingFor = `the multi-model endpoint ${target.endpointName} does not exist`;
    const detail =
      `The group's versions are served by ${target.endpointName}, which the team creates (its model with ` +
      `Mode MultiModel and ModelDataUrl ${target.modelPrefix}). The rollout starts when it is InService; ` +
      'after rollout.progressDeadlineMinutes it fails.';
    return holdWithNotice(rollout, { key: 'mme:missing', outcome: `is waiting: ${waitingFor}`, detail }, waitingFor);
  }
  const held = holdBeforeStart(rollout, endpoint, observed);
  if (held !== undefined) return held;
  if (observed.incumbent !== undefined && observed.incumbent.endpointOwner.kind !== 'this stack') {
    return holdForOwnership(rollout, observed.incumbent.endpointOwner, target.endpointName);
  }
  if (observed.modelArtifactUrl === undefined) {
    return fail(
      rollout,
      now,
      'the package names no model artifact (InferenceSpecification.Containers[0].ModelDataUrl)',
    );
  }
  const targetModel = targetModelOf(rollout.groupName, rollout.packageVersion);
  const note = `copying the model to ${target.modelPrefix}${targetModel}`;
  const next = moveTo(rollout, 'Deploying', now, note, {
    targetModel,
    // What is kept and released after completion is the object, by its name under the prefix.
    challengerModel: targetModel,
    targetConfigName: '',
    ...(observed.publishedTargetModel ? { previousTargetModel: observed.publishedTargetModel } : {}),
    incumbentVariants: [],
    guardAlarms: [],
  });
  return {
    next,
    actions: [{ kind: 'copyArtifact', from: observed.modelArtifactUrl, to: `${target.modelPrefix}${targetModel}` }],
    note,
  };
}

function deploying(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const target = mme(group);
  const targetModel = rollout.targetModel as string;
  if (observed.artifactCopied === false) return wait(rollout, `waiting: ${targetModel} is not under the prefix yet`);
  if (observed.smokeTest !== undefined && !observed.smokeTest.passed) {
    const reason = `the smoke test of ${targetModel} on ${target.endpointName} failed: ${observed.smokeTest.error}; clients were not told to use it`;
    return fail(rollout, now, reason, [{ kind: 'deleteArtifacts', uris: [`${target.modelPrefix}${targetModel}`] }]);
  }
  const tested = observed.smokeTest === undefined ? '' : 'smoke test passed: ';
  const note = `${tested}clients now use ${targetModel}`;
  const next = moveTo(rollout, 'Baking', now, note, { bakeStartedAt: now });
  return {
    next,
    actions: [
      publish(rollout, targetModel, `sagemaker-rollout: ${rollout.groupName} v${rollout.packageVersion}`),
      notify(
        rollout,
        'is live for clients',
        `Target model ${targetModel} on ${target.endpointName}; it bakes ${group.rollout.bakeMinutes} min.`,
      ),
    ],
    note,
  };
}

function baking(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const missing = missingPolicyAlarms(rollout, observed);
  if (missing.length > 0) return holdForMissingAlarms(rollout, missing);
  const holding = blockingAlarm(group, rollout, observed);
  if (holding !== undefined) return wait(rollout, `holding: alarm ${holding} has no data yet`);
  const waited = elapsedMinutes(rollout.bakeStartedAt ?? now, now);
  if (waited < group.rollout.bakeMinutes) {
    return wait(rollout, `baking: ${Math.floor(waited)} of ${group.rollout.bakeMinutes} min`);
  }
  const { kept, released } = retainAfterCompletion(group, rollout);
  const target = mme(group);
  const note = `completed: ${rollout.targetModel} baked ${group.rollout.bakeMinutes} min`;
  return {
    next: moveTo(rollout, 'Completed', now, note, { retainedVersions: kept, bakeStartedAt: undefined }),
    actions:
      released.length === 0
        ? []
        : [{ kind: 'deleteArtifacts', uris: released.map((version) => `${target.modelPrefix}${version.modelName}`) }],
    note,
  };
}

/** What clients are told again: the previous version, or nothing for a group's first version. */
function restoreClients(rollout: Rollout): RolloutAction {
  const previous = rollout.previousTargetModel;
  return previous === undefined
    ? { kind: 'deleteParameter', name: parameterOfGroup(rollout) }
    : publish(rollout, previous, `sagemaker-rollout: ${rollout.groupName} rolled back`);
}

/**
 * Clients are told the previous version again (or nothing, for a first version); once that is read back,
 * the rollback is verified and the new object removed. Until then each tick tells them again.
 */
function rollingBack(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const previous = rollout.previousTargetModel;
  const told = observed.publishedTargetModel;
  const restored = previous === undefined ? told === null : told === previous;
  if (!restored) {
    return {
      next: rollout,
      actions: [restoreClients(rollout)],
      note: `telling clients to use ${previous ?? 'no model'} again`,
    };
  }
  return endRollback(group, rollout, now, {
    serves: `Clients are told to use ${previous ?? 'no model (this was the first version)'} again, verified`,
    cleanup: [{ kind: 'deleteArtifacts', uris: [`${mme(group).modelPrefix}${rollout.targetModel}`] }],
    note: `clients use ${previous ?? 'no model'} again`,
  });
}

function step(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  switch (rollout.phase) {
    case 'Starting':
      return start(group, rollout, observed, now);
    case 'Deploying':
      return deploying(group, rollout, observed, now);
    case 'Baking':
      return baking(group, rollout, observed, now);
    case 'RollingBack':
      return rollingBack(group, rollout, observed, now);
    default:
      return wait(rollout, `${rollout.phase}: nothing to do`);
  }
}

export const multiModelDecisions: TargetDecisions = {
  capabilities: {
    describedAs: 'a multi-model endpoint (clients choose the version by TargetModel)',
    weights: false,
    nativeRollback: false,
    pausablePhases: ['AwaitingPipeline', 'Starting', 'Deploying', 'Baking'],
    pauseRefused: 'the switch is done',
    settlesWhilePaused: [],
    promotablePhases: [],
    promoteRefused:
      'clients are switched to the new version whole, at once; there are no traffic steps to skip (its bake ends by itself, or abort it)',
  },
  // Endpoint-level alarms are shared by every group on the endpoint: only a group whose switch bakes reacts.
  rollbackablePhases: ['Baking'],
  // Only a variant of its own has metrics of its own to guard: none here.
  prepare: (group) => ({ guardAlarms: [], challenger: firstDeploymentPlan(group) }),
  step,
  rollback(group, rollout, _observed, now, reason, cause) {
    // Before clients were told, there is nothing to tell them again: the copy is removed, the rollout fails.
    if (rollout.phase === 'Starting' || rollout.phase === 'Deploying') {
      const uris = rollout.targetModel === undefined ? [] : [`${mme(group).modelPrefix}${rollout.targetModel}`];
      return fail(
        rollout,
        now,
        `${reason}; clients were not told to use it`,
        uris.length > 0 ? [{ kind: 'deleteArtifacts', uris }] : [],
      );
    }
    // Recorded first, then clients are told: a refused write is repaired on the next tick, never given up.
    const next = moveTo(rollout, 'RollingBack', now, `rolling back: ${reason}`, { reason, rollbackCause: cause });
    return {
      next,
      actions: [restoreClients(next), rollingBackNotice(rollout, reason)],
      note: `rolling back: ${reason}`,
    };
  },
};
