// One rate budget per throttled operation for the whole account, shared by every container that calls it.
// AWS throttles per account and Region, not per caller: two workers each spacing their own calls to the
// quota would together send twice it. So the calls of each second are counted in the rollouts table, and a
// container leases a few of a second's calls at a time (one conditional UpdateItem per lease, not per
// call). A second that is spent makes the caller wait for the next. A lease left unused at the end of its
// second is lost, which only ever sends fewer calls than the quota.
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { logger } from '#shared/runtime/logger.ts';
import { TokenBucket } from '#shared/runtime/token-bucket.ts';
import { dynamodb } from './store.ts';

/**
 * A call that would wait longer than this for its operation's budget is not made: a tick full of steps would
 * otherwise hold its endpoints until Lambda's timeout cut one between its record and its action. The endpoint
 * is left to the next tick (engine/reconcile-many.ts counts it as deferred).
 */
export const maxBudgetWaitMs = 10_000;

export class RateBudgetSpentError extends Error {
  override readonly name = 'RateBudgetSpentError';
}

/** Takes one call of `operation`'s budget, waiting for it at most `maxBudgetWaitMs` (shared) or as long as it must. */
export interface RateBudget {
  take(operation: string, ratePerSecond: number): Promise<void>;
}

/** Calls of one second granted to one container at once: a quarter of the rate, so several share a second. */
export function leaseSize(ratePerSecond: number): number {
  return Math.max(1, Math.ceil(ratePerSecond / 4));
}

/** Asks the account-wide count for `size` more calls in `second`; false: that second is spent. */
export type LeaseCalls = (operation: string, second: number, size: number, ratePerSecond: number) => Promise<boolean>;

export interface Clock {
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

const realClock: Clock = { now: Date.now, sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)) };

/** Budgets in this container only: replay, the CLI and tests without a table. */
export function localRateBudget(clock: Clock = realClock): RateBudget {
  const buckets = new Map<string, TokenBucket>();
  return {
    take(operation, ratePerSecond) {
      let bucket = buckets.get(operation);
      if (bucket === undefined) {
        bucket = new TokenBucket(ratePerSecond, ratePerSecond, clock.now, clock.sleep);
        buckets.set(operation, bucket);
      }
      return bucket.take();
    },
  };
}

/**
 * The account's budget, leased a few calls at a time. Callers of one operation in this container queue
 * behind each other, so that one lease serves several of them. When the count cannot be reached (DynamoDB
 * throttled or down) the call is spaced by this container's own bucket instead: a rollback must not wait on
 * the bookkeeping of its rate.
 */
export function sharedRateBudget(leaseCalls: LeaseCalls, clock: Clock = realClock): RateBudget {
  const leases = new Map<string, { second: number; left: number }>();
  const queues = new Map<string, Promise<void>>();
  const fallback = localRateBudget(clock);

  async function takeOne(operation: string, ratePerSecond: number, askedAt: number): Promise<void> {
    for (;;) {
      if (clock.now() - askedAt > maxBudgetWaitMs) {
        throw new RateBudgetSpentError(
          `the account's budget for ${operation} (${ratePerSecond} a second) is spent for the next ${maxBudgetWaitMs / 1000} s`,
        );
      }
      const second = Math.floor(clock.now() / 1000);
      const lease = leases.get(operation);
      if (lease !== undefined && lease.second === second && lease.left > 0) {
        lease.left -= 1;
        return;
      }
      const size = leaseSize(ratePerSecond);
      let granted: boolean;
      try {
        granted = await leaseCalls(operation, second, size, ratePerSecond);
      } catch (error) {
        logger.warn('the shared rate budget could not be read: spacing this call locally', {
          operation,
          error: error as Error,
        });
        return fallback.take(operation, ratePerSecond);
      }
      if (granted) {
        leases.set(operation, { second, left: size - 1 });
        return;
      }
      // This second is spent across the account: wait for the next one.
      await clock.sleep((second + 1) * 1000 - clock.now());
    }
  }

  return {
    take(operation, ratePerSecond) {
      const askedAt = clock.now();
      const queued = (queues.get(operation) ?? Promise.resolve()).then(() =>
        takeOne(operation, ratePerSecond, askedAt),
      );
      queues.set(
        operation,
        queued.catch(() => undefined),
      );
      return queued;
    },
  };
}

/** A second's count expires two minutes after it: DynamoDB's TTL removes it (serverless.yml, expiresAt). */
const countKeptSeconds = 120;

/**
 * The count lives in the rollouts table, one item per operation and second: pk `rate-budget#<operation>`
 * (no endpoint name holds a `#`), sk the second. ADD under a condition grants the lease only while the second's
 * calls stay within the rate. https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/WorkingWithItems.html#WorkingWithItems.ConditionalUpdate
 */
export function tableLeases(tableName: string): LeaseCalls {
  return async (operation, second, size, ratePerSecond) => {
    try {
      await dynamodb.send(
        new UpdateCommand({
          TableName: tableName,
          Key: { pk: `rate-budget#${operation}`, sk: String(second) },
          UpdateExpression: 'ADD calls :size SET expiresAt = if_not_exists(expiresAt, :expiresAt)',
          ConditionExpression: 'attribute_not_exists(calls) OR calls <= :room',
          ExpressionAttributeValues: {
            ':size': size,
            ':room': ratePerSecond - size,
            ':expiresAt': second + countKeptSeconds,
          },
        }),
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') return false;
      throw error;
    }
  };
}
