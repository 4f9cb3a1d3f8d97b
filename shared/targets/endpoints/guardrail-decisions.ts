// A rollout that SageMaker's deployment guardrails carry out: the new version goes out as one UpdateEndpoint
// with a DeploymentConfig (blue/green traffic shifting, or a rolling update), SageMaker watches the group's
// alarms and rolls back by itself. The rollout follows SageMaker: Deploying until the endpoint serves the new
// config (Completed) or SageMaker rolled it back (RolledBack, with SageMaker's reason). A serverless endpoint
// (one production variant, so no canary beside it) and a real-time group that asks for SageMaker's own
// strategies are two instances of these decisions, each with its planner and its deployment config.
// https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails.html
import type { GroupPolicy, RolloutPolicy } from '#shared/policy/policy-schema.ts';
import { retainAfterCompletion } from '#shared/rollout/common-steps.ts';
import type { Observed, ObservedEndpoint, ObservedIncumbent } from '#shared/rollout/observed-state.ts';
import { endRollback } from '#shared/rollout/rollout-outcome.ts';
import { type ChallengerPlan, configNameFor, type Rollout, type VariantSpec } from '#shared/rollout/rollout-state.ts';
import {
  changedSinceRequest,
  createChallengerModel,
  type EndpointConfigPlan,
  fail,
  firingAlarm,
  holdBeforeStart,
  holdForOwnership,
  moveTo,
  notify,
  type RolloutStep,
  rollingBackNotice,
  wait,
} from '#shared/rollout/rollout-step.ts';
import { firstDeploymentPlan } from '#shared/targets/endpoints/incumbent-settings.ts';
import { creating, firstDeployment } from '#shared/targets/real-time/forward-steps.ts';
import type { TargetCapabilities, TargetDecisions } from '../target.ts';

/** What the new version's one variant takes over from the incumbent's: its name, and the settings planned. */
export interface GuardrailPlan {
  readonly variantName: string;
  readonly incumbentVariant: VariantSpec;
  readonly challenger: ChallengerPlan;
}

/** What tells one target of guardrail deployments from another. */
export interface GuardrailTarget {
  readonly describedAs: TargetCapabilities['describedAs'];
  /** What SageMaker does with the traffic, for the refusal of `pause`: "shifts the traffic by the policy's steps". */
  readonly whatSageMakerDoes: string;
  /** The new version's plan from what serves, or why it cannot be rolled out (the endpoint untouched). */
  plan(
    group: GroupPolicy,
    incumbent: ObservedIncumbent,
    observed: Observed,
  ): GuardrailPlan | { readonly refused: string };
  /** The new version's config: one variant of the incumbent's name, its own model. */
  config(rollout: Rollout, configName: string): EndpointConfigPlan;
  /** What a first deployment (no endpoint yet) records besides the policy's plan: its variant's name. */
  readonly firstDeployment: Partial<Pick<Rollout, 'challengerVariant'>>;
  /** UpdateEndpoint's DeploymentConfig for the policy. */
  deploymentConfigFor(rollout: RolloutPolicy): Record<string, unknown>;
}

/** The update policy's MaximumExecutionTimeoutInSeconds (blue/green or rolling). */
export function executionTimeoutOf(deploymentConfig: Record<string, unknown>): number {
  const policy = (deploymentConfig.BlueGreenUpdatePolicy ?? deploymentConfig.RollingUpdatePolicy) as
    | { MaximumExecutionTimeoutInSeconds?: number }
    | undefined;
  return policy?.MaximumExecutionTimeoutInSeconds ?? 0;
}

/** "rolling", or the blue/green traffic routing: "canary", "linear", "all-at-once". */
function deploymentKind(deploymentConfig: Record<string, unknown>): string {
  if (deploymentConfig.RollingUpdatePolicy !== undefined) return 'rolling';
  const blueGreen = deploymentConfig.BlueGreenUpdatePolicy as { TrafficRoutingConfiguration?: { Type?: string } };
  return (blueGreen.TrafficRoutingConfiguration?.Type ?? 'ALL_AT_ONCE').toLowerCase().replaceAll('_', '-');
}

function finalConfigName(rollout: Rollout): string {
  return configNameFor(rollout.endpointName, rollout.packageVersion, 'final');
}

