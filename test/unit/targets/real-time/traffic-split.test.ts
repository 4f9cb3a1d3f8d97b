import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { VariantSpec } from '#shared/rollout/rollout-state.ts';
import { trafficSplit, type VariantWeight } from '#shared/targets/real-time/traffic-split.ts';

const challenger = 'fraud-detector-7';
const percents = [0, 1, 33, 50, 99, 100] as const;

function incumbents(...weights: readonly (number | undefined)[]): VariantSpec[] {
  return weights.map((weight, index) => ({
    VariantName: `incumbent-${index}`,
    ModelName: `fraud-endpoint-v${index}`,
    InstanceType: 'ml.m5.large',
    InitialInstanceCount: 1,
    ...(weight === undefined ? {} : { InitialVariantWeight: weight }),
  }));
}

const sum = (weights: readonly VariantWeight[]) => weights.reduce((total, variant) => total + variant.DesiredWeight, 0);
const incumbentWeights = (weights: readonly VariantWeight[]) => weights.slice(0, -1).map((w) => w.DesiredWeight);
const challengerWeight = (weights: readonly VariantWeight[]) => weights.at(-1);

describe('trafficSplit', () => {
  describe.each([
    { shape: 'one incumbent', weights: [1] },
    { shape: 'two incumbents at 0.3 and 0.7', weights: [0.3, 0.7] },
    { shape: 'two incumbents at 1 and 2', weights: [1, 2] },
    { shape: 'three incumbents at 1, 1 and 1', weights: [1, 1, 1] },
    { shape: 'three incumbents at 0.2, 0.5 and 0.3', weights: [0.2, 0.5, 0.3] },
  ])('with $shape', ({ weights }) => {
    it.each(percents)(
      'gives the challenger exactly %i percent and the rest to the incumbents, summing to 100',
      (percent) => {
        const split = trafficSplit(incumbents(...weights), challenger, percent);

        expect(split).toHaveLength(weights.length + 1);
        expect(challengerWeight(split)).toEqual({ VariantName: challenger, DesiredWeight: percent });
        expect(sum(split)).toBe(100);
        expect(incumbentWeights(split).reduce((total, weight) => total + weight, 0)).toBe(100 - percent);
        for (const weight of incumbentWeights(split)) expect(Number.isInteger(weight)).toBe(true);
      },
    );
  });

  it('keeps the incumbents in their order, by name, and puts the challenger last', () => {
    const split = trafficSplit(incumbents(1, 2, 3), challenger, 10);

    expect(split.map((variant) => variant.VariantName)).toEqual([
      'incumbent-0',
      'incumbent-1',
      'incumbent-2',
      challenger,
    ]);
  });

  it('keeps the incumbents in their proportions when the shares are whole numbers', () => {
    expect(incumbentWeights(trafficSplit(incumbents(0.3, 0.7), challenger, 0))).toEqual([30, 70]);
    expect(incumbentWeights(trafficSplit(incumbents(0.3, 0.7), challenger, 50))).toEqual([15, 35]);
    expect(incumbentWeights(trafficSplit(incumbents(1, 3), challenger, 20))).toEqual([20, 60]);
    expect(incumbentWeights(trafficSplit(incumbents(2, 1, 1), challenger, 20))).toEqual([40, 20, 20]);
  });

  it.each([
    // exact shares 29.7 and 69.3: the point left over goes to the larger remainder (.7)
    { weights: [0.3, 0.7], percent: 1, expected: [30, 69] },
    // exact shares 20.1 and 46.9
    { weights: [0.3, 0.7], percent: 33, expected: [20, 47] },
    // exact shares 0.3 and 0.7
    { weights: [0.3, 0.7], percent: 99, expected: [0, 1] },
    // exact shares 0.333… and 0.666…
    { weights: [1, 2], percent: 99, expected: [0, 1] },
    // exact shares 16.666… and 33.333…
    { weights: [1, 2], percent: 50, expected: [17, 33] },
    // exact shares 24.75, 49.5 and 24.75: the two points left over go to the .75s, not the .5
    { weights: [1, 2, 1], percent: 1, expected: [25, 49, 25] },
    // exact shares 14.1666…, 28.333… and 42.5
    { weights: [1, 2, 3], percent: 15, expected: [14, 28, 43] },
  ])('rounds $weights at $percent percent by largest remainder to $expected', ({ weights, percent, expected }) => {
    expect(incumbentWeights(trafficSplit(incumbents(...weights), challenger, percent))).toEqual(expected);
  });

  it.each([
    { percent: 0, expected: [33, 33, 34] },
    { percent: 1, expected: [33, 33, 33] },
    { percent: 33, expected: [22, 22, 23] },
    { percent: 50, expected: [16, 17, 17] },
    { percent: 99, expected: [0, 0, 1] },
    { percent: 100, expected: [0, 0, 0] },
  ])(
    'splits $percent percent for the challenger among three equal incumbents within one point of each other',
    ({ percent, expected }) => {
      // equal remainders: which incumbent gets the spare point is not specified, only how many get one
      const weights = incumbentWeights(trafficSplit(incumbents(1, 1, 1), challenger, percent));
      expect([...weights].sort((a, b) => a - b)).toEqual(expected);
    },
  );

  it.each(percents)('keeps an incumbent with weight 0 at 0 when the others have weight (challenger %i)', (percent) => {
    const split = trafficSplit(incumbents(0, 1, 1), challenger, percent);

    expect(split[0]?.DesiredWeight).toBe(0);
    expect(sum(split)).toBe(100);
    expect(challengerWeight(split)?.DesiredWeight).toBe(percent);
  });

  it('keeps weight-0 incumbents at 0 when the spare point goes to the others', () => {
    // 99 points for incumbents at 0, 1, 0, 1: exact shares 0, 49.5, 0, 49.5
    const [first, second, third, fourth] = incumbentWeights(trafficSplit(incumbents(0, 1, 0, 1), challenger, 1));

    expect([first, third]).toEqual([0, 0]);
    expect(new Set([second, fourth])).toEqual(new Set([49, 50]));
  });

  it.each([
    { weights: [0, 0], percent: 50, expected: [25, 25] },
    { weights: [0, 0], percent: 0, expected: [50, 50] },
    { weights: [0, 0, 0], percent: 40, expected: [20, 20, 20] },
    { weights: [0, 0, 0, 0], percent: 0, expected: [25, 25, 25, 25] },
  ])(
    'splits evenly among incumbents that are all at 0 ($weights, challenger $percent)',
    ({ weights, percent, expected }) => {
      const split = trafficSplit(incumbents(...weights), challenger, percent);

      expect(incumbentWeights(split)).toEqual(expected);
      expect(sum(split)).toBe(100);
    },
  );

  it.each(percents)(
    'splits incumbents all at 0 within one point of each other, summing to 100 (challenger %i)',
    (percent) => {
      const split = trafficSplit(incumbents(0, 0, 0), challenger, percent);
      const weights = incumbentWeights(split);

      expect(sum(split)).toBe(100);
      expect(Math.max(...weights) - Math.min(...weights)).toBeLessThanOrEqual(1);
    },
  );

  it('treats an incumbent without InitialVariantWeight as weight 1', () => {
    expect(incumbentWeights(trafficSplit(incumbents(undefined, 3), challenger, 0))).toEqual([25, 75]);
    expect(incumbentWeights(trafficSplit(incumbents(undefined, undefined), challenger, 50))).toEqual([25, 25]);
  });

  it('always sums to 100, gives the challenger its percent and each incumbent its exact share rounded up or down', () => {
    const weight = fc.oneof(fc.integer({ min: 0, max: 10 }), fc.double({ min: 0, max: 1, noNaN: true }));
    fc.assert(
      fc.property(
        fc.array(weight, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 0, max: 100 }),
        (weights, percent) => {
          const split = trafficSplit(incumbents(...weights), challenger, percent);
          const total = weights.reduce((sum, w) => sum + w, 0);
          const exact = weights.map((w) =>
            total > 0 ? (w / total) * (100 - percent) : (100 - percent) / weights.length,
          );

          expect(sum(split)).toBe(100);
          expect(challengerWeight(split)?.DesiredWeight).toBe(percent);
          incumbentWeights(split).forEach((given, index) => {
            expect(Number.isInteger(given)).toBe(true);
            expect(Math.abs(given - (exact[index] ?? Number.NaN))).toBeLessThan(1 + 1e-9);
            if (total > 0 && weights[index] === 0) expect(given).toBe(0);
          });
        },
      ),
    );
  });
});
