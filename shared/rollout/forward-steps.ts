// The steps that take a rollout forward: start, deploy, bake each step, finalize, complete.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { canaryConfig, type EndpointConfigPlan, finalConfig, shadowConfig } from './endpoint-configs.ts';
import type { Observed, ObservedEndpoint } from './observed-state.ts';
import { beginRollback } from './rollback-steps.ts';
import { configNameFor, type RetainedVersion, type Rollout } from './rollout-state.ts';
import {
  changedSinceRequest,
  createChallengerModel,
  elapsedMinutes,
  fail,
  firingAlarm,
  guardCleanup,
  missingGuards,
  moveTo,
  notify,
  type RolloutStep,
  requestUpdate,
  transitionalConfigs,
  wait,
  weightsMatch,
} from './rollout-step.ts';
import { trafficSplit } from './traffic-split.ts';

export function start(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const endpoint = observed.endpoint;
  if (endpoint === undefined) {
    const configName = configNameFor(rollout.endpointName, rollout.packageVersion, 'final');
    const plan = finalConfig(group, rollout, configName);
    // A first version has no incumbent to fall back to, so no guard alarms to act on.
    const next = moveTo(rollout, 'Creating', now, 'creating the endpoint', {
      targetConfigName: configName,
      incumbentVariants: [],
      guardAlarms: [],
      watchedAlarms: group.rollout.alarms,
    });
    return {
      next,
      actions: [
        createChallengerModel(group, rollout),
        { kind: 'createEndpointConfig', plan },
        { kind: 'createEndpoint', configName },
      ],
      note: next.history.at(-1)?.note ?? '',
    };
  }
  if (endpoint.status !== 'InService') return wait(rollout, `waiting: the endpoint is ${endpoint.status}`);
  const alarm = firingAlarm(rollout, observed);
  if (alarm !== undefined) return wait(rollout, `waiting: alarm ${alarm} is in ALARM before the rollout started`);

  // Never build a canary without the incumbent: the new version would take all the traffic at once.
  if ((observed.currentConfigVariants ?? []).length === 0) {
    return wait(rollout, `waiting: the endpoint's config ${endpoint.configName} shows no production variant to keep`);
  }
  const stage = group.rollout.strategy === 'shadow' ? 'shadow' : 'canary';
  const incumbent = {
    incumbentConfigName: endpoint.configName,
    incumbentVariants: observed.currentConfigVariants ?? [],
    stage,
    updateRequestedAt: endpoint.lastModifiedTime,
  } as const;
  const configName = configNameFor(rollout.endpointName, rollout.packageVersion, stage);
  const withIncumbent = { ...rollout, ...incumbent };
  const firstPercent = group.rollout.steps[0] ?? 100;
  const plan =
    stage === 'shadow'
      ? shadowConfig(group, withIncumbent, configName)
      : canaryConfig(group, withIncumbent, configName, firstPercent);
  const note =
    stage === 'shadow' ? 'deploying as a shadow variant' : `deploying beside the incumbent at ${firstPercent}%`;
  return {
    next: moveTo(withIncumbent, 'Deploying', now, note, { targetConfigName: configName, stepIndex: 0 }),
    actions: [
      ...requestUpdate(group, withIncumbent, plan),
      { kind: 'putGuardAlarms', variantName: rollout.challengerVariant },
    ],
    note,
  };
}

/** The endpoint is InService on something other than what we asked for. */
function updateDidNotLand(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
  plan: EndpointConfigPlan,
): RolloutStep {
  if (endpoint.failureReason !== undefined && changedSinceRequest(rollout, endpoint)) {
    const reason = `the endpoint update failed and SageMaker kept ${endpoint.configName}: ${endpoint.failureReason}`;
    // On the incumbent's own config nothing of ours serves: done. On one of our configs the new
    // version still serves or shadows, unguarded from here on: take the endpoint back to the incumbent.
    if (endpoint.configName === rollout.incumbentConfigName) return fail(rollout, now, reason);
    return beginRollback(group, rollout, endpoint, now, reason, 'failed-update');
  }
  // Our record says we asked, but the endpoint never changed: the invocation stopped between two writes.
  return {
    next: rollout,
    actions: [...requestUpdate(group, rollout, plan), ...missingGuards(rollout, observed)],
    note: 'repairing: re-sending the endpoint update',
  };
}

