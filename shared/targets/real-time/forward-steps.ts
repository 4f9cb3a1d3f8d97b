// The steps that take a rollout forward: start, deploy, bake each step, finalize, complete.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { abTestVerdict, bakeMinutesOf, isAbTestSplit } from '#shared/rollout/analysis.ts';
import { blockingAlarm, retainAfterCompletion } from '#shared/rollout/common-steps.ts';
import type { Observed, ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import { configNameFor, type Rollout, type VariantScaling } from '#shared/rollout/rollout-state.ts';
import {
  changedSinceRequest,
  createChallengerModel,
  type EndpointConfigPlan,
  elapsedMinutes,
  fail,
  guardCleanup,
  holdBeforeStart,
  holdForMissingAlarms,
  holdForOwnership,
  missingGuards,
  missingPolicyAlarms,
  moveTo,
  notify,
  type RolloutAction,
  type RolloutStep,
  requestUpdate,
  transitionalConfigs,
  wait,
  weightsMatch,
} from '#shared/rollout/rollout-step.ts';
import { firstDeploymentPlan, planFromIncumbent } from '#shared/targets/endpoints/incumbent-settings.ts';
import { challengerInstancesAt, challengerShortfall, withLiveBaseline } from './capacity.ts';
import { canaryConfig, finalConfig, shadowConfig } from './endpoint-configs.ts';
import {
  abTestUnderway,
  bakingOnEvidence,
  judgeEvidence,
  rollBackOnEvidence,
  waitForEvidence,
  withAnalysis,
} from './evidence-steps.ts';
import { beginRollback } from './rollback-steps.ts';
import { registeredOn, scalingForChallenger, stepScalingNote } from './scaling-moves.ts';
import { trafficSplit } from './traffic-split.ts';

/**
 * No endpoint yet: model, config and endpoint from the policy alone. `configFor` writes the target's config
 * (a variant on instances, or a serverless one); `changes` are the target's own (a serverless variant's name).
 */
export function firstDeployment(
  group: GroupPolicy,
  rollout: Rollout,
  now: string,
  configFor: (rollout: Rollout, configName: string) => EndpointConfigPlan = finalConfig,
  changes: Partial<Rollout> = {},
): RolloutStep {
  const configName = configNameFor(rollout.endpointName, rollout.packageVersion, 'final');
  // A first version has no incumbent to fall back to, so no guard alarms to act on.
  const next = moveTo(rollout, 'Creating', now, 'creating the endpoint', {
    challenger: firstDeploymentPlan(group),
    targetConfigName: configName,
    incumbentVariants: [],
    guardAlarms: [],
    watchedAlarms: group.rollout.alarms,
    ...changes,
  });
  return {
    next,
    actions: [
      createChallengerModel(group, next),
      { kind: 'createEndpointConfig', plan: configFor(next, configName) },
      { kind: 'createEndpoint', configName },
    ],
    note: 'creating the endpoint',
  };
}

function firstStepConfig(rollout: Rollout, configName: string, firstPercent: number): EndpointConfigPlan {
  return rollout.stage === 'shadow'
    ? shadowConfig(rollout, configName)
    : canaryConfig(rollout, configName, firstPercent);
}

export function start(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const endpoint = observed.endpoint;
  const taken = observed.challengerModelTaken;
  if (taken?.by === 'someone else') {
    return fail(
      rollout,
      now,
      `cannot roll out: a model named ${rollout.challengerModel} exists that this stack did not create (${taken.why}); it is never reused nor deleted. Rename or delete it, then approve a newer version; the endpoint was not touched`,
    );
  }
  if (endpoint === undefined) {
    const challenger = firstDeploymentPlan(group, observed.packageContainers);
    return firstDeployment(group, rollout, now, finalConfig, { challenger });
  }
  const held = holdBeforeStart(rollout, endpoint, observed);
  if (held !== undefined) return held;

  // Never build a canary without the incumbent: the new version would take all the traffic at once.
  const incumbent = observed.incumbent;
  if (incumbent === undefined || incumbent.config.variants.length === 0) {
    return wait(rollout, `waiting: the endpoint's config ${endpoint.configName} shows no production variant to keep`);
  }
  if (incumbent.endpointOwner.kind !== 'this stack') return holdForOwnership(rollout, incumbent.endpointOwner);
  const planned = planFromIncumbent(group, incumbent, endpoint, observed.packageContainers);
  if ('refused' in planned) {
    return fail(
      rollout,
      now,
      `cannot roll out over ${endpoint.configName}: ${planned.refused}; the endpoint was not touched`,
    );
  }
  const stage = group.rollout.strategy === 'shadow' ? 'shadow' : 'canary';
  const withIncumbent: Rollout = {
    ...rollout,
    ...planned,
    incumbentConfigName: endpoint.configName,
    incumbentScaling: registeredOn(
      observed.scaling,
      planned.incumbentVariants.map((variant) => variant.VariantName),
    ),
    stage,
    updateRequestedAt: endpoint.lastModifiedTime,
  };
  const configName = configNameFor(rollout.endpointName, rollout.packageVersion, stage);
  const firstPercent = group.rollout.steps[0] ?? 100;
  const note =
    stage === 'shadow' ? 'deploying as a shadow variant' : `deploying beside the incumbent at ${firstPercent}%`;
  return {
    next: moveTo(withIncumbent, 'Deploying', now, note, { targetConfigName: configName, stepIndex: 0 }),
    actions: [
      ...requestUpdate(group, withIncumbent, firstStepConfig(withIncumbent, configName, firstPercent)),
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
  repair: readonly RolloutAction[],
): RolloutStep {
  if (endpoint.failureReason !== undefined && changedSinceRequest(rollout, endpoint)) {
    const reason = `the endpoint update failed and SageMaker kept ${endpoint.configName}: ${endpoint.failureReason}`;
    // On the incumbent's own config nothing of ours serves: done. On one of our configs the new
    // version still serves or shadows, unguarded from here on: take the endpoint back to the incumbent.
    if (endpoint.configName === rollout.incumbentConfigName) {
      // Nothing of ours serves: what this rollout created for it goes, as a rollback's clean-up would.
      const created: RolloutAction[] = [
        { kind: 'deleteEndpointConfigs', configNames: transitionalConfigs(group, rollout) },
        { kind: 'deleteModels', modelNames: [rollout.challengerModel] },
      ];
      return fail(rollout, now, reason, created);
    }
    return beginRollback(group, rollout, endpoint, observed, now, reason, 'failed-update');
  }
  // Our record says we asked, but the endpoint never changed: the invocation stopped between two writes.
  return {
    next: rollout,
    actions: [...repair, ...missingGuards(rollout, observed)],
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
    const started = { stepIndex: 0, bakeStartedAt: now, evidenceSince: rollout.evidenceSince ?? now };
    return { next: moveTo(rollout, 'Baking', now, note, started), actions: [], note };
  }
  const plan = firstStepConfig(rollout, rollout.targetConfigName, group.rollout.steps[0] ?? 100);
  return updateDidNotLand(group, rollout, endpoint, observed, now, requestUpdate(group, rollout, plan));
}

/** Capacity first, then traffic: the challenger has its share of instances before its share of requests. */
function moveTraffic(rollout: Rollout, endpoint: ObservedEndpoint, percent: number): RolloutAction | undefined {
  const shortfall = challengerShortfall(rollout, endpoint, percent);
  if (shortfall !== undefined) return { kind: 'setCapacity', capacities: [shortfall] };
  const weights = trafficSplit(rollout.incumbentVariants, rollout.challengerVariant, percent);
  return weightsMatch(endpoint, weights) ? undefined : { kind: 'setWeights', weights };
}

function trafficNote(action: RolloutAction, rollout: Rollout, percent: number): string {
  if (action.kind !== 'setCapacity') return `setting traffic to ${percent}%`;
  const count = action.capacities[0]?.DesiredInstanceCount;
  const whole = rollout.challenger.baselineInstanceCount;
  return `adding capacity: ${count} instance(s) for ${percent}% before its traffic moves (all of the traffic needs ${whole}, judged by the incumbents' live fleet)`;
}

/**
 * The new version's auto scaling once it carries all of the traffic: the incumbents' registration, with
 * a maximum no lower than what it was sized to (auto scaling would otherwise scale it in below the load).
 */
function challengerScaling(rollout: Rollout): VariantScaling | undefined {
  const scaling = scalingForChallenger(rollout.incumbentScaling, rollout.incumbentVariants, rollout.challengerVariant);
  if (scaling === undefined) return undefined;
  const sized = challengerInstancesAt(rollout.challenger, 100);
  return { ...scaling, maxCapacity: Math.max(scaling.maxCapacity, sized) };
}

export function baking(
  group: GroupPolicy,
  recorded: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
): RolloutStep {
  // Auto scaling may have scaled the incumbents out since the last tick: the load they saw sizes the challenger.
  const rollout = withLiveBaseline(recorded, endpoint);
  if (endpoint.configName !== rollout.targetConfigName) {
    return fail(
      rollout,
      now,
      `the endpoint was changed outside sagemaker-rollout (it now serves ${endpoint.configName})`,
    );
  }
  const steps = group.rollout.steps;
  const percent = steps[rollout.stepIndex] ?? 100;
  const traffic = rollout.stage === 'canary' ? moveTraffic(rollout, endpoint, percent) : undefined;
  // Capacity may always be added; the core holds the weights while a watched alarm says no.
  if (traffic !== undefined) return { next: rollout, actions: [traffic], note: trafficNote(traffic, rollout, percent) };
  const guards = missingGuards(rollout, observed);
  if (guards.length > 0) return { next: rollout, actions: guards, note: 'restoring the guard alarms' };
  if (rollout.bakeStartedAt === undefined) {
    const next = { ...rollout, bakeStartedAt: now, evidenceSince: rollout.evidenceSince ?? now };
    // All of the traffic on the new version: its auto scaling protects it from now, not from completion.
    // Step policies wait for completion: the team's alarms that drive them move with them then.
    const scaling = rollout.stage === 'canary' && percent === 100 ? challengerScaling(rollout) : undefined;
    const early = scaling && { ...scaling, policies: scaling.policies.filter((p) => p.PolicyType !== 'StepScaling') };
    const actions: RolloutAction[] = early === undefined ? [] : [{ kind: 'registerScaling', scaling: [early] }];
    return { next, actions, note: `serving ${percent}%: the bake starts` };
  }
  if (rollout.paused) return wait(rollout, 'paused: holding this step');
  const missing = missingPolicyAlarms(rollout, observed);
  if (missing.length > 0) return holdForMissingAlarms(rollout, missing);
  const holding = blockingAlarm(group, rollout, observed);
  if (holding !== undefined) return wait(rollout, `holding: alarm ${holding} has no data yet`);
  // A person promoted it while every alarm was OK: the steps still go out one by one, at full capacity.
  if (rollout.promotedBy !== undefined) return nextStep(group, rollout, endpoint, now, []);
  const bakeMinutes = bakeMinutesOf(group, rollout);
  const waited = elapsedMinutes(rollout.bakeStartedAt, now);
  const sequential = group.rollout.analysis?.method === 'sequential';
  if (waited < bakeMinutes) {
    if (sequential) return bakingOnEvidence(group, rollout, endpoint, observed, now, waited);
    if (isAbTestSplit(group, rollout)) return abTestUnderway(group, rollout, endpoint, observed, now, waited);
    return wait(rollout, `baking: ${Math.floor(waited)} of ${bakeMinutes} min`);
  }
  const evidence = judgeEvidence(group, rollout, observed, now);
  if (evidence?.verdict === 'fail') return rollBackOnEvidence(group, rollout, endpoint, observed, now, evidence);
  if (evidence?.verdict === 'wait') return waitForEvidence(rollout, evidence);
  if (evidence === undefined) return nextStep(group, rollout, endpoint, now, []);
  const judged = withAnalysis(rollout, evidence);
  const verdict =
    evidence.kind === 'ab-test'
      ? [notify(judged, 'won its A/B test', abTestVerdict(evidence, 'It now takes all of the traffic.'))]
      : [];
  return nextStep(group, judged, endpoint, now, verdict);
}

/** The bake passed: the shadow becomes a canary, the canary takes its next step, or the last step finalizes. */
function nextStep(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  now: string,
  notices: RolloutAction[],
): RolloutStep {
  const steps = group.rollout.steps;
  if (rollout.stage === 'shadow') {
    const configName = configNameFor(rollout.endpointName, rollout.packageVersion, 'canary');
    const firstPercent = steps[0] ?? 100;
    const next = moveTo(rollout, 'Deploying', now, `shadow passed: serving ${firstPercent}% live`, {
      stage: 'canary',
      targetConfigName: configName,
      updateRequestedAt: endpoint.lastModifiedTime,
      bakeStartedAt: undefined,
    });
    return {
      next,
      actions: [
        { kind: 'createEndpointConfig', plan: canaryConfig(next, configName, firstPercent) },
        { kind: 'updateEndpoint', configName },
        ...notices,
      ],
      note: `canary at ${firstPercent}%`,
    };
  }
  const nextIndex = rollout.stepIndex + 1;
  const nextPercent = steps[nextIndex];
  if (nextPercent !== undefined) {
    const note = `step ${nextIndex + 1} of ${steps.length}: ${nextPercent}%`;
    const next = moveTo(rollout, 'Baking', now, note, { stepIndex: nextIndex, bakeStartedAt: undefined });
    const traffic = moveTraffic(next, endpoint, nextPercent);
    return { next, actions: [...(traffic === undefined ? [] : [traffic]), ...notices], note };
  }
  // The final update is requested by the Finalizing step, which reads the auto scaling to move first.
  const next = moveTo(rollout, 'Finalizing', now, 'finalizing: the new version alone', {
    targetConfigName: configNameFor(rollout.endpointName, rollout.packageVersion, 'final'),
    updateRequestedAt: undefined,
    bakeStartedAt: undefined,
  });
  return { next, actions: notices, note: 'finalizing' };
}

function complete(group: GroupPolicy, rollout: Rollout, now: string, note: string): RolloutStep {
  const { kept, released } = retainAfterCompletion(group, rollout);
  const transitional = transitionalConfigs(group, rollout);
  const scaling = challengerScaling(rollout);
  const scalingNote =
    scaling === undefined
      ? ''
      : `\nAuto scaling moved to ${scaling.variantName} (min ${scaling.minCapacity}, max ${scaling.maxCapacity}).`;
  const stepNote = stepScalingNote(scaling);
  const next = moveTo(rollout, 'Completed', now, note, { retainedVersions: kept, reason: undefined });
  return {
    next,
    actions: [
      ...(scaling === undefined ? [] : [{ kind: 'registerScaling', scaling: [scaling] } as const]),
      ...guardCleanup(rollout),
      {
        kind: 'deleteEndpointConfigs',
        configNames: [...transitional, ...released.map((version) => version.configName)],
      },
      ...(released.length > 0
        ? [{ kind: 'deleteModels', modelNames: released.map((version) => version.modelName) } as const]
        : []),
      notify(rollout, 'is live', `${note}${scalingNote}${stepNote}`),
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
  // What is registered decides what to deregister and what the new version inherits: never guess it.
  if (observed.scaling === undefined) return wait(rollout, 'waiting: auto scaling was not read');
  const firstRequest = rollout.updateRequestedAt === undefined;
  // SageMaker refuses to remove a variant registered for auto scaling: deregister what is registered now.
  const registered = registeredOn(
    observed.scaling,
    rollout.incumbentVariants.map((variant) => variant.VariantName),
  );
  const actions: RolloutAction[] = [
    ...(registered.length > 0 ? [{ kind: 'deregisterScaling', scaling: registered } as const] : []),
    { kind: 'createEndpointConfig', plan: finalConfig(rollout, rollout.targetConfigName) },
    { kind: 'updateEndpoint', configName: rollout.targetConfigName },
  ];
  if (!firstRequest) return updateDidNotLand(group, rollout, endpoint, observed, now, actions);
  // Recorded before it is deregistered, so a crash in between still knows what to move or put back.
  const next = { ...rollout, updateRequestedAt: endpoint.lastModifiedTime, incumbentScaling: registered };
  return { next, actions, note: 'requesting the final config' };
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
