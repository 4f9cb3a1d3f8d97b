import { describeTransformJob } from '#shared/aws/transform-jobs.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { observePipeline } from '../shared-reads.ts';
import type { KnownAlarms } from '../target.ts';
import { batchNameFor } from './decisions.ts';

/** The version's transform job, and nothing else: a batch group has no endpoint and no traffic to guard. */
export async function observe(
  rollout: Rollout,
  group: GroupPolicy,
  _settings: Settings,
  _knownAlarms: KnownAlarms,
): Promise<Observed> {
  if (rollout.phase === 'AwaitingPipeline') return observePipeline(rollout, group);
  const jobName = rollout.transformJobName ?? batchNameFor(rollout.groupName, rollout.packageVersion);
  return { endpoint: undefined, alarms: {}, transformJob: (await describeTransformJob(jobName)) ?? null };
}
