// The steps that take a rollout back: weights to the incumbent at once, then its own config, then clean up.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { ObservedEndpoint } from './observed-state.ts';
import { configNameFor, type Rollout } from './rollout-state.ts';
import {
  guardCleanup,
  moveTo,
  notify,
  type RolloutAction,
  type RolloutStep,
  sharesOf,
  transitionalConfigs,
  wait,
} from './rollout-step.ts';
import { trafficSplit } from './traffic-split.ts';

function rejection(group: GroupPolicy, rollout: Rollout): RolloutAction[] {
  if (!group.rollout.rejectOnRollback || rollout.rollbackCause !== 'alarm') return [];
  return [
    {
      kind: 'rejectPackage',
      reason: `sagemaker-rollout rolled back ${rollout.endpointName}: ${rollout.reason ?? 'rolled back'}`,
    },
  ];
}

export function rollingBack(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  now: string,
): RolloutStep {
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

export function beginRollback(
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
