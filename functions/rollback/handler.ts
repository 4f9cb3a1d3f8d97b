import { logger } from '#shared/runtime/logger.ts';

// Placeholder until the rollout engine lands: logs the event and does nothing else.
export async function handler(event: unknown): Promise<{ outcome: string }> {
  logger.info('not implemented yet: event logged only', { event });
  return { outcome: 'ignored: not implemented yet' };
}
