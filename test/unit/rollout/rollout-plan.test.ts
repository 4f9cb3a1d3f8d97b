// The plan frozen when a rollout starts: a hash that names the policy whatever the order of its keys, and what
// `rollout status` says when the policy changed since.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '#shared/policy/load-policy.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { freezePlan, planDrift, planHash, planOf } from '#shared/rollout/rollout-plan.ts';

const groupOf = (text: string): GroupPolicy => {
  const group = parsePolicy(text, 't.yml').group('fraud-detector');
  if (group === undefined) throw new Error('no group');
  return group;
};
const policy = (rollout: string) => `
defaults: { executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution', approval: { mode: manual } }
modelPackageGroups:
  fraud-detector:
    endpointName: fraud-prod
    instanceType: ml.m5.large
    initialInstanceCount: 1
    rollout: ${rollout}
`;

describe('the frozen plan', () => {
  it('hashes the same policy the same, whatever the order of its keys', () => {
    const one = groupOf(policy('{ strategy: canary, steps: [10, 50, 100], bakeMinutes: 10 }'));
    const two = groupOf(policy('{ bakeMinutes: 10, steps: [10, 50, 100], strategy: canary }'));
    expect(planHash(one)).toBe(planHash(two));
    expect(planHash(one)).toMatch(/^[0-9a-f]{12}$/);
  });

  it('says the policy changed, naming both hashes, and nothing when it did not', () => {
    const started = freezePlan(groupOf(policy('{ strategy: canary, steps: [10, 50, 100], bakeMinutes: 10 }')));
    const edited = groupOf(policy('{ strategy: canary, steps: [25, 100], bakeMinutes: 10 }'));
    expect(planDrift(started, started.group)).toBeUndefined();
    expect(planDrift(started, edited)).toBe(
      `the policy changed since this rollout started (plan ${started.hash}, policy now ${planHash(edited)}): it finishes on its plan; the next version starts on the new policy`,
    );
    expect(planDrift(started, undefined)).toContain('the group is no longer in the policy');
  });

  it('reads the plan of a record written before plans were kept from what it started with', () => {
    const group = groupOf(policy('{ strategy: linear, steps: [50, 100], bakeMinutes: 5 }'));
    expect(planOf({ startedWithPolicy: group })).toEqual(freezePlan(group));
    expect(planOf({})).toBeUndefined();
  });
});
