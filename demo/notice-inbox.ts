import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface Notice {
  readonly subject: string;
  readonly message: string;
}

/**
 * A new SQS queue that something delivers to (an SNS subscription, an EventBridge target), and `received()`
 * that reads every message that arrived since the last call, each body parsed by `parse`.
 */
export async function inboxQueue<Item>(name: string, parse: (body: string) => Item) {
  const sqs = new SQSClient({});
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return {
    queueArn: attributes.Attributes?.QueueArn,
    async received(): Promise<Item[]> {
      const items: Item[] = [];
      for (;;) {
        const page = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 3600 }),
        );
        const messages = page.Messages ?? [];
        if (messages.length === 0) return items;
        for (const message of messages) items.push(parse(message.Body ?? '{}'));
      }
    },
  };
}

/**
 * What a person subscribed to the notifications topic receives: the topic delivers to an SQS queue
 * (as SNS does, and moto with it), and `received()` reads what arrived since the last call.
 */
export async function subscribeToNotices(topicArn: string) {
  const inbox = await inboxQueue(`notices-${Date.now()}`, (body): Notice => {
    const envelope = JSON.parse(body) as { Subject?: string; Message?: string };
    return { subject: envelope.Subject ?? '', message: envelope.Message ?? '' };
  });
  await new SNSClient({}).send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: inbox.queueArn }));
  return { received: inbox.received };
}
