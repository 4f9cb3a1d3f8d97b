import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { type DecisionDetail, eventSource } from '#shared/rollout/decision-events.ts';
import { inboxQueue } from './notice-inbox.ts';

export interface ReceivedDecision {
  readonly detailType: string;
  readonly source: string;
  readonly time: string;
  readonly detail: DecisionDetail;
}

/**
 * What another tool receives from the stack's decisions: an EventBridge rule on the default bus matching
 * source sagemaker-rollout, its target an SQS queue (as a team would wire it); `received()` reads what
 * arrived since the last call.
 */
export async function subscribeToDecisionEvents(name = `decisions-${Date.now()}`) {
  const inbox = await inboxQueue(name, (body): ReceivedDecision => {
    const event = JSON.parse(body) as { 'detail-type': string; source: string; time: string; detail: DecisionDetail };
    return { detailType: event['detail-type'], source: event.source, time: event.time, detail: event.detail };
  });
  const events = new EventBridgeClient({});
  await events.send(
    new PutRuleCommand({
      Name: name,
      EventBusName: 'default',
      EventPattern: JSON.stringify({ source: [eventSource] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({ Rule: name, EventBusName: 'default', Targets: [{ Id: 'queue', Arn: inbox.queueArn }] }),
  );
  return { received: inbox.received };
}
