// primary adapter (EventBridge: Model Package State Change, Approved) -> use case (decideOnApproval, reconcile) -> secondary adapters
import { queueVersion, readEndpointState } from '#shared/aws/rollout-store.ts';
import { describeModelPackage } from '#shared/aws/sagemaker.ts';
import { beginRollout } from '#shared/engine/begin-rollout.ts';
import { reconcileEndpoint, supersedeQueued } from '#shared/engine/reconcile.ts';
import { RaceLostError } from '#shared/errors.ts';
import { modelPackageStateChangeSchema, parseEvent } from '#shared/events/event-schemas.ts';
import { decideOnApproval } from '#shared/rollout/start-decision.ts';
import { logger } from '#shared/runtime/logger.ts';
import type { RunContext, RunResult } from '#shared/runtime/run-context.ts';

const attempts = 3;

export async function deployApprovedPackage(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const event = parseEvent(modelPackageStateChangeSchema, rawEvent);
  const { ModelPackageGroupName: groupName, ModelPackageArn: packageArn } = event.detail;
  logger.appendKeys({ modelPackageGroup: groupName, modelPackageArn: packageArn });

  const group = context.policy.groups.get(groupName);
  if (group === undefined) {
    logger.info('ignored: the model package group is not in the policy');
    return { outcome: 'ignored: group not configured' };
  }
  // The event is a hint; only a package that is Approved right now is ever deployed.
  const modelPackage = await describeModelPackage(packageArn);
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

  for (let attempt = 1; ; attempt += 1) {
    const { rollout, queued } = await readEndpointState(context.settings.rolloutsTableName, group.endpointName);
    const decision = decideOnApproval(approved, rollout, queued);
    logger.info('approval decided', { decision });
    try {
      if (decision.kind === 'ignore') return { outcome: `ignored: ${decision.reason}` };
      if (decision.kind === 'queue') {
        await queueVersion(
          context.writer,
          context.settings.rolloutsTableName,
          group.endpointName,
          approved,
          decision.supersedes,
        );
        if (decision.supersedes !== undefined) {
          await supersedeQueued(context, group.endpointName, decision.supersedes, approved.packageVersion, event.time);
        }
        context.countDecision?.('RolloutQueued');
        return { outcome: `queued behind v${rollout?.packageVersion} (${rollout?.phase})` };
      }
      const started = await beginRollout(context, groupName, group, approved, rollout, event.time);
      // Take the first step now, from the record just written (no need to read it back).
      const report = await reconcileEndpoint(context, group.endpointName, event.time, {}, { rollout: started, queued });
      return { outcome: `started: ${report.notes.join('; ')}` };
    } catch (error) {
      // Another approval for this endpoint was recorded between our read and write: decide again.
      if (error instanceof RaceLostError && attempt < attempts) continue;
      throw error;
    }
  }
}
