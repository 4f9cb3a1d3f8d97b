// One reconcile-worker "container" of bench/bench-fanout.ts: receives the reconcile queue's messages one at a
// time, as Lambda's SQS poller does with batchSize 1, and runs the real reconcile-worker on each with Lambda's
// 55 s. Reports to the parent: each message done, and on request what it ran (counts, the calls it made).
import { DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { prepareLocalEnvironment } from '../cli/local-environment.ts';

prepareLocalEnvironment({ quiet: true });
const { countFunctionCalls } = await import('../demo/call-counter.ts');
const { readStackDefinition, stackSettings } = await import('../cli/stack-definition.ts');
const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
const { liveWriter } = await import('#shared/aws/aws-writes.ts');
const { reconcileWork } = await import('#functions/reconcile-worker/reconcile-worker.ts');

const send = (message: unknown) => process.send?.(message);
const queueName = process.env.FANOUT_QUEUE_NAME ?? '';
const retentionMs = Number(process.env.FANOUT_RETENTION_SECONDS) * 1000;
const timeoutMs = 55_000;
const counter = await countFunctionCalls();
const settings = stackSettings(readStackDefinition());
const policy = loadPolicyFile(process.env.ROLLOUT_POLICY_FILE ?? '');
const sqs = new SQSClient({});
const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));

let tally = { messages: 0, expired: 0, visited: 0, deferred: 0, errors: 0 };
process.on('message', (message: { kind: string }) => {
  if (message.kind !== 'report') return;
  const calls: Record<string, number> = {};
  for (const call of counter.calls) calls[call.operation] = (calls[call.operation] ?? 0) + 1;
  send({ kind: 'report', report: { ...tally, calls } });
  counter.reset();
  tally = { messages: 0, expired: 0, visited: 0, deferred: 0, errors: 0 };
});
send({ kind: 'ready' });

for (;;) {
  const received = await sqs.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 1,
      WaitTimeSeconds: 1,
      MessageSystemAttributeNames: ['SentTimestamp'],
    }),
  );
  for (const message of received.Messages ?? []) {
    const receivedAt = Date.now();
    tally.messages += 1;
    const sentAt = Number(message.Attributes?.SentTimestamp);
    if (receivedAt - sentAt > retentionMs) {
      tally.expired += 1;
    } else {
      const context = {
        policy,
        settings,
        writer: liveWriter(),
        remainingTimeMs: () => timeoutMs - (Date.now() - receivedAt),
      };
      // As Lambda's SQS event gives it, with the time SQS received the message.
      const attributes = { SentTimestamp: message.Attributes?.SentTimestamp };
      const event = { Records: [{ messageId: message.MessageId ?? '', body: message.Body ?? '', attributes }] };
      try {
        const { outcome } = await reconcileWork(event, context);
        for (const line of outcome.split(' | ')) {
          if (line.includes('deferred to the next tick')) tally.deferred += 1;
          else if (line.includes(': error: ')) tally.errors += 1;
          else tally.visited += 1;
        }
      } catch (error) {
        console.error(`worker: the message failed: ${(error as Error).message}`);
        tally.errors += JSON.parse(message.Body ?? '{"endpoints":[]}').endpoints.length;
      }
    }
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message.ReceiptHandle }));
    send({ kind: 'done' });
  }
}
