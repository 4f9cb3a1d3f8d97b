// Approval only on evidence: deploy judges a version of an auto group that is Approved without the rules having
// judged it (registered Approved by a pipeline, say), with approve's own code (judge-package.ts), before any
// rollout. Passed: deployed as any. Failed: Rejected, with the reason. Evidence missing: left as it is, not deployed.
import { trustedApproval } from '#shared/approval/approval-origin.ts';
import { type ModelPackage, setApprovalStatus } from '#shared/aws/sagemaker.ts';
import { isRecorded } from '#shared/aws/store.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { logger } from '#shared/runtime/logger.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import { announceVerdict, decideByRules, verdictNoticeKey } from './judge-package.ts';

/** Deploy it (and why it may be), or what was done instead. */
export type BeforeDeploying = { readonly deploy: string } | { readonly outcome: string };

/** What a person can do about a version that arrived Approved and was not deployed. */
function nextStep(verdict: 'Rejected' | 'NeedsHuman', packageArn: string): string {
  if (verdict === 'Rejected') return 'Nothing happens next: the version stays Rejected and is never deployed.';
  return (
    'To have it judged as a new version (and approved by hand if the rules still cannot judge it): ' +
    `aws sagemaker update-model-package --model-package-arn ${packageArn} --model-approval-status PendingManualApproval`
  );
}

/**
 * Whether deploy may act on an Approved version: yes when the rules judged it, a person approved it, or the
 * policy trusts approval at registration; otherwise after judging it by the group's rules now.
 */
export async function judgeBeforeDeploying(
  context: RunContext,
  groupName: string,
  group: GroupPolicy,
  modelPackage: ModelPackage,
  now: string,
): Promise<BeforeDeploying> {
  const packageArn = modelPackage.ModelPackageArn ?? '';
  const trusted = trustedApproval(group.approval, modelPackage.ApprovalDescription);
  if (trusted !== undefined) return { deploy: trusted };
  // approve left it for a person (its evidence missing), who approved it since: that is a person's decision.
  if (await isRecorded(context.settings.rolloutsTableName, verdictNoticeKey(packageArn, 'NeedsHuman'))) {
    return { deploy: 'a person approved it after approve could not judge it' };
  }

  const decision = await decideByRules(context, groupName, group, modelPackage);
  logger.info('approved at registration: judged before deploying', {
    verdict: decision.verdict,
    reason: decision.description,
  });
  context.countDecision?.(`Approval${decision.verdict}`);
  if (decision.verdict === 'Approved') return { deploy: 'its rules passed' };

  if (decision.verdict === 'Rejected') {
    await setApprovalStatus(context.writer, packageArn, 'Rejected', decision.description);
  }
  const version = `${groupName} v${modelPackage.ModelPackageVersion ?? '?'}`;
  await announceVerdict(
    context,
    modelPackage,
    decision,
    {
      // Records of their own: approve's NeedsHuman record says a person was asked, which this is not.
      notice: `RegisteredApproved${decision.verdict}`,
      subject:
        decision.verdict === 'Rejected'
          ? `${version}: registered Approved, Rejected by its rules`
          : `${version}: registered Approved, not deployed: needs a human`,
      preface:
        'It was registered as Approved. In an auto group its rules judge it before it is deployed ' +
        '(approval.trustRegistrationApproval is false).',
      next: nextStep(decision.verdict, packageArn),
    },
    now,
  );
  return {
    outcome:
      decision.verdict === 'Rejected'
        ? 'rejected: registered Approved, its rules failed'
        : 'not deployed: registered Approved, evidence missing',
  };
}
