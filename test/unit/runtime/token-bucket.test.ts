import { describe, expect, it } from 'vitest';
import { perOperationRateLimit } from '#shared/aws/api-rate-limits.ts';
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
    const middleware = perOperationRateLimit();
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
    const middleware = perOperationRateLimit(() => false);
    let calls = 0;
    const send = () =>
      middleware(
        async () => {
          calls += 1;
          return { output: { $metadata: {} }, response: {} };
        },
        { commandName: 'UpdateEndpointCommand' } as never,
      )({ input: {} });

    // Fifty writes at once: with the limiter on they would take 24 s at 2/s.
    const started = performance.now();
    await Promise.all(Array.from({ length: 50 }, send));

    expect(calls).toBe(50);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
