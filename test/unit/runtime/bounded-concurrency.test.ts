import { describe, expect, it, vi } from 'vitest';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';

interface Deferred<Value> {
  readonly promise: Promise<Value>;
  readonly resolve: (value: Value) => void;
  readonly reject: (reason: unknown) => void;
}

function deferred<Value>(): Deferred<Value> {
  let resolve: (value: Value) => void = () => {};
  let reject: (reason: unknown) => void = () => {};
  const promise = new Promise<Value>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A `work` function whose calls stay pending until the test settles them, counting how many run at
 * once. `untilStarted(n)` resolves once n calls have begun: no timers, the test waits on the calls.
 */
function controllableWork<Item>() {
  const calls = new Map<Item, Deferred<string>>();
  const started: Item[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const counts = { running: 0, maxRunning: 0 };

  function work(item: Item): Promise<string> {
    counts.running += 1;
    counts.maxRunning = Math.max(counts.maxRunning, counts.running);
    started.push(item);
    const call = deferred<string>();
    calls.set(item, call);
    for (const waiter of waiters.filter((w) => started.length >= w.count)) waiter.resolve();
    return call.promise.finally(() => {
      counts.running -= 1;
    });
  }

  function untilStarted(count: number): Promise<void> {
    if (started.length >= count) return Promise.resolve();
    return new Promise((resolve) => waiters.push({ count, resolve }));
  }

  function settle(item: Item): Deferred<string> {
    const call = calls.get(item);
    if (call === undefined) throw new Error(`work(${String(item)}) was not called`);
    return call;
  }

  return { work, started, counts, untilStarted, settle };
}

describe('mapSettled', () => {
  it('never runs more than `limit` items at once, starting the next as soon as one finishes', async () => {
    const { work, started, counts, untilStarted, settle } = controllableWork<number>();

    const all = mapSettled([0, 1, 2, 3, 4, 5], 2, work);

    await untilStarted(2);
    expect(started).toEqual([0, 1]);
    expect(counts.running).toBe(2);

    settle(1).resolve('one');
    await untilStarted(3);
    expect(started).toEqual([0, 1, 2]);
    expect(counts.running).toBe(2);

    settle(0).resolve('zero');
    await untilStarted(4);
    settle(2).resolve('two');
    await untilStarted(5);
    settle(3).resolve('three');
    await untilStarted(6);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
    expect(counts.running).toBe(2);

    settle(5).resolve('five');
    settle(4).resolve('four');
    await all;
    expect(counts.maxRunning).toBe(2);
    expect(counts.running).toBe(0);
  });

  it('runs one at a time with a limit of 1', async () => {
    const { work, started, counts, untilStarted, settle } = controllableWork<string>();

    const all = mapSettled(['a', 'b', 'c'], 1, work);

    await untilStarted(1);
    expect(started).toEqual(['a']);
    settle('a').resolve('A');
    await untilStarted(2);
    expect(started).toEqual(['a', 'b']);
    settle('b').resolve('B');
    await untilStarted(3);
    settle('c').resolve('C');

    expect(await all).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'fulfilled', value: 'B' },
      { status: 'fulfilled', value: 'C' },
    ]);
    expect(counts.maxRunning).toBe(1);
  });

  it('starts every item at once when the limit is at least the number of items, each exactly once', async () => {
    const { work, started, counts, untilStarted, settle } = controllableWork<string>();

    const all = mapSettled(['a', 'b', 'c'], 10, work);

    await untilStarted(3);
    expect(counts.running).toBe(3);
    for (const item of ['a', 'b', 'c']) settle(item).resolve(item.toUpperCase());
    await all;
    expect(started).toEqual(['a', 'b', 'c']);
  });

  it('reports the results in input order, whatever order the items finish in', async () => {
    const { work, untilStarted, settle } = controllableWork<string>();

    const all = mapSettled(['a', 'b', 'c', 'd'], 4, work);

    await untilStarted(4);
    settle('d').resolve('D');
    settle('b').resolve('B');
    settle('c').resolve('C');
    settle('a').resolve('A');
    expect(await all).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'fulfilled', value: 'B' },
      { status: 'fulfilled', value: 'C' },
      { status: 'fulfilled', value: 'D' },
    ]);
  });

  it('reports a rejection as rejected at its index and still runs and reports the others', async () => {
    const { work, started, untilStarted, settle } = controllableWork<string>();
    const failure = new Error('b failed');

    // limit 1: the only worker hits the rejection and must carry on with the next item
    const all = mapSettled(['a', 'b', 'c'], 1, work);

    await untilStarted(1);
    settle('a').resolve('A');
    await untilStarted(2);
    settle('b').reject(failure);
    await untilStarted(3);
    settle('c').resolve('C');

    const results = await all;
    expect(started).toEqual(['a', 'b', 'c']);
    expect(results).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 'C' },
    ]);
    expect(results[1]?.status === 'rejected' && results[1].reason).toBe(failure);
  });

  it('reports every item as rejected when all of them fail, without rejecting itself', async () => {
    const results = await mapSettled([1, 2, 3], 2, (item) => Promise.reject(new Error(`failed ${item}`)));

    expect(results).toEqual([
      { status: 'rejected', reason: new Error('failed 1') },
      { status: 'rejected', reason: new Error('failed 2') },
      { status: 'rejected', reason: new Error('failed 3') },
    ]);
  });

  it('reports a work function that throws before returning a promise as rejected at its index', async () => {
    const failure = new Error('thrown synchronously');
    const work = (item: number): Promise<number> => {
      if (item === 2) throw failure;
      return Promise.resolve(item * 10);
    };

    expect(await mapSettled([1, 2, 3], 2, work)).toEqual([
      { status: 'fulfilled', value: 10 },
      { status: 'rejected', reason: failure },
      { status: 'fulfilled', value: 30 },
    ]);
  });

  it('resolves to an empty list without calling work for no items', async () => {
    const work = vi.fn(async (item: string) => item);

    expect(await mapSettled([], 3, work)).toEqual([]);
    expect(work).not.toHaveBeenCalled();
  });
});
