// An inference component deploys one model onto an endpoint that several groups share, each group its own
// component. A group's first version creates the component; every later one is a new Specification sent with
// SageMaker's rolling update: SageMaker moves the copies batch by batch, bakes each batch for bakeMinutes,
// watches the group's alarms and rolls back by itself. The rollout follows it to Completed or RolledBack
// (with SageMaker's FailureReason), as with deployment guardrails (endpoints/guardrail-decisions.ts).
// The copy count is never sent on an update: the component's auto scaling owns it (aws/inference-components.ts).
// https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-deploy-models.html
import { type GroupPolicy, type InferenceComponentTarget, targetOf } from '#shared/policy/policy-schema.ts';
import { retainAfterCompletion } from '#shared/rollout/common-steps.ts';
import type { Observed, ObservedInferenceComponent } from '#shared/rollout/observed-state.ts';
import { endRollback } from '#shared/rollout/rollout-outcome.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import {
  createChallengerModel,
  fail,
  firingAlarm,
  holdBeforeStart,
  holdForOwnership,
  holdWithNotice,
  moveTo,
  notify,
  type RolloutAction,
  type RolloutStep,
  rollingBackNotice,
  wait,
} from '#shared/rollout/rollout-step.ts';
import { firstDeploymentPlan } from '#shared/targets/endpoints/incumbent-settings.ts';
import type { TargetDecisions } from '../target.ts';
import { computeResourcesOf, deploymentConfigFor, executionTimeoutFor, specificationOf } from './rolling-update.ts';

export function componentTarget(group: GroupPolicy): InferenceComponentTarget & { readonly componentName: string } {
  const target = targetOf(group);
  if (target.kind !== 'inference-component') throw new Error(`${group.endpointName}: not an inference component group`);
  return target;
}

/** A version's model: `<component>-v<version>`. */
export function componentModelName(componentName: string, packageVersion: number): string {
  return `${componentName}-v${packageVersion}`;
}

function update(
  group: GroupPolicy,
  rollout: Rollout,
  target: InferenceComponentTarget & { readonly componentName: string },
): RolloutAction {
  const planned = rollout.componentUpdate;
  const unexercised = planned?.unexercised === true;
  return {
    kind: 'updateInferenceComponent',
    componentName: target.componentName,
    specification: specificationOf(rollout.challengerModel, computeResourcesOf(target)),
    // A component with no copies has nothing to roll nor traffic to watch: its specification is replaced plainly.
    ...(unexercised || planned === undefined
      ? {}
      : { deploymentConfig: deploymentConfigFor(group, target, planned.executionTimeoutSeconds) }),
  };
}

function create(rollout: Rollout, target: InferenceComponentTarget & { readonly componentName: string }) {
  return {
    kind: 'createInferenceComponent',
    componentName: target.componentName,
    endpointName: target.endpointName,
    variantName: target.variantName,
    specification: specificationOf(rollout.challengerModel, computeResourcesOf(target)),
    copyCount: target.copyCount,
  } as const;
}

function start(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const target = componentTarget(group);
  const endpoint = observed.endpoint;
  if (endpoint === undefined) {
    const waitingFor = `the endpoint ${target.endpointName} does not exist`;
    const detail =
      `The component ${target.componentName} is placed on ${target.endpointName}, which the team creates (a variant ` +
      'without a model, for inference components). The rollout starts when it is InService; after ' +
      'rollout.progressDeadlineMinutes it fails.';
    return holdWithNotice(rollout, { key: 'ic:missing', outcome: `is waiting: ${waitingFor}`, detail }, waitingFor);
  }
  const held = holdBeforeStart(rollout, endpoint, observed);
  if (held !== undefined) return held;
  if (observed.incumbent !== undefined && observed.incumbent.endpointOwner.kind !== 'this stack') {
    return holdForOwnership(rollout, observed.incumbent.endpointOwner, target.endpointName);
  }
  const component = observed.inferenceComponent;
  const challengerModel = componentModelName(target.componentName, rollout.packageVersion);
  const common = {
    challengerModel,
    challenger: firstDeploymentPlan(group, observed.packageContainers),
    targetConfigName: '',
    incumbentVariants: [],
    guardAlarms: [],
  };
  if (component === null || component === undefined) {
    const note = `creating the inference component ${target.componentName} on ${target.endpointName}`;
    const next = moveTo(rollout, 'Creating', now, note, common);
    return { next, actions: [createChallengerModel(group, next), create(next, target)], note };
  }
  if (component.status !== 'InService') {
    return wait(rollout, `waiting: the inference component ${target.componentName} is ${component.status}`);
  }
  const copies = component.currentCopyCount;
  const unexercised = copies === 0;
  const note = unexercised
    ? `replacing ${component.modelName} with ${challengerModel}: the component has no copies, so no rolling update`
    : `deploying with SageMaker's rolling update (${copies} copies)`;
  const next = moveTo(rollout, 'Deploying', now, note, {
    ...common,
    componentUpdate: {
      previousModel: component.modelName,
      previousComputeResources: component.computeResources,
      requestedAt: component.lastModifiedTime,
      executionTimeoutSeconds: executionTimeoutFor(group, target, copies),
      ...(unexercised ? { unexercised } : {}),
    },
  });
  return { next, actions: [createChallengerModel(group, next), update(group, next, target)], note };
}

