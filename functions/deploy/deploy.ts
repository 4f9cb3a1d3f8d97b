// primary adapter (EventBridge: Model Package State Change, Approved) -> use case (decideOnApproval, judgeBeforeDeploying, reconcile) -> secondary adapters
import { type EndpointRolloutState, queueVersion, readEndpointState } from '#shared/aws/rollout-store.ts';
import { describeModelPackage } from '#shared/aws/sagemaker.ts';
import { beginRollout } from '#shared/engine/begin-rollout.ts';
import { judgeBeforeDeploying } from '#shared/engine/judge-before-deploying.ts';
import { sendDecisionEvents } from '#shared/engine/notices.ts';
import { reconcileEndpoint, supersedeQueued } from '#shared/engine/reconcile.ts';
import { RaceLostError } from '#shared/errors.ts';
import { foreignEvent, homeOf, packageNotInGroup } from '#shared/events/event-origin.ts';
import { modelPackageStateChangeSchema, parseEvent } from '#shared/events/event-schemas.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { decisionTypes, queueEvent } from '#shared/rollout/decision-events.ts';
import { decisionTime } from '#shared/rollout/rollout-clock.ts';
import { decideOnApproval, type QueuedVersion } from '#shared/rollout/start-decision.ts';
import { logger } from '#shared/runtime/logger.ts';
import {
  groupToActOn,
  ignoreWithWarning,
  type RunContext,
  type RunResult,
  wallClockOf,
} from '#shared/runtime/run-context.ts';

const attempts = 3;

export async function deployApprovedPackage(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const event = parseEvent(modelPackageStateChangeSchema, rawEvent);
  const { ModelPackageGroupName: groupName, ModelPackageArn: packageArn } = event.detail;
  logger.appendKeys({ modelPackageGroup: groupName, modelPackageArn: packageArn });
  const home = homeOf(context.settings);
  const notOurs = foreignEvent(event, home) ?? packageNotInGroup(packageArn, groupName, home);
  if (notOurs !== undefined) return ignoreWithWarning(notOurs);

  const group = groupToActOn(context.policy, groupName);
  if (group === undefined) {
    logger.info('ignored: the model package group is not in the policy');
    return { outcome: 'ignored: group not configured' };
  }
  // The event is a hint; only a package that is Approved right now is ever deployed.
  const modelPackage = await describeModelPackage(packageArn);
  if (modelPackage === undefined) return ignoreWithWarning(`model package ${packageArn} does not exist`);
  if (modelPackage.ModelApprovalStatus !== 'Approved' || modelPackage.ModelPackageGroupName !== groupName) {
    logger.info('ignored: the package is not Approved now', { status: modelPackage.ModelApprovalStatus });
    return { outcome: `ignored: package is ${modelPackage.ModelApprovalStatus ?? 'without status'}, not Approved` };
  }
  const approved = {
    packageArn,
    packageVersion: modelPackage.ModelPackageVersion ?? 0,
    groupName,
    queuedAt: event.time,
  };
  logger.appendKeys({ endpointName: group.endpointName, packageVersion: approved.packageVersion });

  // Versions only move forward: an approval that would change nothing is ignored before it is judged, so a
  // duplicate or late event never judges (let alone rejects) a version that was already rolled out.
  const state = await readEndpointState(context.settings.rolloutsTableName, group.endpointName);
  const before = decideOnApproval(approved, state.rollout, state.queued);
  if (before.kind === 'ignore') {
    logger.info('start decided', { decision: before });
    return { outcome: `ignored: ${before.reason}` };
  }
  const judged = await judgeBeforeDeploying(context, groupName, group, modelPackage, event.time);
  if ('outcome' in judged) return judged;
  logger.info('deploying an approved version', { approvedBecause: judged.deploy });

  const begun = await startOrQueue(context, groupName, group, approved, event.time, state);
  if ('outcome' in begun) return begun;
  // Take the first step now, from the record just written (no need to read it back).
  const report = await reconcileEndpoint(context, group.endpointName, event.time, { state: begun.state });
  return { outcome: `started: ${report.notes.join('; ')}` };
}

/** Starts a rollout of the version, queues it, or ignores it, deciding again (from a new read) when another writer got there first. */
async function startOrQueue(
  context: RunContext,
  groupName: string,
  group: GroupPolicy,
  approved: QueuedVersion,
  now: string,
  stateRead: EndpointRolloutState,
): Promise<RunResult | { state: EndpointRolloutState }> {
  const table = context.settings.rolloutsTableName;
  for (let attempt = 1; ; attempt += 1) {
    const { rollout, queued } = attempt === 1 ? stateRead : await readEndpointState(table, group.endpointName);
    // A late approval event never dates the endpoint's new record before its last one.
    const at = decisionTime(now, rollout, wallClockOf(context));
    const decision = decideOnApproval(approved, rollout, queued);
    logger.info('start decided', { decision });
    if (decision.kind === 'ignore') return { outcome: `ignored: ${decision.reason}` };
    try {
      if (decision.kind === 'start') {
        const started = await beginRollout(context, groupName, group, approved, rollout, at);
        return { state: { rollout: started, ...(queued === undefined ? {} : { queued }) } };
      }
      await queueVersion(context.writer, table, group.endpointName, approved, decision.supersedes);
      if (decision.supersedes !== undefined) {
        await supersedeQueued(context, group.endpointName, decision.supersedes, approved.packageVersion, at);
      }
      context.countDecision?.('RolloutQueued');
      const behind = `queued behind v${rollout?.packageVersion} (${rollout?.phase})`;
      await sendDecisionEvents(context, [queueEvent(decisionTypes.queued, group.endpointName, approved, behind, at)]);
      return { outcome: behind };
    } catch (error) {
      if (error instanceof RaceLostError && attempt < attempts) continue;
      throw error;
    }
  }
}
