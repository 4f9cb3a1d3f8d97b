// The evidence bench's scenarios and their tallies (bench/bench-evidence.ts): canaries drawn from known rates
// (canary-draws.ts), each judged by every rule (canary-rules.ts), summed up per rule with confidence intervals.
// Pure: a seed and a range of canaries in, outcomes and summaries out.
import type { AnalysisPolicy } from '#shared/policy/policy-schema.ts';
import { type CanaryWorld, type LatencyShape, mulberry32, stepMinutes, streamSeed } from './canary-draws.ts';
import {
  type CanaryPlan,
  minutesOfStep,
  type RuleName,
  type RuleOutcome,
  ruleNames,
  sequentialRule,
  thresholdRule,
} from './canary-rules.ts';

export const defaultSeed = 20_261_203;

/** The canary both rules judge: steps 10, 50, 100 with 10-minute bakes, an hour's deadline past each bake. */
export const plan: CanaryPlan = { steps: [10, 50, 100], bakeMinutes: 10, deadlineMinutes: 60 };

/** One policy for both rules; the threshold rule runs it with method threshold. */
export const analysis = {
  method: 'sequential',
  alpha: 0.05,
  power: 0.8,
  minInvocations: 100,
  maxErrorRateIncrease: 0.005,
  maxLatencyIncreasePercent: 10,
  latencyStatistic: 'Average',
  metrics: [],
} satisfies AnalysisPolicy;

const latency: LatencyShape = { medianMicros: 40_000, sigma: 0.5 };
const incumbentErrorRate = 0.01;

function world(invocationsPerMinute: number, errorsTimes: number, latencyTimes: number): CanaryWorld {
  return {
    invocationsPerMinute,
    incumbentErrorRate,
    challengerErrorRate: incumbentErrorRate * errorsTimes,
    incumbentLatency: latency,
    challengerLatency: { ...latency, medianMicros: latency.medianMicros * latencyTimes },
  };
}

export interface Scenario {
  readonly name: string;
  readonly world: CanaryWorld;
}

export const scenarios: readonly Scenario[] = [
  { name: 'A/A (no difference)', world: world(2000, 1, 1) },
  { name: 'errors ×2 (2% vs 1%: twice the margin)', world: world(2000, 2, 1) },
  { name: 'errors ×5 (5% vs 1%)', world: world(2000, 5, 1) },
  { name: 'latency +20% (twice the margin)', world: world(2000, 1, 1.2) },
  { name: 'T = 10/min, errors ×5', world: world(10, 5, 1) },
  { name: 'T = 10/min, latency +20%', world: world(10, 1, 1.2) },
];

/** Each canary's outcome under each rule, in ruleNames' order. */
export type CanaryOutcomes = readonly RuleOutcome[];

/**
 * Canaries `from` to `to` (exclusive) of a scenario, each drawn once and judged by every rule. A canary's
 * draws depend only on the seed, its number and the step, so any split of the range gives the same outcomes.
 */
export function simulateCanaries(scenario: Scenario, seed: number, from: number, to: number): CanaryOutcomes[] {
  const outcomes: CanaryOutcomes[] = [];
  for (let canary = from; canary < to; canary += 1) {
    const minutes = plan.steps.map((percent, stepIndex) =>
      stepMinutes(
        mulberry32(streamSeed(seed, canary, stepIndex)),
        scenario.world,
        percent,
        minutesOfStep(plan, stepIndex),
      ),
    );
    outcomes.push([
      sequentialRule(plan, analysis, minutes),
      thresholdRule(plan, analysis, minutes, false),
      thresholdRule(plan, analysis, minutes, true),
    ]);
  }
  return outcomes;
}

export interface Share {
  readonly count: number;
  readonly share: number;
  /** Wilson score interval, 95%. */
  readonly low: number;
  readonly high: number;
}

/** Wilson's interval: sound near 0 and 1, where the normal interval is not (Brown, Cai, DasGupta 2001). */
export function wilson(count: number, runs: number): Share {
  const z = 1.959963984540054;
  const share = count / runs;
  const centre = (share + (z * z) / (2 * runs)) / (1 + (z * z) / runs);
  const width = (z / (1 + (z * z) / runs)) * Math.sqrt((share * (1 - share)) / runs + (z * z) / (4 * runs * runs));
  return { count, share, low: Math.max(0, centre - width), high: Math.min(1, centre + width) };
}

/** The nearest-rank quantile of whole minutes (the minute a rule acted at). */
function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

export interface MinuteStats {
  readonly median: number;
  readonly p95: number;
}

function minuteStats(minutes: number[]): MinuteStats | undefined {
  if (minutes.length === 0) return undefined;
  const sorted = minutes.sort((a, b) => a - b);
  return { median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

export interface RuleSummary {
  readonly rule: RuleName;
  readonly runs: number;
  readonly rolledBack: Share;
  /** Rolled back at each step, by its index in plan.steps. */
  readonly rolledBackAtStep: readonly number[];
  /** The challenger got all of the traffic (whatever came after). */
  readonly reachedFull: Share;
  readonly completed: Share;
  readonly deadline: Share;
  /** Minutes from the canary's start, over the canaries rolled back. */
  readonly minutesToRollback?: MinuteStats;
  /** Minutes from the canary's start, over the canaries completed. */
  readonly minutesToComplete?: MinuteStats;
}

export function summarize(outcomes: readonly CanaryOutcomes[]): RuleSummary[] {
  const runs = outcomes.length;
  return ruleNames.map((rule, index) => {
    const mine = outcomes.map((canary) => canary[index] as RuleOutcome);
    const having = (outcome: RuleOutcome['outcome']) => mine.filter((one) => one.outcome === outcome);
    const rolledBack = having('rolled back');
    const minutesToRollback = minuteStats(rolledBack.map((one) => one.minute));
    const minutesToComplete = minuteStats(having('completed').map((one) => one.minute));
    return {
      rule,
      runs,
      rolledBack: wilson(rolledBack.length, runs),
      rolledBackAtStep: plan.steps.map((_, step) => rolledBack.filter((one) => one.stepIndex === step).length),
      reachedFull: wilson(mine.filter((one) => one.reachedFull).length, runs),
      completed: wilson(having('completed').length, runs),
      deadline: wilson(having('deadline').length, runs),
      ...(minutesToRollback === undefined ? {} : { minutesToRollback }),
      ...(minutesToComplete === undefined ? {} : { minutesToComplete }),
    };
  });
}
