import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tickOrder } from '#shared/engine/reconcile-many.ts';

describe('the order a tick reconciles its endpoints in', () => {
  const names = ['a', 'b', 'c', 'd', 'e'];

  it('is every endpoint once, whatever the minute', () => {
    fc.assert(
      fc.property(fc.array(fc.string(), { maxLength: 50 }), fc.date({ noInvalidDate: true }), (endpoints, at) => {
        const order = tickOrder(endpoints, at.toISOString());
        expect([...order].sort((x, y) => x - y)).toEqual(endpoints.map((_, index) => index));
      }),
    );
  });

  it('starts one further each minute, so the same endpoints are not always last', () => {
    expect(tickOrder(names, '2026-11-25T09:00:00Z')).toEqual(tickOrder(names, '2026-11-25T09:00:59Z'));
    const first = tickOrder(names, '2026-11-25T09:00:00Z')[0] as number;
    expect(tickOrder(names, '2026-11-25T09:01:00Z')[0]).toBe((first + 1) % names.length);
  });
});
