import { BatchGetCommand, DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { RaceLostError } from '#shared/errors.ts';
import { isActive, type Rollout } from '#shared/rollout/rollout-state.ts';
import type { QueuedVersion } from '#shared/rollout/start-decision.ts';
import type { Writer } from './aws-writes.ts';
import { dynamodb } from './store.ts';
import { boundedItem } from './stored-strings.ts';

/**
 * Items per endpoint: pk = endpoint name, sk = ROLLOUT (the latest rollout, active or finished)
 * and sk = QUEUED (the newest approved version waiting its turn). Finished rollouts are archived
 * under pk = HISTORY#<endpoint>. Active rollouts carry activeMarker, which feeds a sparse index.
 */
const activeIndex = 'active-rollouts';
const activeMarker = 'ACTIVE';

export interface EndpointRolloutState {
  readonly rollout?: Rollout;
  readonly queued?: QueuedVersion;
}

function withoutKeys<Item extends Record<string, unknown>>(item: Item): Record<string, unknown> {
  const { pk, sk, activeMarker: marker, ...rest } = item;
  return rest;
}

async function conditionalWrite(
  writer: Writer,
  operation: 'PutItem' | 'DeleteItem',
  command: PutCommand | DeleteCommand,
  what: string,
) {
  try {
    await writer.write({ service: 'dynamodb', operation, input: command.input }, () =>
      dynamodb.send(command as PutCommand),
    );
  } catch (error) {
    if ((error as Error).name === 'ConditionalCheckFailedException') {
      throw new RaceLostError(`another writer changed ${what} first`);
    }
    throw error;
  }
}

export async function readEndpointState(tableName: string, endpointName: string): Promise<EndpointRolloutState> {
  const result = await dynamodb.send(
    // Strongly consistent: a decision is only as good as the record it starts from.
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': endpointName },
      ConsistentRead: true,
    }),
  );
  const items = result.Items ?? [];
  const rollout = items.find((item) => item.sk === 'ROLLOUT');
  const queued = items.find((item) => item.sk === 'QUEUED');
  return {
    ...(rollout ? { rollout: withoutKeys(rollout) as unknown as Rollout } : {}),
    ...(queued ? { queued: withoutKeys(queued) as unknown as QueuedVersion } : {}),
  };
}

// BatchGetItem takes at most 100 keys: 50 endpoints, each with its ROLLOUT and QUEUED item.
const endpointsPerBatchGet = 50;
const attemptsForUnprocessedKeys = 5;

/** Several endpoints' items in batches of strongly consistent reads; an endpoint with none is absent. */
export async function readEndpointStates(
  tableName: string,
  endpointNames: readonly string[],
): Promise<Map<string, EndpointRolloutState>> {
  const states = new Map<string, { rollout?: Rollout; queued?: QueuedVersion }>();
  for (let start = 0; start < endpointNames.length; start += endpointsPerBatchGet) {
    let keys: Record<string, unknown>[] = endpointNames.slice(start, start + endpointsPerBatchGet).flatMap((pk) => [
      { pk, sk: 'ROLLOUT' },
      { pk, sk: 'QUEUED' },
    ]);
    for (let attempt = 1; keys.length > 0; attempt += 1) {
      const page = await dynamodb.send(
        new BatchGetCommand({ RequestItems: { [tableName]: { Keys: keys, ConsistentRead: true } } }),
      );
      for (const item of page.Responses?.[tableName] ?? []) {
        const state = states.get(String(item.pk)) ?? {};
        if (item.sk === 'ROLLOUT') state.rollout = withoutKeys(item) as unknown as Rollout;
        if (item.sk === 'QUEUED') state.queued = withoutKeys(item) as unknown as QueuedVersion;
        states.set(String(item.pk), state);
      }
      keys = (page.UnprocessedKeys?.[tableName]?.Keys ?? []) as Record<string, unknown>[];
      if (keys.length > 0 && attempt >= attemptsForUnprocessedKeys) {
        throw new Error(`DynamoDB left ${keys.length} rollout reads unprocessed`);
      }
    }
  }
  return states;
}

/**
 * Writes `next` only if the stored rollout is still the one we read (`read`, or none): two Lambdas
 * that race cannot both win. Returns the record as stored, with its new version.
 */
export async function saveRollout(
  writer: Writer,
  tableName: string,
  next: Rollout,
  read: Rollout | undefined,
): Promise<Rollout> {
  // What is stored, and what the caller goes on deciding from: every text bounded (stored-strings.ts).
  const stored = boundedItem({ ...next, version: (read?.version ?? 0) + 1 });
  const command = new PutCommand({
    TableName: tableName,
    Item: { ...stored, pk: next.endpointName, sk: 'ROLLOUT', activeMarker: isActive(next) ? activeMarker : undefined },
    ConditionExpression: read === undefined ? 'attribute_not_exists(pk)' : '#version = :read',
    ...(read === undefined
      ? {}
      : { ExpressionAttributeNames: { '#version': 'version' }, ExpressionAttributeValues: { ':read': read.version } }),
  });
  await conditionalWrite(writer, 'PutItem', command, `the rollout of ${next.endpointName}`);
  return stored;
}

/** Keeps a finished rollout for `rollout status --history` once a newer one takes its place. */
export async function archiveRollout(writer: Writer, tableName: string, rollout: Rollout): Promise<void> {
  const input = {
    TableName: tableName,
    Item: {
      ...boundedItem(rollout),
      pk: `HISTORY#${rollout.endpointName}`,
      sk: `${rollout.phaseSince}#${rollout.rolloutId}`,
    },
  };
  await writer.write({ service: 'dynamodb', operation: 'PutItem', input }, () => dynamodb.send(new PutCommand(input)));
}