export function deploying(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
): RolloutStep {
  if (endpoint.configName === rollout.targetConfigName) {
    const note =
      rollout.stage === 'shadow'
        ? 'shadowing: the new version sees a copy of live traffic'
        : `baking at ${group.rollout.steps[0]}%`;
    // The config arrived with its weights in place: the first bake starts now.
    return { next: moveTo(rollout, 'Baking', now, note, { stepIndex: 0, bakeStartedAt: now }), actions: [], note };
  }
  const percent = group.rollout.steps[0] ?? 100;
  const plan =
    rollout.stage === 'shadow'
      ? shadowConfig(group, rollout, rollout.targetConfigName)
      : canaryConfig(group, rollout, rollout.targetConfigName, percent);
  return updateDidNotLand(group, rollout, endpoint, observed, now, plan);
}

function blockingAlarm(group: GroupPolicy, rollout: Rollout, observed: Observed): string | undefined {
  if (group.rollout.insufficientDataIsOk) return undefined;
  return rollout.watchedAlarms.find((name) => (observed.alarms[name] ?? 'INSUFFICIENT_DATA') === 'INSUFFICIENT_DATA');
}

export function baking(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
): RolloutStep {
  if (endpoint.configName !== rollout.targetConfigName) {
    return fail(
      rollout,
      now,
      `the endpoint was changed outside sagemaker-rollout (it now serves ${endpoint.configName})`,
    );
  }
  const steps = group.rollout.steps;
  const percent = steps[rollout.stepIndex] ?? 100;
  const desired = trafficSplit(rollout.incumbentVariants, rollout.challengerVariant, percent);
  if (rollout.stage === 'canary' && !weightsMatch(endpoint, desired)) {
    return {
      next: rollout,
      actions: [{ kind: 'setWeights', weights: desired }],
      note: `setting traffic to ${percent}%`,
    };
  }
  const guards = missingGuards(rollout, observed);
  if (guards.length > 0) return { next: rollout, actions: guards, note: 'restoring the guard alarms' };
  if (rollout.bakeStartedAt === undefined) {
    const next = { ...rollout, bakeStartedAt: now };
    return { next, actions: [], note: `serving ${percent}%: the bake starts` };
  }
  if (rollout.paused) return wait(rollout, 'paused: holding this step');
  const holding = blockingAlarm(group, rollout, observed);
  if (holding !== undefined) return wait(rollout, `holding: alarm ${holding} has no data yet`);
  const bakeMinutes = rollout.stage === 'shadow' ? group.rollout.shadowMinutes : group.rollout.bakeMinutes;
  const waited = elapsedMinutes(rollout.bakeStartedAt, now);
  if (waited < bakeMinutes) return wait(rollout, `baking: ${Math.floor(waited)} of ${bakeMinutes} min`);

  if (rollout.stage === 'shadow') {
    const configName = configNameFor(rollout.endpointName, rollout.packageVersion, 'canary');
    const firstPercent = steps[0] ?? 100;
    const next = moveTo(rollout, 'Deploying', now, `shadow passed: serving ${firstPercent}% live`, {
      stage: 'canary',
      targetConfigName: configName,
      updateRequestedAt: endpoint.lastModifiedTime,
      bakeStartedAt: undefined,
    });
    const plan = canaryConfig(group, next, configName, firstPercent);
    return {
      next,
      actions: [
        { kind: 'createEndpointConfig', plan },
        { kind: 'updateEndpoint', configName },
      ],
      note: `canary at ${firstPercent}%`,
    };
  }
  const nextIndex = rollout.stepIndex + 1;
  const nextPercent = steps[nextIndex];
  if (nextPercent !== undefined) {
    const note = `step ${nextIndex + 1} of ${steps.length}: ${nextPercent}%`;
    const weights = trafficSplit(rollout.incumbentVariants, rollout.challengerVariant, nextPercent);
    const next = moveTo(rollout, 'Baking', now, note, { stepIndex: nextIndex, bakeStartedAt: undefined });
    return { next, actions: [{ kind: 'setWeights', weights }], note };
  }
  const configName = configNameFor(rollout.endpointName, rollout.packageVersion, 'final');
  const plan = finalConfig(group, rollout, configName);
  const next = moveTo(rollout, 'Finalizing', now, 'finalizing: the new version alone', {
    targetConfigName: configName,
    updateRequestedAt: endpoint.lastModifiedTime,
    bakeStartedAt: undefined,
  });
  return {
    next,
    actions: [
      { kind: 'createEndpointConfig', plan },
      { kind: 'updateEndpoint', configName },
    ],
    note: 'finalizing',
  };
}

