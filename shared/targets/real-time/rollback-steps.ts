// The steps that take a rollout back: weights (and the incumbents' instances) back at once, then the
// incumbent's own config, then a check that the endpoint is as it was before a rollback counts as done.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Observed, ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import { endRollback } from '#shared/rollout/rollout-outcome.ts';
import { configNameFor, type Rollout } from '#shared/rollout/rollout-state.ts';
import {
  guardCleanup,
  holdWithNotice,
  moveTo,
  type RolloutAction,
  type RolloutStep,
  rollingBackNotice,
  sharesOf,
  transitionalConfigs,
  wait,
} from '#shared/rollout/rollout-step.ts';
import { incumbentShortfalls } from './capacity.ts';
import { restoreConfig } from './endpoint-configs.ts';
import { missingScaling, registeredOn, scalingGaps } from './scaling-moves.ts';
import { trafficSplit } from './traffic-split.ts';

/** The endpoint serves the incumbent again, verified: the rollout ends, cleans up and says so. */
function finishRollback(group: GroupPolicy, rollout: Rollout, endpoint: ObservedEndpoint, now: string): RolloutStep {
  const reachedFinal = rollout.history.some((entry) => entry.phase === 'Finalizing');
  const final = reachedFinal ? [configNameFor(rollout.endpointName, rollout.packageVersion, 'final')] : [];
  return endRollback(group, rollout, now, {
    serves: `All traffic is back on ${endpoint.configName}, verified: the incumbent variants alone, at their instance counts, their auto scaling in place`,
    cleanup: [
      ...guardCleanup(rollout),
      { kind: 'deleteEndpointConfigs', configNames: [...transitionalConfigs(group, rollout), ...final] },
      { kind: 'deleteModels', modelNames: [rollout.challengerModel] },
    ],
    note: `rolled back to ${endpoint.configName}`,
  });
}

/** What still differs from the endpoint as it was before the rollout, and the actions that repair it. */
function verifyRestored(rollout: Rollout, endpoint: ObservedEndpoint, observed: Observed) {
  const incumbentNames = rollout.incumbentVariants.map((variant) => variant.VariantName);
  const problems: string[] = [];
  const actions: RolloutAction[] = [];
  const strangers = endpoint.variants.filter((variant) => !incumbentNames.includes(variant.VariantName));
  if (strangers.length > 0 || endpoint.shadowVariants.length > 0) {
    problems.push(`variants other than the incumbent's serve: ${strangers.map((v) => v.VariantName).join(', ')}`);
  }
  const short = incumbentShortfalls(rollout, endpoint);
  for (const capacity of short) {
    const live = endpoint.variants.find((variant) => variant.VariantName === capacity.VariantName);
    problems.push(
      `${capacity.VariantName} has ${live?.currentInstanceCount ?? 0} instance(s), ${capacity.DesiredInstanceCount} before the rollout`,
    );
  }
  if (short.length > 0) actions.push({ kind: 'setCapacity', capacities: short });
  const lostScaling = missingScaling(rollout.incumbentScaling, observed.scaling);
  if (lostScaling.length > 0) {
    // A step policy put back with a new ARN counts only once its alarms invoke it: registering re-points them.
    for (const scaling of lostScaling) {
      const gaps = scalingGaps(scaling, observed.scaling?.[scaling.variantName]).join(', ');
      problems.push(`auto scaling of ${scaling.variantName} is not in place: ${gaps}`);
    }
    actions.push({ kind: 'registerScaling', scaling: lostScaling });
  }
  return { problems, actions };
}