/** Why a queued version will never start: a newer approval took its place. */
export function supersededReason(superseded: QueuedVersion, byVersion: number): string {
  return `v${byVersion} was approved while v${superseded.packageVersion} waited`;
}

export async function recordSuperseded(
  writer: Writer,
  tableName: string,
  endpointName: string,
  superseded: QueuedVersion,
  byVersion: number,
  now: string,
): Promise<void> {
  const input = {
    TableName: tableName,
    Item: {
      ...boundedItem({ ...superseded, phase: 'Superseded', reason: supersededReason(superseded, byVersion) }),
      pk: `HISTORY#${endpointName}`,
      sk: `${now}#superseded-v${superseded.packageVersion}`,
    },
  };
  await writer.write({ service: 'dynamodb', operation: 'PutItem', input }, () => dynamodb.send(new PutCommand(input)));
}

/** Queues a version; replaces the queued one only if it is still the one we read. */
export async function queueVersion(
  writer: Writer,
  tableName: string,
  endpointName: string,
  queued: QueuedVersion,
  replacing: QueuedVersion | undefined,
): Promise<void> {
  const command = new PutCommand({
    TableName: tableName,
    // Marked like an active rollout, so the reconciler also finds a queue whose starter was interrupted.
    Item: { ...boundedItem(queued), pk: endpointName, sk: 'QUEUED', activeMarker },
    ConditionExpression: replacing === undefined ? 'attribute_not_exists(pk)' : 'packageArn = :replacing',
    ...(replacing === undefined ? {} : { ExpressionAttributeValues: { ':replacing': replacing.packageArn } }),
  });
  await conditionalWrite(writer, 'PutItem', command, `the queue of ${endpointName}`);
}

export async function removeQueued(writer: Writer, tableName: string, endpointName: string, queued: QueuedVersion) {
  const command = new DeleteCommand({
    TableName: tableName,
    Key: { pk: endpointName, sk: 'QUEUED' },
    ConditionExpression: 'packageArn = :arn',
    ExpressionAttributeValues: { ':arn': queued.packageArn },
  });
  await conditionalWrite(writer, 'DeleteItem', command, `the queue of ${endpointName}`);
}

export interface ActiveWork {
  readonly rollouts: readonly Rollout[];
  /** Every endpoint with an active rollout or a queued version. */
  readonly endpointNames: readonly string[];
  /** What the index holds for each of those endpoints (it may lag the table by a moment). */
  readonly states: ReadonlyMap<string, EndpointRolloutState>;
}

export async function listActiveWork(tableName: string): Promise<ActiveWork> {
  const rollouts: Rollout[] = [];
  const states = new Map<string, { rollout?: Rollout; queued?: QueuedVersion }>();
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await dynamodb.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: activeIndex,
        KeyConditionExpression: 'activeMarker = :active',
        ExpressionAttributeValues: { ':active': activeMarker },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const state = states.get(String(item.pk)) ?? {};
      if (item.sk === 'ROLLOUT') {
        state.rollout = withoutKeys(item) as unknown as Rollout;
        rollouts.push(state.rollout);
      } else if (item.sk === 'QUEUED') {
        state.queued = withoutKeys(item) as unknown as QueuedVersion;
      }
      states.set(String(item.pk), state);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return { rollouts, endpointNames: [...states.keys()], states };
}

/** The endpoint whose rollout waits for this delivery pipeline execution (the index may lag by a moment). */
export async function endpointAwaitingExecution(tableName: string, executionId: string): Promise<string | undefined> {
  const page = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      IndexName: 'pipeline-executions',
      KeyConditionExpression: 'pipelineExecutionId = :id',
      ExpressionAttributeValues: { ':id': executionId },
    }),
  );
  const item = page.Items?.find((candidate) => candidate.sk === 'ROLLOUT');
  return item === undefined ? undefined : String(item.pk);
}

/** What an endpoint's history holds: finished rollouts, and versions superseded while they waited. */
export type EarlierVersion =
  | { readonly kind: 'rollout'; readonly rollout: Rollout }
  | {
      readonly kind: 'superseded';
      readonly groupName: string;
      readonly packageArn: string;
      readonly packageVersion: number;
      /** When a newer approval took its place. */
      readonly at: string;
      readonly reason: string;
    };

/** The endpoint's earlier versions, newest first. */
export async function listRolloutHistory(
  tableName: string,
  endpointName: string,
  limit: number,
): Promise<EarlierVersion[]> {
  const page = await dynamodb.send(
    new QueryCommand({
      TableName: tableName,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': `HISTORY#${endpointName}` },
      ScanIndexForward: false,
      Limit: limit,
    }),
  );
  return (page.Items ?? []).map((item): EarlierVersion => {
    if (item.phase !== 'Superseded') return { kind: 'rollout', rollout: withoutKeys(item) as unknown as Rollout };
    const queued = item as unknown as QueuedVersion & { sk: string; reason: string };
    return {
      kind: 'superseded',
      groupName: queued.groupName,
      packageArn: queued.packageArn,
      packageVersion: queued.packageVersion,
      at: queued.sk.split('#')[0] ?? queued.queuedAt,
      reason: queued.reason,
    };
  });
}