function complete(group: GroupPolicy, rollout: Rollout, now: string, how: string): RolloutStep {
  const { kept, released } = retainAfterCompletion(group, rollout);
  const unexercised = rollout.componentUpdate?.unexercised === true;
  const note = unexercised
    ? `completed, not exercised by traffic: the component has no copies, so ${rollout.challengerModel} served nobody and no alarm judged it`
    : `completed: ${how}`;
  return {
    next: moveTo(rollout, 'Completed', now, note, { retainedVersions: kept, reason: undefined, waitingFor: undefined }),
    actions: [
      ...(released.length > 0
        ? [{ kind: 'deleteModels', modelNames: released.map((version) => version.modelName) } as const]
        : []),
      unexercised
        ? notify(
            rollout,
            'is live, not exercised by traffic',
            `${note}. It serves once the component scales out; its first copies are not a rolling update, and a bad version is found by the alarms only then.`,
          )
        : notify(rollout, 'is live', note),
    ],
    note,
  };
}

function creating(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const target = componentTarget(group);
  const component = observed.inferenceComponent;
  if (component === null || component === undefined) {
    // Recorded, but the create never landed (the invocation stopped between two writes): send it again.
    return {
      next: rollout,
      actions: [createChallengerModel(group, rollout), create(rollout, target)],
      note: 'repairing: re-sending the creation',
    };
  }
  if (component.status === 'Failed') {
    return fail(rollout, now, `the inference component is Failed: ${component.failureReason ?? 'no reason given'}`);
  }
  if (component.status !== 'InService') return wait(rollout, `waiting: the inference component is ${component.status}`);
  return complete(group, rollout, now, `the inference component ${target.componentName} serves ${component.modelName}`);
}

/** Which watched alarm SageMaker's reason, or CloudWatch, says was firing: the rollback is the model's fault. */
function alarmBehind(rollout: Rollout, observed: Observed, failureReason: string): string | undefined {
  return (
    rollout.watchedAlarms.find((name) => failureReason.includes(name)) ??
    rollout.watchedAlarms.find((name) => observed.alarms[name] === 'ALARM')
  );
}

const changedSince = (rollout: Rollout, component: ObservedInferenceComponent) =>
  rollout.componentUpdate !== undefined && component.lastModifiedTime !== rollout.componentUpdate.requestedAt;

function deploying(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const target = componentTarget(group);
  const component = observed.inferenceComponent;
  const previous = rollout.componentUpdate?.previousModel ?? 'the previous model';
  if (component === null || component === undefined) {
    return fail(rollout, now, `the inference component ${target.componentName} no longer exists`);
  }
  if (component.status === 'Failed') {
    return fail(rollout, now, `the inference component is Failed: ${component.failureReason ?? 'no reason given'}`);
  }
  if (component.status !== 'InService') {
    const alarm = firingAlarm(rollout, observed);
    if (alarm === undefined) return wait(rollout, `waiting: SageMaker's rolling update (${component.status})`);
    // SageMaker's auto-rollback acts on it at the end of the batch; the record says so once.
    const waitingFor = `SageMaker's auto-rollback: alarm ${alarm} is in ALARM`;
    if (rollout.waitingFor === waitingFor) return wait(rollout, `waiting: ${waitingFor}`);
    return { next: { ...rollout, waitingFor }, actions: [], note: `waiting: ${waitingFor}` };
  }
  if (component.modelName === rollout.challengerModel) {
    return complete(group, rollout, now, `SageMaker moved every copy of ${target.componentName} to the new version`);
  }
  if (!changedSince(rollout, component)) {
    // Our record says we asked, but the component never changed: the invocation stopped between two writes.
    return {
      next: rollout,
      actions: [createChallengerModel(group, rollout), update(group, rollout, target)],
      note: 'repairing: re-sending the update',
    };
  }
  const failure = component.failureReason ?? `the component serves ${component.modelName} again, without a reason`;
  const alarm = alarmBehind(rollout, observed, failure);
  const next = {
    ...rollout,
    reason: `SageMaker rolled the update back: ${failure}`,
    rollbackCause: alarm === undefined ? 'failed-update' : 'alarm',
  } as const;
  return endRollback(group, next, now, {
    serves: `The inference component ${target.componentName} serves ${component.modelName} again`,
    cleanup: [{ kind: 'deleteModels', modelNames: [rollout.challengerModel] }],
    note: `rolled back to ${previous}`,
  });
}

