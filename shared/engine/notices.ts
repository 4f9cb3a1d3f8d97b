import { putDecisionEvents } from '#shared/aws/decision-bus.ts';
import { type Notification, publishNotification } from '#shared/aws/notify.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { type DecisionEvent, transitionEvents } from '#shared/rollout/decision-events.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
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

/** Decisions go to the bus like notices to people: once recorded, and a failure never fails the step. */
export async function sendDecisionEvents(context: RunContext, events: readonly DecisionEvent[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await putDecisionEvents(context.writer, events);
  } catch (error) {
    logger.error('decision events not sent', {
      detailTypes: events.map((event) => event.detailType),
      error: error as Error,
    });
    context.countDecision?.('EventsFailed');
  }
}

/** The events of one write of a rollout record, from what it was to what was stored. */
export async function announceTransition(
  context: RunContext,
  group: GroupPolicy | undefined,
  before: Rollout | undefined,
  after: Rollout,
  now: string,
): Promise<void> {
  const stepPercent = (index: number) => group?.rollout.steps[index];
  await sendDecisionEvents(context, transitionEvents(before, after, now, stepPercent));
}
