import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';

export const sns = new SNSClient(clientOptions('sns'));

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
  await writer.write({ service: 'sns', operation: 'Publish', input }, () => sns.send(new PublishCommand(input)));
}
