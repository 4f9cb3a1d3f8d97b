import { liveWriter } from '#shared/aws/aws-writes.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import { logger } from './logger.ts';
import type { RunContext, RunResult } from './run-context.ts';
import { readSettings } from './settings.ts';

/**
 * The Lambda entry around a use case. Settings and policy are read once per container, so a broken
 * policy or environment fails the cold start loudly instead of the first event quietly.
 */
export function createLambdaHandler(
  useCase: (event: unknown, context: RunContext) => Promise<RunResult>,
): (event: unknown) => Promise<RunResult> {
  const settings = readSettings();
  const policy = loadPolicyFile(settings.policyFile);
  return async (event) => {
    logger.resetKeys();
    const result = await useCase(event, { policy, settings, writer: liveWriter() });
    logger.info('handled', { outcome: result.outcome });
    return result;
  };
}
