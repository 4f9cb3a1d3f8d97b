// Judges one pending package of a configured auto group by the policy's rules: shared by approve (its
// event) and pipeline-events (the packages a training pipeline registered, when their events were lost).
// deploy judges with the same code a package registered already Approved (judge-before-deploying.ts).
import { type ApprovalDecision, type ChampionEvidence, decideApproval } from '#shared/approval/approval-decision.ts';
import { findChampion } from '#shared/approval/champion.ts';
import type { PackageEvidence } from '#shared/approval/metric-values.ts';
import { readEvaluationReport } from '#shared/aws/evaluation-report.ts';
import { describeModelPackage, type ModelPackage, setApprovalStatus } from '#shared/aws/sagemaker.ts';
import { recordOnce } from '#shared/aws/store.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { hintLine } from '#shared/rollout/command-line.ts';
import { packageDecisionEvent } from '#shared/rollout/decision-events.ts';
import { logger } from '#shared/runtime/logger.ts';
import { groupToActOn, ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';
import { sendDecisionEvents, sendNotices } from './notices.ts';

async function gatherEvidence(modelPackage: ModelPackage): Promise<PackageEvidence> {
  return {
    report: await readEvaluationReport(modelPackage.ModelMetrics?.ModelQuality?.Statistics?.S3Uri),
    metadata: modelPackage.CustomerMetadataProperties ?? {},
  };
}

async function gatherChampionEvidence(
  context: RunContext,
  groupName: string,
  group: GroupPolicy,
  candidateArn: string,
): Promise<ChampionEvidence> {
  if (!group.approval.rules.some((rule) => rule.beatChampionBy !== undefined)) return undefined;
  const champion = await findChampion(context.settings.rolloutsTableName, groupName, group, candidateArn);
  if ('modelPackage' in champion) return gatherEvidence(champion.modelPackage);
  return 'unidentified' in champion ? champion : undefined;
}

/** The rules' verdict on one package of the group, from its evidence and the champion's. Reads only. */
export async function decideByRules(
  context: RunContext,
  groupName: string,
  group: GroupPolicy,
  modelPackage: ModelPackage,
): Promise<ApprovalDecision> {
  const packageArn = modelPackage.ModelPackageArn ?? '';
  return decideApproval(
    group.approval.rules,
    await gatherEvidence(modelPackage),
    await gatherChampionEvidence(context, groupName, group, packageArn),
  );
}

/** The record that lets one of several deliveries tell people of a verdict on a package. */
export function verdictNoticeKey(packageArn: string, notice: string): { pk: string; sk: string } {
  return { pk: `PACKAGE#${packageArn}`, sk: `NOTICE#${notice}` };
}

/** Tells people and other tools of a verdict, once for any number of deliveries (the record `notice`). */
export async function announceVerdict(
  context: RunContext,
  modelPackage: ModelPackage,
  decision: ApprovalDecision,
  message: { readonly notice: string; readonly subject: string; readonly preface?: string; readonly next: string },
  now: string,
): Promise<void> {
  const packageArn = modelPackage.ModelPackageArn ?? '';
  const checks = decision.checks.map((check) => `- ${check.explanation}`).join('\n');
  const firstTime = await recordOnce(
    context.writer,
    context.settings.rolloutsTableName,
    verdictNoticeKey(packageArn, message.notice),
    { recordedAt: now, reason: decision.description },
  );
  if (!firstTime) return;
  const preface = message.preface === undefined ? '' : `${message.preface}\n\n`;
  await sendNotices(context, [
    { subject: message.subject, message: `${packageArn}\n\n${preface}${checks}\n\n${message.next}` },
  ]);
  const pkg = {
    groupName: modelPackage.ModelPackageGroupName ?? '',
    packageArn,
    packageVersion: modelPackage.ModelPackageVersion ?? null,
  };
  await sendDecisionEvents(context, [packageDecisionEvent(decision.verdict, pkg, decision.description, now)]);
}

/** What a person can do about a package decision, as the one command to run (`stage`: the stack's). */
function nextCommand(
  verdict: 'Approved' | 'Rejected' | 'NeedsHuman',
  packageArn: string,
  group: GroupPolicy,
  stage: string,
): string {
  if (verdict === 'NeedsHuman')
    return `To approve it by hand: aws sagemaker update-model-package --model-package-arn ${packageArn} --model-approval-status Approved`;
  if (verdict === 'Approved')
    return hintLine({ purpose: 'To follow its rollout', command: `status ${group.endpointName}` }, stage);
  return 'Nothing happens next: the version stays Rejected and is never deployed.';
}

/** Approves, rejects or leaves for a person one package of a configured auto group, if it is still pending. */
export async function judgePackage(
  context: RunContext,
  groupName: string,
  packageArn: string,
  now: string,
): Promise<RunResult> {
  // Keys on each line: pipeline-events judges several packages at once with the same logger.
  const packageKeys = { modelPackageGroup: groupName, modelPackageArn: packageArn };

  const group = groupToActOn(context.policy, groupName, packageKeys);
  if (group === undefined) {
    logger.info('ignored: the model package group is not in the policy', packageKeys);
    return { outcome: 'ignored: group not configured' };
  }
  if (group.approval.mode === 'manual') {
    logger.info('ignored: the group is in manual approval mode', packageKeys);
    return { outcome: 'ignored: manual approval' };
  }

  // The event is only a hint: decide from the package as it is now, so duplicates change nothing.
  const modelPackage = await describeModelPackage(packageArn);
  if (modelPackage === undefined) return ignoreWithWarning(`model package ${packageArn} does not exist`, packageKeys);
  if (modelPackage.ModelApprovalStatus !== 'PendingManualApproval') {
    logger.info('ignored: the package is no longer pending', {
      ...packageKeys,
      status: modelPackage.ModelApprovalStatus,
    });
    return { outcome: `ignored: already ${modelPackage.ModelApprovalStatus ?? 'without status'}` };
  }
  if (modelPackage.ModelPackageGroupName !== groupName) {
    return ignoreWithWarning(
      `${packageArn} belongs to ${modelPackage.ModelPackageGroupName}, not ${groupName}`,
      packageKeys,
    );
  }

  const decision = await decideByRules(context, groupName, group, modelPackage);
  logger.info('approval decided', { ...packageKeys, verdict: decision.verdict, reason: decision.description });

  if (decision.verdict !== 'NeedsHuman') {
    await setApprovalStatus(context.writer, packageArn, decision.verdict, decision.description);
  }
  // Two deliveries of one event can both get this far; the conditional record lets one of them notify.
  const verdictLabel = decision.verdict === 'NeedsHuman' ? 'needs a human' : decision.verdict;
  await announceVerdict(
    context,
    modelPackage,
    decision,
    {
      notice: decision.verdict,
      subject: `${groupName} v${modelPackage.ModelPackageVersion ?? '?'}: ${verdictLabel}`,
      next: nextCommand(decision.verdict, packageArn, group, context.settings.stage),
    },
    now,
  );
  context.countDecision?.(`Approval${decision.verdict}`);
  const outcomes = { Approved: 'approved', Rejected: 'rejected', NeedsHuman: 'left pending: evidence missing' };
  return { outcome: outcomes[decision.verdict] };
}
