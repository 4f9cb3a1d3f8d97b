// The reconciler's brain: from the rollout record, what was observed and the time, the next record
// and the actions that move the endpoint towards it. Pure: no AWS, no clock (Argo Rollouts' shape).
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { canaryConfig, type EndpointConfigPlan, finalConfig, shadowConfig } from './endpoint-configs.ts';
import type { Observed, ObservedEndpoint } from './observed-state.ts';
import {
  configNameFor,
  historyLimit,
  isActive,
  type Phase,
  type RetainedVersion,
  type Rollout,
} from './rollout-state.ts';
import { trafficSplit, type VariantWeight } from './traffic-split.ts';

export type RolloutAction =
  | { readonly kind: 'createModel'; readonly modelName: string; readonly packageArn: string; readonly roleArn: string }
  | { readonly kind: 'createEndpointConfig'; readonly plan: EndpointConfigPlan }
  | { readonly kind: 'createEndpoint'; readonly configName: string }
  | { readonly kind: 'updateEndpoint'; readonly configName: string }
  | { readonly kind: 'setWeights'; readonly weights: readonly VariantWeight[] }
  | { readonly kind: 'putGuardAlarms'; readonly variantName: string }
  | { readonly kind: 'deleteAlarms'; readonly alarmNames: readonly string[] }
  | { readonly kind: 'rejectPackage'; readonly reason: string }
  | { readonly kind: 'deleteModels'; readonly modelNames: readonly string[] }
  | { readonly kind: 'deleteEndpointConfigs'; readonly configNames: readonly string[] }
  | { readonly kind: 'notify'; readonly subject: string; readonly message: string };

export interface RolloutStep {
  /** The same object as the input when nothing changes: the caller then writes nothing. */
  readonly next: Rollout;
  readonly actions: readonly RolloutAction[];
  /** What is happening, in a few words, for logs and the timeline. */
  readonly note: string;
}

const minute = 60_000;
/** Observed and desired traffic shares agree within this many percentage points (SageMaker reports floats). */
const weightTolerance = 0.5;

function wait(rollout: Rollout, note: string): RolloutStep {
  return { next: rollout, actions: [], note };
}

function moveTo(rollout: Rollout, phase: Phase, now: string, note: string, changes: Partial<Rollout> = {}): Rollout {
  const history = [...rollout.history, { at: now, phase, note }].slice(-historyLimit);
  return { ...rollout, ...changes, phase, phaseSince: now, history };
}

function notify(rollout: Rollout, outcome: string, detail: string): RolloutAction {
  return {
    kind: 'notify',
    subject: `${rollout.endpointName}: ${rollout.groupName} v${rollout.packageVersion} ${outcome}`,
    message: `${detail}\n\nmodel package: ${rollout.packageArn}\nrollout: ${rollout.rolloutId}`,
  };
}

function sharesOf(endpoint: ObservedEndpoint): Map<string, number> {
  const total = endpoint.variants.reduce((sum, variant) => sum + variant.weight, 0);
  return new Map(
    endpoint.variants.map((variant) => [variant.VariantName, total > 0 ? (variant.weight / total) * 100 : 0]),
  );
}

function weightsMatch(endpoint: ObservedEndpoint, desired: readonly VariantWeight[]): boolean {
  const shares = sharesOf(endpoint);
  return desired.every(
    (weight) => Math.abs((shares.get(weight.VariantName) ?? 0) - weight.DesiredWeight) <= weightTolerance,
  );
}

function elapsedMinutes(since: string, now: string): number {
  return (Date.parse(now) - Date.parse(since)) / minute;
}

/** Our update took effect or failed only if the endpoint changed after we asked. */
function changedSinceRequest(rollout: Rollout, endpoint: ObservedEndpoint): boolean {
  return (
    rollout.updateRequestedAt === undefined ||
    Date.parse(endpoint.lastModifiedTime) > Date.parse(rollout.updateRequestedAt)
  );
}

function firingAlarm(rollout: Rollout, observed: Observed): string | undefined {
  return rollout.watchedAlarms.find((name) => observed.alarms[name] === 'ALARM');
}

/** Guard alarms are level-checked: one that is missing (a failed first try, a deletion) is put back. */
function missingGuards(rollout: Rollout, observed: Observed): RolloutAction[] {
  const missing = rollout.guardAlarms.some((name) => observed.alarms[name] === undefined);
  return missing ? [{ kind: 'putGuardAlarms', variantName: rollout.challengerVariant }] : [];
}

function guardCleanup(rollout: Rollout): RolloutAction[] {
  return rollout.guardAlarms.length > 0 ? [{ kind: 'deleteAlarms', alarmNames: rollout.guardAlarms }] : [];
}

/** Apply (or re-apply after a crash) the update to `plan`; creating what exists already is harmless. */
function requestUpdate(group: GroupPolicy, rollout: Rollout, plan: EndpointConfigPlan): RolloutAction[] {
  return [
    {
      kind: 'createModel',
      modelName: rollout.challengerModel,
      packageArn: rollout.packageArn,
      roleArn: group.executionRoleArn,
    },
    { kind: 'createEndpointConfig', plan },
    { kind: 'updateEndpoint', configName: plan.configName },
  ];
}

function start(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
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
        {
          kind: 'createModel',
          modelName: rollout.challengerModel,
          packageArn: rollout.packageArn,
          roleArn: group.executionRoleArn,
        },
        { kind: 'createEndpointConfig', plan },
        { kind: 'createEndpoint', configName },
      ],
      note: next.history.at(-1)?.note ?? '',
    };
  }
  if (endpoint.status !== 'InService') return wait(rollout, `waiting: the endpoint is ${endpoint.status}`);
  const alarm = firingAlarm(rollout, observed);
  if (alarm !== undefined) return wait(rollout, `waiting: alarm ${alarm} is in ALARM before the rollout started`);

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

