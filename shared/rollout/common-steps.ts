// Steps every target takes the same way: waiting for the delivery pipeline, holding for an alarm without
// data, and which versions a completed rollout keeps for a manual rollback. Pure.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Observed } from './observed-state.ts';
import type { RetainedVersion, Rollout } from './rollout-state.ts';
import { fail, moveTo, type RolloutStep, wait } from './rollout-step.ts';

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

export function retainAfterCompletion(
  group: GroupPolicy,
  rollout: Rollout,
): { kept: RetainedVersion[]; released: RetainedVersion[] } {
  const current = {
    packageVersion: rollout.packageVersion,
    packageArn: rollout.packageArn,
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

export function blockingAlarm(group: GroupPolicy, rollout: Rollout, observed: Observed): string | undefined {
  if (group.rollout.insufficientDataIsOk) return undefined;
  return rollout.watchedAlarms.find((name) => observed.alarms[name] === 'INSUFFICIENT_DATA');
}
