import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { parseCompiledPolicy } from '#shared/policy/compiled-policy.ts';
import { logger } from './logger.ts';
import type { DecisionMetric, RunContext, RunResult } from './run-context.ts';
import { readSettings } from './settings.ts';

/**
 * The policy, compiled into the bundle at package time: serverless.yml's custom.esbuild.define puts
 * rollout.config.yml here in its compiled form (compiled-policy.ts), so what runs is exactly what was reviewed
 * and packaged. Read at the module's top level: V8 then scans the long literal once, not once lazily and again
 * when a function holding it is compiled (~5 ms a megabyte).
 */
const bundledPolicy = process.env.ROLLOUT_POLICY_DOCUMENT;

function bundledPolicyText(): string {
  if (bundledPolicy === undefined)
    throw new Error('no policy in this bundle: package it with serverless.yml (custom.esbuild.define)');
  return bundledPolicy;
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
  // Checked in full before it was packaged (npm run check): each group is read and validated when first used,
  // so the start costs the same whatever the number of groups.
  const policy = parseCompiledPolicy(bundledPolicyText(), 'rollout.config.yml (bundled)');
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