function fail(rollout: Rollout, now: string, reason: string, extra: RolloutAction[] = []): RolloutStep {
  const next = moveTo(rollout, 'Failed', now, reason, { reason });
  return { next, actions: [...extra, ...guardCleanup(rollout), notify(rollout, 'failed', reason)], note: reason };
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

function deploying(
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

function baking(
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

/** The configs this rollout created on the way to its final one (a first deployment creates none). */
function transitionalConfigs(group: GroupPolicy, rollout: Rollout): string[] {
  if (rollout.incumbentConfigName === undefined) return [];
  const purposes = group.rollout.strategy === 'shadow' ? (['shadow', 'canary'] as const) : (['canary'] as const);
  return purposes.map((purpose) => configNameFor(rollout.endpointName, rollout.packageVersion, purpose));
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

function finalizing(
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

function creating(
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

function rejection(group: GroupPolicy, rollout: Rollout): RolloutAction[] {
  if (!group.rollout.rejectOnRollback || rollout.rollbackCause !== 'alarm') return [];
  return [
    {
      kind: 'rejectPackage',
      reason: `sagemaker-rollout rolled back ${rollout.endpointName}: ${rollout.reason ?? 'rolled back'}`,
    },
  ];
}

function rollingBack(group: GroupPolicy, rollout: Rollout, endpoint: ObservedEndpoint, now: string): RolloutStep {
  const incumbentConfig = rollout.incumbentConfigName;
  if (incumbentConfig === undefined || endpoint.configName === incumbentConfig) {
    const reason = rollout.reason ?? 'rolled back';
    const next = moveTo(rollout, 'RolledBack', now, `rolled back: ${reason}`);
    const reachedFinal = rollout.history.some((entry) => entry.phase === 'Finalizing');
    const final = reachedFinal ? [configNameFor(rollout.endpointName, rollout.packageVersion, 'final')] : [];
    const transitional = [...transitionalConfigs(group, rollout), ...final];
    return {
      next,
      actions: [
        // Rejected once the incumbent serves again; a final step is retried until all of it succeeds.
        ...rejection(group, rollout),
        ...guardCleanup(rollout),
        { kind: 'deleteEndpointConfigs', configNames: transitional },
        { kind: 'deleteModels', modelNames: [rollout.challengerModel] },
        notify(
          rollout,
          'was rolled back',
          `All traffic is back on ${incumbentConfig ?? 'the previous config'}. Reason: ${reason}`,
        ),
      ],
      note: `rolled back to ${incumbentConfig}`,
    };
  }
  const challengerShare = sharesOf(endpoint).get(rollout.challengerVariant) ?? 0;
  const incumbentsPresent = rollout.incumbentVariants.every((incumbent) =>
    endpoint.variants.some((variant) => variant.VariantName === incumbent.VariantName),
  );
  if (challengerShare > 0 && incumbentsPresent) {
    // Weights first: seconds, no new instances. The config change that removes the challenger follows.
    const weights = trafficSplit(rollout.incumbentVariants, rollout.challengerVariant, 0);
    return { next: rollout, actions: [{ kind: 'setWeights', weights }], note: 'all traffic back to the incumbent' };
  }
  return {
    next: rollout,
    actions: [{ kind: 'updateEndpoint', configName: incumbentConfig }],
    note: `restoring ${incumbentConfig}`,
  };
}

function beginRollback(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint | undefined,
  now: string,
  reason: string,
  cause: NonNullable<Rollout['rollbackCause']>,
): RolloutStep {
  const next = moveTo(rollout, 'RollingBack', now, `rolling back: ${reason}`, { reason, rollbackCause: cause });
  const immediate =
    endpoint?.status === 'InService' ? rollingBack(group, next, endpoint, now) : wait(next, 'waiting for the endpoint');
  // When the endpoint already serves the incumbent, the rollback is complete in this same step.
  if (immediate.next.phase === 'RolledBack') return { ...immediate, note: `rolling back: ${reason}` };
  return {
    next: immediate.next,
    // Traffic first: a failed notification must not delay it.
    actions: [...immediate.actions, notify(rollout, 'is rolling back', reason)],
    note: `rolling back: ${reason}`,
  };
}

const rollbackablePhases: readonly Phase[] = ['Deploying', 'Baking', 'Finalizing'];

export function decideRolloutStep(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  if (!isActive(rollout)) return wait(rollout, `${rollout.phase}: nothing more to do`);
  const endpoint = observed.endpoint;

  const alarm = firingAlarm(rollout, observed);
  if (alarm !== undefined && rollbackablePhases.includes(rollout.phase)) {
    return beginRollback(group, rollout, endpoint, now, `alarm ${alarm} is in ALARM`, 'alarm');
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

function awaitingPipeline(rollout: Rollout, pipelineStatus: string | undefined, now: string): RolloutStep {
  if (pipelineStatus === 'Succeeded') {
    const note = 'the delivery pipeline succeeded';
    return { next: moveTo(rollout, 'Starting', now, note), actions: [], note };
  }
  if (pipelineStatus === 'Failed' || pipelineStatus === 'Stopped' || pipelineStatus === 'Superseded') {
    return fail(rollout, now, `the delivery pipeline ended ${pipelineStatus}; the endpoint was not touched`);
  }
  return wait(rollout, `waiting for the delivery pipeline (${pipelineStatus ?? 'unknown'})`);
}
