// The tick's work, handed to workers when it does not fit one invocation: messages of endpoint names
// and the tick's time (the clock the workers decide with), sent ten at a time.
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { onFirstUse, registered } from './lazy-client.ts';

/** SQS, loaded when a tick is too large for one invocation (lazy-client.ts). */
const sqs = onFirstUse(async () => {
  const sdk = await import('./sdk/sqs.ts');
  return { sdk, client: registered(new sdk.SQSClient(clientOptions('sqs'))) };
});

// SendMessageBatch takes at most 10 messages.
const messagesPerBatch = 10;
const queueUrls = new Map<string, string>();

/** The queue's URL, asked once per container (function environments cannot hold a Ref here). */
async function queueUrl(queueName: string): Promise<string> {
  const known = queueUrls.get(queueName);
  if (known !== undefined) return known;
  const { sdk, client } = await sqs();
  const { QueueUrl } = await client.send(new sdk.GetQueueUrlCommand({ QueueName: queueName }));
  if (QueueUrl === undefined) throw new Error(`queue ${queueName} has no URL`);
  queueUrls.set(queueName, QueueUrl);
  return QueueUrl;
}

export interface ReconcileWork {
  readonly time: string;
  readonly endpoints: readonly string[];
  /** The tick's active rollouts, all messages together: how often a quiet bake reads its endpoint. */
  readonly activeRollouts: number;
}

/** Message `index` of `count`'s delay: evenly over `spreadSeconds`, the first at once (SQS allows 0 to 900 s). */
export function messageDelaySeconds(index: number, count: number, spreadSeconds: number): number {
  return count <= 1 ? 0 : Math.min(900, Math.floor((index * spreadSeconds) / (count - 1)));
}

/**
 * Sends the endpoints in messages of `perMessage`, spread over `spreadSeconds`; returns how many messages went out.
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatchRequestEntry.html
 */
export async function sendReconcileWork(
  writer: Writer,
  queueName: string,
  time: string,
  endpointNames: readonly string[],
  perMessage: number,
  spreadSeconds = 0,
): Promise<number> {
  const messages: ReconcileWork[] = [];
  for (let start = 0; start < endpointNames.length; start += perMessage) {
    messages.push({
      time,
      endpoints: endpointNames.slice(start, start + perMessage),
      activeRollouts: endpointNames.length,
    });
  }
  const url = await queueUrl(queueName);
  const { sdk, client } = await sqs();
  for (let start = 0; start < messages.length; start += messagesPerBatch) {
    const entries = messages.slice(start, start + messagesPerBatch).map((work, index) => ({
      Id: String(start + index),
      MessageBody: JSON.stringify(work),
      DelaySeconds: messageDelaySeconds(start + index, messages.length, spreadSeconds),
    }));
    const input = { QueueUrl: url, Entries: entries };
    const sent = await writer.write({ service: 'sqs', operation: 'SendMessageBatch', input }, () =>
      client.send(new sdk.SendMessageBatchCommand(input)),
    );
    if ((sent?.Failed ?? []).length > 0) {
      throw new Error(`SQS refused ${sent?.Failed?.length} of the tick's messages: ${sent?.Failed?.[0]?.Message}`);
    }
  }
  return messages.length;
}
