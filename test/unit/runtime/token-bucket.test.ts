import { describe, expect, it, vi } from 'vitest';
import { perOperationRateLimit } from '#shared/aws/api-rate-limits.ts';
import { localRateBudget } from '#shared/aws/rate-budget.ts';
import { TokenBucket } from '#shared/runtime/token-bucket.ts';

/** A clock that only moves when a caller sleeps: waits are measured, never spent. */
function fakeClock() {
  let now = 0;
  const slept: number[] = [];
  return {
    now: () => now,
    sleep: async (ms: number) => {
      slept.push(ms);
      now += ms;
    },
    slept,
  };
}

describe('TokenBucket', () => {
  it('lets a burst through at once, then spaces calls at the rate', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(2, 2, clock.now, clock.sleep);

    for (let call = 0; call < 5; call += 1) await bucket.take();

    expect(clock.slept).toEqual([500, 500, 500]);
    expect(clock.now()).toBe(1500); // 5 calls at 2/s with a burst of 2
  });

  it('refills while nobody calls, up to the burst', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, 3, clock.now, clock.sleep);
    for (let call = 0; call < 3; call += 1) await bucket.take();
    await clock.sleep(10_000); // idle: refills to 3, not to 100

    for (let call = 0; call < 4; call += 1) await bucket.take();

    expect(clock.slept).toEqual([10_000, 100]);
  });

  it('queues concurrent callers behind one another', async () => {
    const slept: number[] = [];
    // Time stands still: each caller claims the next token and waits for its own turn.
    const bucket = new TokenBucket(
      1000,
      1,
      () => 0,
      async (ms) => {
        slept.push(ms);
      },
    );

    await Promise.all(Array.from({ length: 4 }, () => bucket.take()));

    expect(slept).toEqual([1, 2, 3]);
  });
});

describe('perOperationRateLimit', () => {
  it('gives each SageMaker operation its own bucket', async () => {
    const budget = localRateBudget();
    const middleware = perOperationRateLimit(
      'sagemaker',
      () => true,
      () => budget,
    );
    const calls: string[] = [];
    const send = (commandName: string) =>
      middleware(
        async () => {
          calls.push(commandName);
          return { output: { $metadata: {} }, response: {} };
        },
        { commandName } as never,
      )({ input: {} });

    // Ten describes fit the read burst; a write does not wait for them.
    await Promise.all([
      ...Array.from({ length: 10 }, () => send('DescribeEndpointCommand')),
      send('UpdateEndpointCommand'),
    ]);

    expect(calls).toHaveLength(11);
  });

  it('lets every call through at once when it is off (against the emulator)', async () => {
    const send = (middleware: ReturnType<typeof perOperationRateLimit>, counted: { calls: number }) =>
      middleware(
        async () => {
          counted.calls += 1;
          return { output: { $metadata: {} }, response: {} };
        },
        { commandName: 'UpdateEndpointCommand' } as never,
      )({ input: {} });
    vi.useFakeTimers();
    try {
      // Time does not pass: a limiter that is on lets through its burst of 2 writes and no more.
      const on = { calls: 0 };
      const off = { calls: 0 };
      const budget = localRateBudget();
      const limited = perOperationRateLimit(
        'sagemaker',
        () => true,
        () => budget,
      );
      const free = perOperationRateLimit(
        'sagemaker',
        () => false,
        () => budget,
      );
      for (let call = 0; call < 50; call += 1) {
        void send(limited, on);
        void send(free, off);
      }
      await vi.advanceTimersByTimeAsync(0);

      expect(on.calls).toBe(2);
      expect(off.calls).toBe(50);
    } finally {
      vi.useRealTimers();
    }
  });
});
