import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { onFirstUse, registered } from './lazy-client.ts';

/** SNS, loaded at the first notice: a quiet tick sends none (lazy-client.ts). */
const sns = onFirstUse(async () => {
  const sdk = await import('./sdk/sns.ts');
  return { sdk, client: registered(new sdk.SNSClient(clientOptions('sns'))) };
});

export interface Notification {
  readonly subject: string;
  readonly message: string;
}

// SNS subjects are at most 100 printable ASCII characters.
const subjectLimit = 100;

export async function publishNotification(writer: Writer, topicArn: string, notification: Notification): Promise<void> {
  const input = {
    TopicArn: topicArn,
    Subject: notification.subject.replace(/[^\x20-\x7e]/g, '?').slice(0, subjectLimit),
    Message: notification.message,
  };
  const { sdk, client } = await sns();
  await writer.write({ service: 'sns', operation: 'Publish', input }, () => client.send(new sdk.PublishCommand(input)));
}
