// The plan a rollout runs on: the group's policy as it was when the rollout started, with a hash, kept on
// the record (as Argo Rollouts copies a rollout's steps). Editing rollout.config.yml mid-rollout never
// re-targets a running rollout's step, bake, alarms or deadline: it finishes on its plan, and `rollout
// status` says the policy changed. The next version starts on the new policy. Pure.
import { createHash } from 'node:crypto';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';

export interface RolloutPlan {
  readonly group: GroupPolicy;
  /** sha256 of the group's policy, keys sorted, first 12 hex digits: what `rollout status` compares. */
  readonly hash: string;
}

/** JSON with every object's keys sorted, so the same policy always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, field]) => field !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, field]) => `${JSON.stringify(key)}:${canonicalJson(field)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function planHash(group: GroupPolicy): string {
  return createHash('sha256').update(canonicalJson(group)).digest('hex').slice(0, 12);
}

export function freezePlan(group: GroupPolicy): RolloutPlan {
  return { group, hash: planHash(group) };
}

/** The group's policy a rollout runs on; a record from before plans were kept has only what it started with. */
export function planOf(rollout: {
  readonly plan?: RolloutPlan;
  readonly startedWithPolicy?: GroupPolicy;
}): RolloutPlan | undefined {
  if (rollout.plan !== undefined) return rollout.plan;
  return rollout.startedWithPolicy === undefined ? undefined : freezePlan(rollout.startedWithPolicy);
}

/** Said by `rollout status` when the policy now differs from the plan the rollout runs on. */
export function planDrift(plan: RolloutPlan | undefined, live: GroupPolicy | undefined): string | undefined {
  if (plan === undefined) return undefined;
  if (live === undefined)
    return `the group is no longer in the policy: this rollout is left as it is (abort still works, on plan ${plan.hash})`;
  const now = planHash(live);
  if (now === plan.hash) return undefined;
  return `the policy changed since this rollout started (plan ${plan.hash}, policy now ${now}): it finishes on its plan; the next version starts on the new policy`;
}
