import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { reconcileWork, tickWorkMs } from '#functions/reconcile-worker/reconcile-worker.ts';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { messageDelaySeconds } from '#shared/aws/reconcile-queue.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';

const dynamodb = mockClient(DynamoDBDocumentClient);
const cloudwatch = mockClient(CloudWatchClient);
const now = Date.parse('2026-12-03T12:00:40Z');
const context = {
  policy: loadPolicyFile('examples/demo.config.yml'),
  settings: {
    stage: 'test',
    stackName: 'sagemaker-rollout-test',
    parameterPrefix: '/sagemaker-rollout/test',
    rolloutsTableName: 'rollouts',
    notificationsTopicArn: 'arn:aws:sns:us-east-1:123456789012:n',
  },
  writer: liveWriter(),
  remainingTimeMs: () => 50_000,
  wallClockMs: () => now,
};

/** A message of the tick at 12:00, which SQS received `sentAgoMs` before now. */
function message(sentAgoMs: number) {
  const body = JSON.stringify({ time: '2026-12-03T12:00:00Z', endpoints: ['a-prod', 'b-prod'], activeRollouts: 400 });
  return { Records: [{ messageId: 'm1', body, attributes: { SentTimestamp: String(now - sentAgoMs) } }] };
}

describe('reconcile-worker', () => {
  beforeEach(() => {
    for (const client of [dynamodb, cloudwatch]) client.reset();
    dynamodb.on(BatchGetCommand).resolves({ Responses: { rollouts: [] } });
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [] });
  });

  it("works on its message's endpoints while the tick's minute has time left", async () => {
    const { outcome } = await reconcileWork(message(5_000), context);
    expect(outcome).toBe('a-prod: - (no active rollout) | b-prod: - (no active rollout)');
  });

  it('starts none once the tick is nearly a minute old: the next tick has sent them again', async () => {
    // 45 s after the send, 10 s of the tick's work are left: less than one reconcile needs.
    const { outcome } = await reconcileWork(message(tickWorkMs - 10_000), context);
    expect(outcome.split(' | ')).toEqual([
      'a-prod: deferred to the next tick (this one ran out of time)',
      'b-prod: deferred to the next tick (this one ran out of time)',
    ]);
    expect(dynamodb.commandCalls(QueryCommand)).toHaveLength(0);
  });
});

describe("a tick's messages", () => {
  it('become visible spread evenly over the seconds given, the first at once and the last at the end', () => {
    expect(Array.from({ length: 4 }, (_, index) => messageDelaySeconds(index, 4, 30))).toEqual([0, 10, 20, 30]);
    expect(messageDelaySeconds(0, 1, 30)).toBe(0);
    expect(Array.from({ length: 100 }, (_, index) => messageDelaySeconds(index, 100, 30)).at(-1)).toBe(30);
    expect(messageDelaySeconds(5, 10, 0)).toBe(0);
  });
});
