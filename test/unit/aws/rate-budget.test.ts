import { describe, expect, it } from 'vitest';
import { chooseBudget, ratePerSecond } from '#shared/aws/api-rate-limits.ts';
import { type Clock, type LeaseCalls, leaseSize, sharedRateBudget } from '#shared/aws/rate-budget.ts';

/** A clock that moves only when someone sleeps. */
function fakeClock(start = 1_800_000_000_000): Clock & { at: () => number } {
  let now = start;
  return {
    now: () => now,
    at: () => now,
    sleep: async (ms) => {
      now += Math.max(ms, 0);
    },
  };
}

/** The account-wide count as the table keeps it: calls granted per operation and second. */
function countingStore(): { leases: LeaseCalls; granted: Map<string, number> } {
  const granted = new Map<string, number>();
  return {
    granted,
    leases: async (operation, second, size, rate) => {
      const key = `${operation}@${second}`;
      const calls = granted.get(key) ?? 0;
      if (calls > rate - size) return false;
      granted.set(key, calls + size);
      return true;
    },
  };
}

describe('the account-wide rate budget', () => {
  it('keeps every second within the rate however many containers share it', async () => {
    const clock = fakeClock();
    const store = countingStore();
    const containers = [1, 2, 3].map(() => sharedRateBudget(store.leases, clock));
    const callsPerSecond = new Map<number, number>();
    await Promise.all(
      containers.flatMap((budget) =>
        Array.from({ length: 30 }, async () => {
          await budget.take('sagemaker:DescribeEndpoint', 10);
          const second = Math.floor(clock.at() / 1000);
          callsPerSecond.set(second, (callsPerSecond.get(second) ?? 0) + 1);
        }),
      ),
    );
    const total = [...callsPerSecond.values()].reduce((sum, calls) => sum + calls, 0);
    expect(total).toBe(90);
    expect(Math.max(...callsPerSecond.values())).toBeLessThanOrEqual(10);
    // Three containers spacing themselves alone would have sent 30 a second.
    expect(callsPerSecond.size).toBeGreaterThanOrEqual(9);
  });

  it('refuses a call that would wait more than 10 s for the budget, so its endpoint is left to the next tick', async () => {
    const clock = fakeClock();
    const budget = sharedRateBudget(countingStore().leases, clock);
    const calls = Array.from({ length: 30 }, () => budget.take('sagemaker:UpdateEndpointWeightsAndCapacities', 2));
    const settled = await Promise.allSettled(calls);
    const refused = settled.filter((result) => result.status === 'rejected');
    // 2 a second for 10 s, and the second it started in: the rest are refused, never sent late.
    expect(settled.length - refused.length).toBe(22);
    expect(refused[0]).toMatchObject({ reason: { name: 'RateBudgetSpentError' } });
    expect(String((refused[0] as PromiseRejectedResult).reason.message)).toMatch(
      /budget for sagemaker:UpdateEndpointWeightsAndCapacities \(2 a second\) is spent/,
    );
  });

  it('asks the table once per lease, not once per call', async () => {
    const clock = fakeClock();
    let asked = 0;
    const store = countingStore();
    const budget = sharedRateBudget(async (...args) => {
      asked += 1;
      return store.leases(...args);
    }, clock);
    for (let call = 0; call < 9; call += 1) await budget.take('cloudwatch:DescribeAlarms', 9);
    expect(leaseSize(9)).toBe(3);
    expect(asked).toBe(3);
  });

  it('spaces the call in this container when the count cannot be reached, rather than failing it', async () => {
    const clock = fakeClock();
    const budget = sharedRateBudget(async () => {
      throw Object.assign(new Error('Throughput exceeds the current capacity'), {
        name: 'ProvisionedThroughputExceededException',
      });
    }, clock);
    const started = clock.at();
    for (let call = 0; call < 4; call += 1) await budget.take('sagemaker:UpdateEndpointWeightsAndCapacities', 2);
    // Burst of 2, then 2 a second: the third and fourth calls wait half a second each.
    expect(clock.at() - started).toBe(1000);
  });

  it('lets the rollback function through without a budget, and refuses a budget it does not know', async () => {
    const lambda = { AWS_LAMBDA_FUNCTION_NAME: 'sagemaker-rollout-prod-advance', ROLLOUTS_TABLE_NAME: 'rollouts' };
    const exempt = chooseBudget({ ...lambda, ROLLOUT_RATE_BUDGET: 'exempt' });
    // A hundred writes at once, where the budget would allow two a second: none waits.
    await Promise.all(
      Array.from({ length: 100 }, () => exempt.take('sagemaker:UpdateEndpointWeightsAndCapacities', 2)),
    );
    expect(() => chooseBudget({ ROLLOUT_RATE_BUDGET: 'everyone' })).toThrow(
      'environment variable ROLLOUT_RATE_BUDGET must be shared, local or exempt, got everyone',
    );
  });

  it('holds SageMaker writes, reads and lists and the CloudWatch operations to their documented rates', () => {
    expect(ratePerSecond('sagemaker', 'DescribeEndpoint')).toBe(10);
    expect(ratePerSecond('sagemaker', 'ListModelPackages')).toBe(5);
    expect(ratePerSecond('sagemaker', 'UpdateEndpointWeightsAndCapacities')).toBe(2);
    expect(ratePerSecond('cloudwatch', 'DescribeAlarms')).toBe(9);
    expect(ratePerSecond('cloudwatch', 'GetMetricData')).toBe(50);
    expect(ratePerSecond('cloudwatch', 'PutMetricAlarm')).toBe(3);
    expect(ratePerSecond('cloudwatch', 'ListTagsForResource')).toBeUndefined();
  });
});
