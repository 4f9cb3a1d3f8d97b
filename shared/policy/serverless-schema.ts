// A serverless group: its `serverless` config, and what its rollout and model settings may ask of a serverless
// endpoint. Refused here what SageMaker would refuse when the first version deploys.

import * as z from 'zod/mini';
import { deploymentWaitsFor } from '#shared/targets/serverless/deployment-config.ts';
import type { RolloutPolicy } from './policy-schema.ts';
import { addProblem } from './schema-values.ts';

// ProductionVariantServerlessConfig: memory 1024-6144 MB in 1 GB steps, concurrency 1-200, provisioned
// concurrency at most the maximum. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantServerlessConfig.html
export const serverless = z
  .strictObject({
    memorySizeInMB: z
      .int()
      .check(
        z.refine((value) => value >= 1024 && value <= 6144 && value % 1024 === 0, 'expected 1024, 2048, ... or 6144'),
      ),
    maxConcurrency: z.int().check(z.minimum(1, 'expected 1 to 200'), z.maximum(200, 'expected 1 to 200')),
    provisionedConcurrency: z.optional(z.int().check(z.minimum(1, 'expected a whole number >= 1'))),
  })
  .check(
    z.superRefine((value, ctx) => {
      if (value.provisionedConcurrency !== undefined && value.provisionedConcurrency > value.maxConcurrency) {
        addProblem(ctx, `at most maxConcurrency (${value.maxConcurrency})`, ['provisionedConcurrency']);
      }
    }),
  );

/**
 * A serverless endpoint holds one production variant: the new version goes out with SageMaker's deployment
 * guardrails, which step the traffic themselves. Only what a blue/green traffic routing can say is allowed:
 * https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green.html
 */
export function checkServerlessRollout(
  rollout: Omit<RolloutPolicy, 'strategy'> & { strategy?: RolloutPolicy['strategy'] | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  const { strategy, steps } = rollout;
  if (strategy === 'shadow') {
    addProblem(ctx, 'a serverless endpoint cannot hold a shadow variant: use canary, linear or all-at-once', [
      'rollout',
      'strategy',
    ]);
  }
  if (strategy === 'canary' && steps.length !== 2) {
    addProblem(ctx, 'a serverless canary is one step and then 100 ([x, 100]): SageMaker shifts traffic itself', [
      'rollout',
      'steps',
    ]);
  }
  if (strategy === 'canary' && (steps[0] ?? 0) > 50) {
    addProblem(ctx, "a serverless canary is at most 50% (SageMaker's canary size)", ['rollout', 'steps', 0]);
  }
  if (strategy === 'linear' && ((steps[0] ?? 0) < 10 || (steps[0] ?? 0) > 50)) {
    addProblem(ctx, "a serverless linear step is 10% to 50% (SageMaker's linear step size)", ['rollout', 'steps', 0]);
  }
  // AutoRollbackConfiguration.Alarms: at most 10. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AutoRollbackConfig.html
  if (rollout.alarms.length > 10) {
    addProblem(ctx, "at most 10 on a serverless endpoint (SageMaker's auto-rollback alarms)", ['rollout', 'alarms']);
  }
  // Every wait SageMaker documents (a bake after each shift, the final bake, the termination wait), and the
  // deadline for provisioning: what MaximumExecutionTimeoutInSeconds must hold.
  const hours =
    (deploymentWaitsFor({ ...rollout, strategy: strategy ?? 'all-at-once' }) / 60 + rollout.progressDeadlineMinutes) /
    60;
  if (hours > 8) {
    addProblem(
      ctx,
      `the deployment would take ${hours.toFixed(1)} h, past SageMaker's 8 h limit: fewer steps or a shorter bake`,
      ['rollout', 'bakeMinutes'],
    );
  }
  if (rollout.bakeMinutes > 60) {
    addProblem(ctx, "at most 60 on a serverless endpoint (SageMaker's wait interval is up to 3600 s)", [
      'rollout',
      'bakeMinutes',
    ]);
  }
}

/**
 * What Serverless Inference does not support, in AWS's words
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html#serverless-endpoints-how-it-works-exclusions,
 * as its source in awsdocs/amazon-sagemaker-developer-guide, doc_source/serverless-endpoints.md, reads):
 *   "Some of the features currently available for SageMaker Real-time Inference are not supported for
 *   Serverless Inference, including GPUs, AWS marketplace model packages, private Docker registries,
 *   Multi-Model Endpoints, KMS keys, VPC configuration, network isolation, data capture, multiple production
 *   variants, Model Monitor, and inference pipelines."
 *   "You cannot convert your instance-based, real-time endpoint to a serverless endpoint. If you try to update
 *   your real-time endpoint to serverless, you receive a ValidationError message."
 * The policy can ask for three of them, in `model`: refused here, each with AWS's rule. The rest it cannot
 * express; the planner refuses them in what serves (targets/serverless/plan.ts), and the emulator as SageMaker.
 */
/** AWS's excluded features the policy, the planner or both refuse, named as AWS's page names them. */
const excludedFeatures = {
  vpcConfig: 'VPC configuration',
  networkIsolation: 'network isolation',
  inferencePipelines: 'inference pipelines',
  dataCapture: 'data capture',
  privateDockerRegistries: 'private Docker registries',
} as const;

/** `Serverless Inference does not support VPC configuration`: the reason given with every refusal. */
export function serverlessExclusion(feature: keyof typeof excludedFeatures): string {
  return `Serverless Inference does not support ${excludedFeatures[feature]}`;
}

/** The model settings a policy can give that a serverless endpoint cannot have, and why. */
const excludedModelSettings = {
  vpcConfig: serverlessExclusion('vpcConfig'),
  enableNetworkIsolation: serverlessExclusion('networkIsolation'),
  inferenceExecution: `it says how the containers of an inference pipeline run, and ${serverlessExclusion('inferencePipelines')}`,
} as const;

export function checkServerlessModel(
  model: { vpcConfig?: unknown; enableNetworkIsolation?: boolean | undefined; inferenceExecution?: unknown },
  ctx: z.core.$RefinementCtx,
): void {
  const asked = {
    vpcConfig: model.vpcConfig !== undefined,
    // false is what a serverless model has anyway
    enableNetworkIsolation: model.enableNetworkIsolation === true,
    inferenceExecution: model.inferenceExecution !== undefined,
  };
  for (const key of Object.keys(excludedModelSettings) as (keyof typeof excludedModelSettings)[]) {
    if (asked[key]) addProblem(ctx, `not on a serverless endpoint: ${excludedModelSettings[key]}`, ['model', key]);
  }
}