function start(
  target: GuardrailTarget,
  group: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  now: string,
): RolloutStep {
  const endpoint = observed.endpoint;
  if (endpoint === undefined) {
    const challenger = firstDeploymentPlan(group, observed.packageContainers);
    return firstDeployment(group, rollout, now, target.config, { ...target.firstDeployment, challenger });
  }
  const held = holdBeforeStart(rollout, endpoint, observed);
  if (held !== undefined) return held;
  const incumbent = observed.incumbent;
  if (incumbent === undefined)
    return wait(rollout, `waiting: the endpoint's config ${endpoint.configName} was not read`);
  if (incumbent.endpointOwner.kind !== 'this stack') return holdForOwnership(rollout, incumbent.endpointOwner);
  const planned = target.plan(group, incumbent, observed);
  if ('refused' in planned) {
    return fail(
      rollout,
      now,
      `cannot roll out over ${endpoint.configName}: ${planned.refused}; the endpoint was not touched`,
    );
  }
  const configName = finalConfigName(rollout);
  const deploymentConfig = target.deploymentConfigFor(group.rollout);
  const note = `deploying with SageMaker's guardrails (${deploymentKind(deploymentConfig)})`;
  const next = moveTo(rollout, 'Deploying', now, note, {
    challenger: planned.challenger,
    challengerVariant: planned.variantName,
    incumbentConfigName: endpoint.configName,
    incumbentVariants: [planned.incumbentVariant],
    targetConfigName: configName,
    updateRequestedAt: endpoint.lastModifiedTime,
  });
  return {
    next,
    actions: [
      createChallengerModel(group, next),
      { kind: 'createEndpointConfig', plan: target.config(next, configName) },
      { kind: 'deployWithGuardrails', configName, deploymentConfig },
    ],
    note,
  };
}

function complete(group: GroupPolicy, rollout: Rollout, now: string): RolloutStep {
  const { kept, released } = retainAfterCompletion(group, rollout);
  const note = 'completed: SageMaker shifted all traffic to the new version';
  return {
    next: moveTo(rollout, 'Completed', now, note, { retainedVersions: kept, reason: undefined, waitingFor: undefined }),
    actions: [
      ...(released.length > 0
        ? [
            { kind: 'deleteEndpointConfigs', configNames: released.map((version) => version.configName) } as const,
            { kind: 'deleteModels', modelNames: released.map((version) => version.modelName) } as const,
          ]
        : []),
      notify(rollout, 'is live', note),
    ],
    note,
  };
}

/** The endpoint serves the old version again: the rollout ends, removes what it made and says why. */
function rolledBack(group: GroupPolicy, rollout: Rollout, endpoint: ObservedEndpoint, now: string): RolloutStep {
  return endRollback(group, rollout, now, {
    serves: `The endpoint serves ${endpoint.configName} again`,
    cleanup: [
      { kind: 'deleteEndpointConfigs', configNames: [rollout.targetConfigName] },
      { kind: 'deleteModels', modelNames: [rollout.challengerModel] },
    ],
    note: `rolled back to ${endpoint.configName}`,
  });
}

/** Which watched alarm SageMaker's reason, or CloudWatch, says was firing: the rollback is the model's fault. */
function alarmBehind(rollout: Rollout, observed: Observed, failureReason: string): string | undefined {
  return (
    rollout.watchedAlarms.find((name) => failureReason.includes(name)) ??
    rollout.watchedAlarms.find((name) => observed.alarms[name] === 'ALARM')
  );
}

function deploying(
  target: GuardrailTarget,
  group: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  now: string,
): RolloutStep {
  const endpoint = observed.endpoint;
  if (endpoint === undefined) return fail(rollout, now, `the endpoint ${rollout.endpointName} no longer exists`);
  if (endpoint.status === 'Failed') {
    return fail(rollout, now, `the endpoint is Failed: ${endpoint.failureReason ?? 'no reason given'}`);
  }
  if (endpoint.status !== 'InService') {
    const alarm = firingAlarm(rollout, observed);
    if (alarm === undefined)
      return wait(rollout, `waiting: SageMaker is deploying (the endpoint is ${endpoint.status})`);
    // SageMaker's auto-rollback acts on it; the record says so once.
    const waitingFor = `SageMaker's auto-rollback: alarm ${alarm} is in ALARM`;
    if (rollout.waitingFor === waitingFor) return wait(rollout, `waiting: ${waitingFor}`);
    return { next: { ...rollout, waitingFor }, actions: [], note: `waiting: ${waitingFor}` };
  }
  if (endpoint.configName === rollout.targetConfigName) return complete(group, rollout, now);
  if (endpoint.failureReason !== undefined && changedSinceRequest(rollout, endpoint)) {
    const alarm = alarmBehind(rollout, observed, endpoint.failureReason);
    const reason = `SageMaker rolled the deployment back: ${endpoint.failureReason}`;
    const next = { ...rollout, reason, rollbackCause: alarm === undefined ? 'failed-update' : 'alarm' } as const;
    return rolledBack(group, next, endpoint, now);
  }
  // Our record says we asked, but the endpoint never changed: the invocation stopped between two writes.
  return {
    next: rollout,
    actions: [
      { kind: 'createEndpointConfig', plan: target.config(rollout, rollout.targetConfigName) },
      {
        kind: 'deployWithGuardrails',
        configName: rollout.targetConfigName,
        deploymentConfig: target.deploymentConfigFor(group.rollout),
      },
    ],
    note: 'repairing: re-sending the deployment',
  };
}

