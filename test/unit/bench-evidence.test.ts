// The evidence bench's simulation (bench/evidence-scenarios.ts) on a few canaries: the numbers it prints rest
// on draws that repeat exactly and on rules that still do what the README says of them.
import { describe, expect, it } from 'vitest';
import { binomial, mulberry32 } from '../../bench/canary-draws.ts';
import { defaultSeed, type Scenario, scenarios, simulateCanaries, summarize } from '../../bench/evidence-scenarios.ts';

function scenario(name: string): Scenario {
  const found = scenarios.find((candidate) => candidate.name.startsWith(name));
  if (found === undefined) throw new Error(`no scenario ${name}`);
  return found;
}

const sequentialOf = (scenarioName: string, runs: number) => {
  const [sequential] = summarize(simulateCanaries(scenario(scenarioName), defaultSeed, 0, runs));
  if (sequential?.rule !== 'sequential') throw new Error('the sequential rule comes first');
  return sequential;
};

describe('the simulated canaries', () => {
  it('draws the same numbers on every run, and the same canaries however the range is split', () => {
    const first = mulberry32(defaultSeed);
    const second = mulberry32(defaultSeed);
    expect(Array.from({ length: 5 }, first)).toEqual(Array.from({ length: 5 }, second));

    const fiveTimes = scenario('errors ×5');
    const whole = simulateCanaries(fiveTimes, defaultSeed, 0, 6);
    expect(simulateCanaries(fiveTimes, defaultSeed, 0, 6)).toEqual(whole);
    expect([
      ...simulateCanaries(fiveTimes, defaultSeed, 0, 2),
      ...simulateCanaries(fiveTimes, defaultSeed, 2, 6),
    ]).toEqual(whole);
  });

  it('draws binomial counts with the mean and variance of the binomial', () => {
    const next = mulberry32(1);
    const draws = Array.from({ length: 4000 }, () => binomial(next, 1000, 0.1));
    const mean = draws.reduce((sum, draw) => sum + draw, 0) / draws.length;
    const variance = draws.reduce((sum, draw) => sum + (draw - mean) ** 2, 0) / (draws.length - 1);
    // n p = 100, n p (1 - p) = 90: the mean within ~4 standard errors, the variance within 10%.
    expect(Math.abs(mean - 100)).toBeLessThan(0.6);
    expect(variance / 90).toBeGreaterThan(0.9);
    expect(variance / 90).toBeLessThan(1.1);
  });
});

describe('the sequential rule on simulated canaries', () => {
  // 30, not 50: an A/A canary is judged on every minute for up to 150 minutes (~70 ms each), and the file
  // keeps to ~3 s on 2 cores. The bench runs 1,000.
  it('rolls back at most 15% of 30 A/A canaries', () => {
    expect(sequentialOf('A/A', 30).rolledBack.share).toBeLessThanOrEqual(0.15);
  });

  it('rolls back at least 90% of 50 canaries with five times the incumbent’s errors', () => {
    expect(sequentialOf('errors ×5', 50).rolledBack.share).toBeGreaterThanOrEqual(0.9);
  });
});
