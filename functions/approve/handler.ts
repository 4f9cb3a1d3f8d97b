import { liveWriter } from '#shared/aws/aws-writes.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import { logger } from '#shared/runtime/logger.ts';
import { readSettings } from '#shared/runtime/settings.ts';
import { approveModelPackage } from './approve.ts';

// Read once per container: a broken policy or environment fails the cold start, loudly.
const settings = readSettings();
const policy = loadPolicyFile(settings.policyFile);

export async function handler(event: unknown): Promise<{ outcome: string }> {
  logger.resetKeys();
  return approveModelPackage(event, { policy, settings, writer: liveWriter() });
}
