import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { type DecisionDetail, eventSource } from '#shared/rollout/decision-events.ts';

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
  const sqs = new SQSClient({});
  const events = new EventBridgeClient({});
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await events.send(
    new PutRuleCommand({
      Name: name,
      EventBusName: 'default',
      EventPattern: JSON.stringify({ source: [eventSource] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: name,
      EventBusName: 'default',
      Targets: [{ Id: 'queue', Arn: attributes.Attributes?.QueueArn }],
    }),
  );
  return {
    async received(): Promise<ReceivedDecision[]> {
      const received: ReceivedDecision[] = [];
      for (;;) {
        const page = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 3600 }),
        );
        const messages = page.Messages ?? [];
        if (messages.length === 0) return received;
        for (const message of messages) {
          const event = JSON.parse(message.Body ?? '{}') as {
            'detail-type': string;
            source: string;
            time: string;
            detail: DecisionDetail;
          };
          received.push({
            detailType: event['detail-type'],
            source: event.source,
            time: event.time,
            detail: event.detail,
          });
        }
      }
    },
  };
}
