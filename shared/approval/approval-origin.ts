// Approval only on evidence: a version that reaches deploy as Approved was either judged by the rules (approve
// wrote its ApprovalDescription), approved by a person where people decide, or approved by whoever registered it.
// The last is not evidence: in an auto group deploy judges it first, unless the policy trusts registration.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { approvedByRules } from './approval-decision.ts';

/** Why an Approved version may be deployed as it is; undefined when it must be judged by the rules first. Pure. */
export function trustedApproval(
  approval: GroupPolicy['approval'],
  approvalDescription: string | undefined,
): string | undefined {
  if (approval.mode === 'manual') return 'a person approves in a manual group';
  // CreateModelPackage takes no ApprovalDescription: only an update after registration can have written this.
  if (approvalDescription?.startsWith(approvedByRules)) return 'approve judged it by the rules';
  if (approval.trustRegistrationApproval) return 'the policy trusts approval at registration';
  return undefined;
}
