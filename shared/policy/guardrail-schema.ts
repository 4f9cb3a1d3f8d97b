// What a rollout carried out by SageMaker's deployment guardrails can ask for: a serverless group's canary,
// linear or all-at-once, and a real-time group's `sagemaker-canary`, `sagemaker-linear` or `sagemaker-rolling`.
// Refused here what SageMaker would refuse in the DeploymentConfig, naming the policy's key.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RollingUpdatePolicy.html
import type * as z from 'zod/mini';
import { guardrailWaitsFor } from '#shared/targets/real-time-guardrails/deployment-config.ts';
import type { RolloutPolicy, Strategy } from './policy-schema.ts';
import { addProblem } from './schema-values.ts';

export const guardrailStrategies = ['sagemaker-canary', 'sagemaker-linear', 'sagemaker-rolling'] as const;

type RolloutToCheck = Omit<RolloutPolicy, 'strategy'> & { strategy?: Strategy | undefined };

/** How a target's messages name its strategies: "a serverless canary", "at most 10 on a serverless endpoint". */
interface Wording {
  readonly canary: string;
  readonly linear: string;
  readonly on: string;
}

/** The limits of SageMaker's DeploymentConfig, for either kind of group. */
export function checkGuardrailLimits(rollout: RolloutToCheck, wording: Wording, ctx: z.core.$RefinementCtx): void {
  const { strategy, steps } = rollout;
  const first = steps[0] ?? 0;
  const canary = strategy === 'canary' || strategy === 'sagemaker-canary';
  if (canary && steps.length !== 2) {
    addProblem(ctx, `${wording.canary} is one step and then 100 ([x, 100]): SageMaker shifts traffic itself`, [
      'rollout',
      'steps',
    ]);
  }
  if (canary && first > 50) {
    addProblem(ctx, `${wording.canary} is at most 50% (SageMaker's canary size)`, ['rollout', 'steps', 0]);
  }
  if ((strategy === 'linear' || strategy === 'sagemaker-linear') && (first < 10 || first > 50)) {
    addProblem(ctx, `${wording.linear} is 10% to 50% (SageMaker's linear step size)`, ['rollout', 'steps', 0]);
  }
  if (strategy === 'sagemaker-rolling' && (first < 5 || first > 50)) {
    addProblem(ctx, "a sagemaker-rolling batch is 5% to 50% of the fleet (SageMaker's MaximumBatchSize)", [
      'rollout',
      'steps',
      0,
    ]);
  }
  // AutoRollbackConfiguration.Alarms: at most 10. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html
  if (rollout.alarms.length > 10) {
    addProblem(ctx, `at most 10 ${wording.on} (SageMaker's auto-rollback alarms)`, ['rollout', 'alarms']);
  }
  // Every wait SageMaker documents, and the deadline for provisioning: what MaximumExecutionTimeoutInSeconds must hold.
  const hours =
    (guardrailWaitsFor({ ...rollout, strategy: strategy ?? 'all-at-once' }) / 60 + rollout.progressDeadlineMinutes) /
    60;
  if (hours > 8) {
    addProblem(
      ctx,
      `the deployment would take ${hours.toFixed(1)} h, past SageMaker's 8 h limit: fewer steps or a shorter bake`,
      ['rollout', 'bakeMinutes'],
    );
  }
  if (rollout.bakeMinutes > 60) {
    addProblem(ctx, `at most 60 ${wording.on} (SageMaker's wait interval is up to 3600 s)`, ['rollout', 'bakeMinutes']);
  }
}

const inf1 = /^ml\.inf1\./;

/**
 * A `sagemaker-*` strategy: only a real-time group's (a serverless group's canary and linear are SageMaker's
 * already; the other targets have no traffic to step), with the guardrails' limits, without what needs a second
 * variant of the rollout's own (analysis compares two variants; an ab-test is two variants side by side).
 */
export function checkGuardrailStrategy(
  kind: string | undefined,
  rollout: RolloutToCheck,
  ctx: z.core.$RefinementCtx,
): void {
  const strategy = rollout.strategy;
  if (strategy === undefined || !(guardrailStrategies as readonly string[]).includes(strategy)) return;
  if (kind !== 'realTime') {
    addProblem(
      ctx,
      `${strategy} is for a real-time group (instanceType): ${kind === 'serverless' ? "a serverless group's canary, linear and all-at-once already go through SageMaker's guardrails" : 'this target has no endpoint traffic for SageMaker to shift'}`,
      ['rollout', 'strategy'],
    );
    return;
  }
  checkGuardrailLimits(
    rollout,
    { canary: 'a sagemaker-canary', linear: 'a sagemaker-linear step', on: `with ${strategy}` },
    ctx,
  );
  if (
    strategy !== 'sagemaker-canary' &&
    new Set(rollout.steps.map((step, index) => step - (rollout.steps[index - 1] ?? 0))).size > 1
  ) {
    addProblem(ctx, `${strategy} steps are equal increments of SageMaker's step size, e.g. [25, 50, 75, 100]`, [
      'rollout',
      'steps',
    ]);
  }
  if (rollout.analysis !== undefined) {
    addProblem(
      ctx,
      `no analysis with ${strategy}: SageMaker shifts the traffic, guarded by the group's alarms; there is no variant of the rollout's own to compare`,
      ['rollout', 'analysis'],
    );
  }
  if (rollout.shadowMinutes > 0) {
    addProblem(ctx, `no shadow with ${strategy}: SageMaker's guardrails deploy one variant`, [
      'rollout',
      'shadowMinutes',
    ]);
  }
  const instanceType = rollout.challenger.instanceType;
  if (instanceType !== undefined && inf1.test(instanceType)) {
    addProblem(
      ctx,
      "SageMaker's guardrails exclude endpoints that use Inf1 (Inferentia-based) instances: the update would fall back to all at once without a final bake (https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-exclusions.html)",
      ['rollout', 'challenger', 'instanceType'],
    );
  }
}