/** A person or the deadline: once SageMaker's update has ended, the previous model's specification again. */
function rollingBack(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const target = componentTarget(group);
  const component = observed.inferenceComponent;
  const planned = rollout.componentUpdate;
  if (component === null || component === undefined || planned === undefined) {
    return fail(
      rollout,
      now,
      `cannot roll back: ${planned === undefined ? 'no previous version' : 'the component is gone'}`,
    );
  }
  if (component.status !== 'InService') return wait(rollout, `waiting: the inference component is ${component.status}`);
  if (component.modelName === planned.previousModel) {
    return endRollback(group, rollout, now, {
      serves: `The inference component ${target.componentName} serves ${planned.previousModel} again, verified`,
      cleanup: [{ kind: 'deleteModels', modelNames: [rollout.challengerModel] }],
      note: `${target.componentName} serves ${planned.previousModel} again`,
    });
  }
  // No DeploymentConfig: the way back is one update, as SageMaker's own rollback is (100% of the capacity).
  return {
    next: rollout,
    actions: [
      {
        kind: 'updateInferenceComponent',
        componentName: target.componentName,
        specification: specificationOf(planned.previousModel, planned.previousComputeResources),
      },
    ],
    note: `restoring ${planned.previousModel}`,
  };
}

function step(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  switch (rollout.phase) {
    case 'Starting':
      return start(group, rollout, observed, now);
    case 'Creating':
      return creating(group, rollout, observed, now);
    case 'Deploying':
      return deploying(group, rollout, observed, now);
    case 'RollingBack':
      return rollingBack(group, rollout, observed, now);
    default:
      return wait(rollout, `${rollout.phase}: nothing to do`);
  }
}

export const inferenceComponentDecisions: TargetDecisions = {
  capabilities: {
    describedAs: "an inference component (SageMaker's rolling update)",
    weights: false,
    nativeRollback: true,
    pausablePhases: ['AwaitingPipeline', 'Starting'],
    pauseRefused:
      "SageMaker is carrying out the rolling update: it moves the component's copies batch by batch, bakes each batch, and rolls back by itself when a watched alarm fires; an update it runs cannot be held part-way. `rollout abort` restores the previous model once SageMaker's update ends",
    settlesWhilePaused: [],
    promotablePhases: [],
    promoteRefused:
      "SageMaker carries out the rolling update sent at the start; there are no steps of the rollout's to skip",
  },
  // While SageMaker updates, its auto-rollback acts on the group's alarms; the rollout records what it did.
  rollbackablePhases: [],
  // SageMaker gives up after MaximumExecutionTimeoutInSeconds and rolls back itself: the core waits that long,
  // and the progress deadline on top, once SageMaker has taken the update.
  phaseAllowanceMinutes: (_group, rollout, observed) => {
    const planned = rollout.componentUpdate;
    const component = observed.inferenceComponent;
    if (rollout.phase !== 'Deploying' || planned === undefined || planned.unexercised === true) return undefined;
    if (component === null || component === undefined || !changedSince(rollout, component)) return undefined;
    return Math.ceil(planned.executionTimeoutSeconds / 60);
  },
  // A component has no variant of its own, so no metrics of its own to guard with alarms the rollout makes.
  prepare: (group) => ({ guardAlarms: [], challenger: firstDeploymentPlan(group) }),
  step,
  rollback(group, rollout, observed, now, reason, cause) {
    if (rollout.componentUpdate === undefined) {
      // A first version (or none sent yet): there is nothing before it to go back to.
      const first = rollout.phase === 'Creating' ? '; the component keeps its first version' : '';
      return fail(rollout, now, `${reason}${first}`);
    }
    const next = moveTo(rollout, 'RollingBack', now, `rolling back: ${reason}`, { reason, rollbackCause: cause });
    const first = rollingBack(group, next, observed, now);
    if (first.next.phase !== 'RollingBack') return first;
    return { ...first, actions: [...first.actions, rollingBackNotice(rollout, reason)] };
  },
};
