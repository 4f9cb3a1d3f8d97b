import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';

export interface Notice {
  readonly subject: string;
  readonly message: string;
}

/**
 * What a person subscribed to the notifications topic receives: the topic delivers to an SQS queue
 * (as SNS does, and moto with it), and `received()` reads what arrived since the last call.
 */
export async function subscribeToNotices(topicArn: string) {
  const sqs = new SQSClient({});
  const sns = new SNSClient({});
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `notices-${Date.now()}` }));
  const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: attributes.Attributes?.QueueArn }),
  );
  return {
    async received(): Promise<Notice[]> {
      const notices: Notice[] = [];
      for (;;) {
        const page = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 3600 }),
        );
        const messages = page.Messages ?? [];
        if (messages.length === 0) return notices;
        for (const message of messages) {
          const envelope = JSON.parse(message.Body ?? '{}') as { Subject?: string; Message?: string };
          notices.push({ subject: envelope.Subject ?? '', message: envelope.Message ?? '' });
        }
      }
    },
  };
}
