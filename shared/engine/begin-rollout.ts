import { watchAlarms } from '#shared/aws/alarm-watchers.ts';
import { startDeliveryPipeline } from '#shared/aws/codepipeline.ts';
import { archiveRollout, saveRollout } from '#shared/aws/rollout-store.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { freezePlan } from '#shared/rollout/rollout-plan.ts';
import { challengerVariantName, modelNameFor, type Rollout } from '#shared/rollout/rollout-state.ts';
import type { ApprovedVersion } from '#shared/rollout/start-decision.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import { driverForGroup, targetField } from '#shared/targets/drivers.ts';
import { announceTransition } from './notices.ts';

/**
 * The record of a new rollout, before it has read what serves: its target's driver prepares it, and the
 * policy is frozen into its plan. Pure.
 */
export function newRollout(
  groupName: string,
  group: GroupPolicy,
  approved: ApprovedVersion,
  previous: Rollout | undefined,
  now: string,
  pipelineExecutionId?: string,
): Rollout {
  const endpointName = group.endpointName;
  const driver = driverForGroup(group);
  const challengerVariant = challengerVariantName(groupName, approved.packageVersion);
  const { guardAlarms, challenger } = driver.decisions.prepare(group, challengerVariant);
  const pipelineName = group.deliveryPipeline?.name;
  const phase = pipelineName === undefined ? 'Starting' : 'AwaitingPipeline';
  return {
    rolloutId: `${endpointName}-v${approved.packageVersion}`,
    ...targetField(driver),
    endpointName,
    groupName,
    packageArn: approved.packageArn,
    packageVersion: approved.packageVersion,
    phase,
    stage: 'canary',
    stepIndex: 0,
    phaseSince: now,
    challengerVariant,
    challengerModel: modelNameFor(endpointName, approved.packageVersion),
    incumbentVariants: [],
    incumbentInstanceCounts: {},
    incumbentScaling: [],
    // What the policy says until the rollout starts and reads the incumbent it copies.
    challenger,
    targetConfigName: '',
    guardAlarms,
    watchedAlarms: [...group.rollout.alarms, ...guardAlarms],
    paused: false,
    noticesSent: [],
    history: [
      {
        at: now,
        phase,
        note: pipelineName === undefined ? 'approved' : `approved: delivery pipeline ${pipelineName} started`,
      },
    ],
    retainedVersions: previous?.retainedVersions ?? [],
    plan: freezePlan(group),
    version: 0,
    ...(pipelineExecutionId === undefined ? {} : { pipelineExecutionId }),
  };
}

/**
 * Records a new rollout of an approved version, replacing the endpoint's finished one (archived).
 * With a delivery pipeline in the policy, the pipeline runs first and the rollout waits for it.
 * Throws RaceLostError when another writer recorded something first.
 */
export async function beginRollout(
  context: RunContext,
  groupName: string,
  group: GroupPolicy,
  approved: ApprovedVersion,
  previous: Rollout | undefined,
  now: string,
): Promise<Rollout> {
  const rolloutId = `${group.endpointName}-v${approved.packageVersion}`;
  const pipelineName = group.deliveryPipeline?.name;
  // The rollout id is the request token: a retried start returns the same execution.
  const pipelineExecutionId =
    pipelineName === undefined
      ? undefined
      : await startDeliveryPipeline(context.writer, pipelineName, approved.packageArn, rolloutId);
  const rollout = newRollout(groupName, group, approved, previous, now, pipelineExecutionId);
  const { endpointName } = rollout;
  // Watchers first: a rollout is never recorded without the way its alarms find it (a stray watcher is harmless).
  await watchAlarms(
    context.writer,
    context.settings.rolloutsTableName,
    endpointName,
    rolloutId,
    rollout.watchedAlarms,
    now,
  );
  const saved = await saveRollout(context.writer, context.settings.rolloutsTableName, rollout, previous);
  if (previous !== undefined) await archiveRollout(context.writer, context.settings.rolloutsTableName, previous);
  context.countDecision?.('RolloutStarted');
  await announceTransition(context, group, undefined, saved, now);
  return saved;
}
