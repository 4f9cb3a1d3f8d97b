import { describe, expect, it } from 'vitest';
import { trustedApproval } from '#shared/approval/approval-origin.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';

const rules = [{ metric: 'auc', source: 'report' as const, min: 0.85 }];
const auto: GroupPolicy['approval'] = { mode: 'auto', rules, trustRegistrationApproval: false };

describe('trustedApproval', () => {
  it('trusts an approval approve wrote, by the start of its ApprovalDescription', () => {
    expect(trustedApproval(auto, 'sagemaker-rollout approved automatically: auc = 0.9 (min 0.85): pass')).toBe(
      'approve judged it by the rules',
    );
  });

  it.each([
    ['no description (registered Approved: CreateModelPackage takes none)', undefined],
    ['a description of its own', 'approved by the training pipeline'],
    ['a rejection approve wrote, then overruled', 'sagemaker-rollout rejected automatically: auc = 0.7: FAIL'],
    ['the words elsewhere than at the start', 'ok: sagemaker-rollout approved automatically'],
  ])('judges an auto group’s version with %s', (_, description) => {
    expect(trustedApproval(auto, description)).toBeUndefined();
  });

  it('trusts approval at registration only where the policy says so', () => {
    expect(trustedApproval({ ...auto, trustRegistrationApproval: true }, undefined)).toBe(
      'the policy trusts approval at registration',
    );
  });

  it('trusts any approval in a manual group: a person approved it', () => {
    expect(trustedApproval({ mode: 'manual', rules: [], trustRegistrationApproval: false }, undefined)).toBe(
      'a person approves in a manual group',
    );
  });
});
