// A serverless group: its `serverless` config, and what its rollout and model settings may ask of a serverless
// endpoint. Refused here what SageMaker would refuse when the first version deploys.

import * as z from 'zod/mini';
import { checkGuardrailLimits } from './guardrail-schema.ts';
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
  if (rollout.strategy === 'shadow') {
    addProblem(ctx, 'a serverless endpoint cannot hold a shadow variant: use canary, linear or all-at-once', [
      'rollout',
      'strategy',
    ]);
  }
  checkGuardrailLimits(
    rollout,
    { canary: 'a serverless canary', linear: 'a serverless linear step', on: 'on a serverless endpoint' },
    ctx,
  );
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
