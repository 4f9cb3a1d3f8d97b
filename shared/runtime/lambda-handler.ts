import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { parsePolicyDocument } from '#shared/policy/policy-document.ts';
import { logger } from './logger.ts';
import type { DecisionMetric, RunContext, RunResult } from './run-context.ts';
import { readSettings } from './settings.ts';

/**
 * The policy, compiled into the bundle at package time: serverless.yml's custom.esbuild.define puts
 * rollout.config.yml here as JSON, so what runs is exactly what was reviewed and packaged.
 */
function bundledPolicyDocument(): unknown {
  const document = process.env.ROLLOUT_POLICY_DOCUMENT;
  if (document === undefined)
    throw new Error('no policy in this bundle: package it with serverless.yml (custom.esbuild.define)');
  return JSON.parse(document);
}

/** The part of Lambda's context object used here. */
interface LambdaInvocation {
  getRemainingTimeInMillis(): number;
}

/**
 * The Lambda entry around a use case. Settings and policy are read once per container, so a broken
 * policy or environment fails the cold start loudly instead of the first event quietly.
 */
export function createLambdaHandler(
  useCase: (event: unknown, context: RunContext) => Promise<RunResult>,
): (event: unknown, invocation?: LambdaInvocation) => Promise<RunResult> {
  const settings = readSettings();
  // Checked in full when it was packaged (npm run check): each group is validated when first used.
  const policy = parsePolicyDocument(bundledPolicyDocument(), 'rollout.config.yml (bundled)', 'on use');
  // Embedded metric format: the counts travel in the log stream, no CloudWatch API call in the hot path.
  const metrics = new Metrics({ namespace: 'SageMakerRollout', serviceName: 'sagemaker-rollout' });
  const countDecision = (metric: DecisionMetric) => metrics.addMetric(metric, MetricUnit.Count, 1);
  return async (event, invocation) => {
    logger.resetKeys();
    try {
      const remainingTimeMs = invocation === undefined ? undefined : () => invocation.getRemainingTimeInMillis();
      const context = {
        policy,
        settings,
        writer: liveWriter(),
        countDecision,
        pause: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
        ...(remainingTimeMs && { remainingTimeMs }),
      };
      const result = await useCase(event, context);
      logger.info('handled', { outcome: result.outcome });
      return result;
    } finally {
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}