export function rollingBack(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
): RolloutStep {
  const incumbentConfig = rollout.incumbentConfigName;
  if (incumbentConfig === undefined) return finishRollback(group, rollout, endpoint, now);
  const restoreName = configNameFor(rollout.endpointName, rollout.packageVersion, 'restore');
  if (endpoint.configName === incumbentConfig || endpoint.configName === restoreName) {
    // Auto scaling is read in this phase; a step that came straight from another phase has not read it.
    if (observed.scaling === undefined) return wait(rollout, 'verifying the rollback');
    const { problems, actions } = verifyRestored(rollout, endpoint, observed);
    if (problems.length === 0) return finishRollback(group, rollout, endpoint, now);
    const what = problems.join('; ');
    const waitingFor = `rollback not verified: ${what}`;
    // Putting back what the rollout itself moved (auto scaling deregistered to finalize) is part of the
    // rollback: the first check repairs quietly; what is still wrong after a repair is reported, once.
    if (!rollout.waitingFor?.startsWith('rollback not verified')) {
      return { next: { ...rollout, waitingFor }, actions, note: `verifying the rollback, repairing: ${what}` };
    }
    const detail =
      `The endpoint serves ${endpoint.configName} again, but it is not yet as it was before the rollout: ${what}. ` +
      'sagemaker-rollout repairs it on every tick and reports the rollback done only once it is verified.';
    return holdWithNotice(
      rollout,
      { key: 'rollback-unverified', outcome: 'rollback not verified', detail },
      waitingFor,
      actions,
    );
  }
  const challengerShare = sharesOf(endpoint).get(rollout.challengerVariant) ?? 0;
  const incumbentsPresent = rollout.incumbentVariants.every((incumbent) =>
    endpoint.variants.some((variant) => variant.VariantName === incumbent.VariantName),
  );
  if (challengerShare > 0 && incumbentsPresent) {
    // Weights first: seconds. Incumbents that scaled in while they served less get back their
    // instance count in the same request, so they never take all the traffic on fewer instances.
    const weights = trafficSplit(rollout.incumbentVariants, rollout.challengerVariant, 0);
    const capacities = incumbentShortfalls(rollout, endpoint);
    return {
      next: rollout,
      actions: [{ kind: 'setWeights', weights, ...(capacities.length > 0 ? { capacities } : {}) }],
      note: 'all traffic back to the incumbent',
    };
  }
  // A variant the restore removes must not stay registered for auto scaling (SageMaker would refuse).
  const registered = registeredOn(observed.scaling, [rollout.challengerVariant]);
  const deregister: RolloutAction[] = registered.length > 0 ? [{ kind: 'deregisterScaling', scaling: registered }] : [];
  if (incumbentsPresent) {
    return {
      next: rollout,
      // The weights stay as the rollback set them: the incumbents' live shares, not their config's.
      actions: [...deregister, { kind: 'updateEndpoint', configName: incumbentConfig, keepWeights: true }],
      note: `restoring ${incumbentConfig}`,
    };
  }
  // After finalizing the incumbent variants are gone: bring them back on their live instance counts.
  return {
    next: rollout,
    actions: [
      ...deregister,
      { kind: 'createEndpointConfig', plan: restoreConfig(rollout, restoreName) },
      { kind: 'updateEndpoint', configName: restoreName },
    ],
    note: `restoring ${incumbentConfig} as ${restoreName}, at the incumbents' live instance counts`,
  };
}

export function beginRollback(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint | undefined,
  observed: Observed,
  now: string,
  reason: string,
  cause: NonNullable<Rollout['rollbackCause']>,
): RolloutStep {
  const next = moveTo(rollout, 'RollingBack', now, `rolling back: ${reason}`, { reason, rollbackCause: cause });
  const immediate =
    endpoint?.status === 'InService'
      ? rollingBack(group, next, endpoint, observed, now)
      : wait(next, 'waiting for the endpoint');
  // When the endpoint already serves the incumbent, the rollback is complete in this same step.
  if (immediate.next.phase !== 'RollingBack') return { ...immediate, note: `rolling back: ${reason}` };
  return {
    next: immediate.next,
    // Traffic first: a failed notification must not delay it.
    actions: [...immediate.actions, rollingBackNotice(rollout, reason)],
    note: `rolling back: ${reason}`,
  };
}
