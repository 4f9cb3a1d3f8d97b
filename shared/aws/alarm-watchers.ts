// Which endpoints' rollouts watch an alarm, found by key: an alarm's event must reach its rollouts in the
// same few calls whether 5 or 1,000 canaries are active, not after reading every active rollout.
// Items: pk = ALARM#<alarm name>, sk = <endpoint name> (one rollout per endpoint), expiring on their own
// a month after they were written in case an end of rollout did not remove them.
import { BatchWriteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Writer } from './aws-writes.ts';
import { dynamodb } from './store.ts';

// BatchWriteItem takes at most 25 requests.
const requestsPerBatch = 25;
const attemptsForUnprocessed = 5;
const watchDays = 30;

const watcherKey = (alarmName: string, endpointName: string) => ({ pk: `ALARM#${alarmName}`, sk: endpointName });

type WriteRequest = NonNullable<ConstructorParameters<typeof BatchWriteCommand>[0]['RequestItems']>[string][number];

/** Writes the requests in batches; what DynamoDB leaves unprocessed (throttling) is sent again. */
async function writeInBatches(writer: Writer, tableName: string, requests: readonly WriteRequest[]) {
  for (let start = 0; start < requests.length; start += requestsPerBatch) {
    let pending = requests.slice(start, start + requestsPerBatch);
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const input = { RequestItems: { [tableName]: pending } };
      const result = await writer.write({ service: 'dynamodb', operation: 'BatchWriteItem', input }, () =>
        dynamodb.send(new BatchWriteCommand(input)),
      );
      pending = result?.UnprocessedItems?.[tableName] ?? [];
      if (pending.length > 0 && attempt >= attemptsForUnprocessed) {
        throw new Error(`DynamoDB left ${pending.length} alarm watcher writes unprocessed`);
      }
    }
  }
}

/** Records that the endpoint's rollout watches these alarms. */
export async function watchAlarms(
  writer: Writer,
  tableName: string,
  endpointName: string,
  rolloutId: string,
  alarmNames: readonly string[],
  now: string,
): Promise<void> {
  const expiresAt = Math.floor(Date.parse(now) / 1000) + watchDays * 24 * 3600;
  const requests = [...new Set(alarmNames)].map((alarmName) => ({
    PutRequest: { Item: { ...watcherKey(alarmName, endpointName), rolloutId, expiresAt } },
  }));
  await writeInBatches(writer, tableName, requests);
}

/** Forgets that the endpoint's rollout watches these alarms (its rollout ended). */
export async function unwatchAlarms(
  writer: Writer,
  tableName: string,
  endpointName: string,
  alarmNames: readonly string[],
): Promise<void> {
  const requests = [...new Set(alarmNames)].map((alarmName) => ({
    DeleteRequest: { Key: watcherKey(alarmName, endpointName) },
  }));
  await writeInBatches(writer, tableName, requests);
}

/** The endpoints whose rollout watches this alarm (a stale one is harmless: its rollout is over or ignores it). */
export async function endpointsWatching(tableName: string, alarmName: string): Promise<string[]> {
  const endpoints: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `ALARM#${alarmName}` },
        ProjectionExpression: 'sk',
        ExclusiveStartKey: startKey,
      }),
    );
    endpoints.push(...(page.Items ?? []).map((item) => String(item.sk)));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return endpoints;
}
