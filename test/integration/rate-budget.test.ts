/**
 * The account-wide rate budget against the emulator's DynamoDB: containers that lease from the same table
 * together stay within an operation's rate in every second, and the counts expire by DynamoDB's TTL.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Clock, sharedRateBudget, tableLeases } from '#shared/aws/rate-budget.ts';
import { dynamodb } from '#shared/aws/store.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';

let local: LocalStack;
const localStack = useLocalStack();
beforeEach(() => {
  local = localStack();
});

/** Every container's clock: it moves only when one of them waits for the next second. */
function sharedClock(start: number): Clock & { at: () => number } {
  let now = start;
  const sleep = async (ms: number) => {
    now += Math.max(ms, 0);
  };
  return { now: () => now, at: () => now, sleep };
}

describe('the account-wide rate budget in the rollouts table', () => {
  it('lets three containers together send at most the rate in any second', async () => {
    const table = local.context().settings.rolloutsTableName;
    const clock = sharedClock(Date.UTC(2026, 11, 3, 12, 0, 0));
    const containers = [1, 2, 3].map(() => sharedRateBudget(tableLeases(table), clock));
    const sentIn = new Map<number, number>();
    await Promise.all(
      containers.flatMap((budget) =>
        Array.from({ length: 12 }, async () => {
          await budget.take('sagemaker:DescribeEndpoint', 10);
          const second = Math.floor(clock.at() / 1000);
          sentIn.set(second, (sentIn.get(second) ?? 0) + 1);
        }),
      ),
    );

    expect([...sentIn.values()].reduce((sum, calls) => sum + calls, 0)).toBe(36);
    expect(Math.max(...sentIn.values())).toBeLessThanOrEqual(10);
    const first = Math.min(...sentIn.keys());
    const { Item } = await dynamodb.send(
      new GetCommand({ TableName: table, Key: { pk: 'rate-budget#sagemaker:DescribeEndpoint', sk: String(first) } }),
    );
    // Leased three at a time (a quarter of the rate), never past the rate; gone two minutes later.
    expect(Item?.calls).toBeLessThanOrEqual(10);
    expect((Item?.calls as number) % 3).toBe(0);
    expect(Item?.expiresAt).toBe(first + 120);
  });
});