function retainAfterCompletion(
  group: GroupPolicy,
  rollout: Rollout,
): { kept: RetainedVersion[]; released: RetainedVersion[] } {
  const current = {
    packageVersion: rollout.packageVersion,
    modelName: rollout.challengerModel,
    configName: rollout.targetConfigName,
  };
  const all = [
    current,
    ...rollout.retainedVersions.filter((version) => version.packageVersion !== rollout.packageVersion),
  ];
  // The current version plus the configured number before it; the previous one is always among them.
  const keep = 1 + group.rollout.keepPreviousVersions;
  return { kept: all.slice(0, keep), released: all.slice(keep) };
}

function complete(group: GroupPolicy, rollout: Rollout, now: string, note: string): RolloutStep {
  const { kept, released } = retainAfterCompletion(group, rollout);
  const transitional = transitionalConfigs(group, rollout);
  const next = moveTo(rollout, 'Completed', now, note, { retainedVersions: kept, reason: undefined });
  return {
    next,
    actions: [
      ...guardCleanup(rollout),
      {
        kind: 'deleteEndpointConfigs',
        configNames: [...transitional, ...released.map((version) => version.configName)],
      },
      ...(released.length > 0
        ? [{ kind: 'deleteModels', modelNames: released.map((version) => version.modelName) } as const]
        : []),
      notify(rollout, 'is live', note),
    ],
    note,
  };
}

export function finalizing(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
): RolloutStep {
  if (endpoint.configName === rollout.targetConfigName) {
    return complete(group, rollout, now, 'completed: the new version serves all traffic');
  }
  return updateDidNotLand(
    group,
    rollout,
    endpoint,
    observed,
    now,
    finalConfig(group, rollout, rollout.targetConfigName),
  );
}

export function creating(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint | undefined,
  now: string,
): RolloutStep {
  if (endpoint === undefined) return wait(rollout, 'waiting for the endpoint to appear');
  if (endpoint.status === 'Failed')
    return fail(rollout, now, `endpoint creation failed: ${endpoint.failureReason ?? 'no reason given'}`);
  if (endpoint.status !== 'InService') return wait(rollout, `waiting: the endpoint is ${endpoint.status}`);
  return complete(group, rollout, now, 'completed: first deployment of the endpoint');
}

export function awaitingPipeline(rollout: Rollout, pipelineStatus: string | undefined, now: string): RolloutStep {
  if (pipelineStatus === 'Succeeded') {
    const note = 'the delivery pipeline succeeded';
    return { next: moveTo(rollout, 'Starting', now, note), actions: [], note };
  }
  if (pipelineStatus === 'Failed' || pipelineStatus === 'Stopped' || pipelineStatus === 'Superseded') {
    return fail(rollout, now, `the delivery pipeline ended ${pipelineStatus}; the endpoint was not touched`);
  }
  return wait(rollout, `waiting for the delivery pipeline (${pipelineStatus ?? 'unknown'})`);
}