/** A person or the deadline: once SageMaker's deployment has ended, back to the incumbent's config. */
function rollingBack(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const endpoint = observed.endpoint;
  const incumbentConfig = rollout.incumbentConfigName;
  if (endpoint === undefined || incumbentConfig === undefined) {
    return fail(rollout, now, `cannot roll back: ${endpoint === undefined ? 'the endpoint is gone' : 'no incumbent'}`);
  }
  if (endpoint.status !== 'InService') return wait(rollout, `waiting: the endpoint is ${endpoint.status}`);
  if (endpoint.configName === incumbentConfig) return rolledBack(group, rollout, endpoint, now);
  const requested = rollout.updateRequestedAt !== undefined && !changedSinceRequest(rollout, endpoint);
  const update = { kind: 'updateEndpoint', configName: incumbentConfig } as const;
  if (requested)
    return { next: rollout, actions: [update], note: `repairing: re-sending the update to ${incumbentConfig}` };
  return {
    next: { ...rollout, updateRequestedAt: endpoint.lastModifiedTime },
    actions: [update],
    note: `restoring ${incumbentConfig}`,
  };
}

function step(
  target: GuardrailTarget,
  group: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  now: string,
): RolloutStep {
  switch (rollout.phase) {
    case 'Starting':
      return start(target, group, rollout, observed, now);
    case 'Creating':
      return creating(group, rollout, observed.endpoint, now);
    case 'Deploying':
      return deploying(target, group, rollout, observed, now);
    case 'RollingBack':
      return rollingBack(group, rollout, observed, now);
    default:
      return wait(rollout, `${rollout.phase}: nothing to do`);
  }
}

export function guardrailDecisions(target: GuardrailTarget): TargetDecisions {
  return {
    capabilities: {
      describedAs: target.describedAs,
      weights: false,
      nativeRollback: true,
      pausablePhases: ['AwaitingPipeline', 'Starting'],
      pauseRefused: `SageMaker is carrying out the deployment: it ${target.whatSageMakerDoes}, bakes, and rolls back by itself when a watched alarm fires; a deployment it runs cannot be held part-way. \`rollout abort\` restores the incumbent's config once SageMaker's deployment ends`,
      settlesWhilePaused: [],
      promotablePhases: [],
      promoteRefused:
        "SageMaker carries out the deployment config sent at the start; there are no steps of the rollout's to skip",
    },
    // While SageMaker deploys, its auto-rollback acts on the group's alarms; the rollout records what it did.
    rollbackablePhases: [],
    // Only a variant of its own has metrics of its own to guard: none here.
    prepare: (group) => ({ guardAlarms: [], challenger: firstDeploymentPlan(group) }),
    // SageMaker gives up a deployment after MaximumExecutionTimeoutInSeconds and rolls back itself: the core
    // waits that long, and the progress deadline on top, only once SageMaker has accepted the update.
    phaseAllowanceMinutes: (group, rollout, observed) =>
      rollout.phase === 'Deploying' &&
      observed.endpoint !== undefined &&
      changedSinceRequest(rollout, observed.endpoint)
        ? Math.ceil(executionTimeoutOf(target.deploymentConfigFor(group.rollout)) / 60)
        : undefined,
    step: (group, rollout, observed, now) => step(target, group, rollout, observed, now),
    rollback(group, rollout, observed, now, reason, cause) {
      const next = moveTo(rollout, 'RollingBack', now, `rolling back: ${reason}`, {
        reason,
        rollbackCause: cause,
        updateRequestedAt: undefined,
      });
      const first = rollingBack(group, next, observed, now);
      if (first.next.phase !== 'RollingBack') return first;
      return { ...first, actions: [...first.actions, rollingBackNotice(rollout, reason)] };
    },
  };
}
