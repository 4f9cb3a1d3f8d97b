import { type Notification, publishNotification } from '#shared/aws/notify.ts';
import { logger } from '#shared/runtime/logger.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';

/**
 * A notice never stops or repeats a step: callers send it once what it reports is recorded, and a
 * failure to publish is logged and counted (metric NotificationFailed, for an alarm on the system
 * itself) instead of failing the step, whose retry would send it twice.
 */
export async function sendNotices(context: RunContext, notices: readonly Notification[]): Promise<void> {
  for (const notice of notices) {
    try {
      await publishNotification(context.writer, context.settings.notificationsTopicArn, notice);
    } catch (error) {
      logger.error('notification not sent', { subject: notice.subject, error: error as Error });
      context.countDecision?.('NotificationFailed');
    }
  }
}
