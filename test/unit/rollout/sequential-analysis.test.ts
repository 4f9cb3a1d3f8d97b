// The sequential judgement: its bounds hold however often they are looked at, missing data never passes, and
// each verdict says what it stands on.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnalysisPolicy, groupPolicySchema } from '#shared/policy/policy-schema.ts';
import {
  rateDifferenceEValue,
  signTest,
  signTestEValue,
  signTestMinutesNeeded,
} from '#shared/rollout/anytime-valid.ts';
import { judgeSequential, type MinuteFigures, type MinuteSeries } from '#shared/rollout/sequential-analysis.ts';
import { binomial, mulberry32 } from '../../../bench/canary-draws.ts';

const analysis = {
  method: 'sequential',
  alpha: 0.05,
  power: 0.8,
  minInvocations: 100,
  maxErrorRateIncrease: 0.01,
  maxLatencyIncreasePercent: 10,
  latencyStatistic: 'Average',
  metrics: [],
} satisfies AnalysisPolicy;

function minutes(count: number, figures: (minute: number) => Partial<MinuteFigures>): MinuteFigures[] {
  return Array.from({ length: count }, (_, minute) => ({
    at: new Date(Date.UTC(2026, 11, 3, 9, minute)).toISOString(),
    custom: [],
    ...figures(minute),
  }));
}

function series(
  count: number,
  challenger: (minute: number) => Partial<MinuteFigures>,
  incumbent: (minute: number) => Partial<MinuteFigures>,
): MinuteSeries {
  return { challenger: minutes(count, challenger), incumbent: minutes(count, incumbent) };
}

describe('rateDifferenceEValue, the mixture sequential probability ratio test on two rates', () => {
  // Runs of 120 minutes, looked at every minute, with the truth exactly at the margin (the hardest case): the share
  // of runs whose e-value ever reaches 20 stays within alpha (0.05), on plenty of errors and on rare ones.
  const atTheMargin = [
    {
      name: 'no worse, 1.5% against 1% by half a point, 100 and 900 a minute',
      ours: 0.015,
      theirs: 0.01,
      margin: 0.005,
      side: 'below' as const,
      perMinute: [100, 900],
    },
    {
      name: 'worse, the same',
      ours: 0.015,
      theirs: 0.01,
      margin: 0.005,
      side: 'above' as const,
      perMinute: [100, 900],
    },
    {
      name: 'no worse, rare errors: 1.01% against 0.01% by a point, 20 and 180 a minute',
      ours: 0.0101,
      theirs: 0.0001,
      margin: 0.01,
      side: 'below' as const,
      perMinute: [20, 180],
    },
  ];
  for (const truth of atTheMargin) {
    it(`holds its level looked at every minute: ${truth.name}`, () => {
      const next = mulberry32(3);
      let shown = 0;
      for (let run = 0; run < 200; run += 1) {
        let ours = { events: 0, trials: 0 };
        let theirs = { events: 0, trials: 0 };
        for (let minute = 0; minute < 120; minute += 1) {
          const [mine, others] = truth.perMinute as [number, number];
          ours = { events: ours.events + binomial(next, mine, truth.ours), trials: ours.trials + mine };
          theirs = { events: theirs.events + binomial(next, others, truth.theirs), trials: theirs.trials + others };
          if (rateDifferenceEValue(ours, theirs, truth.margin, truth.side, truth.margin) >= 20) {
            shown += 1;
            break;
          }
        }
      }
      expect(shown / 200).toBeLessThanOrEqual(0.05);
    });
  }

  it('takes zero errors in 60 invocations for no evidence that the rate is within a point, and zero in 2,000 for some', () => {
    const none = (trials: number) => ({ events: 0, trials });
    expect(rateDifferenceEValue(none(60), none(540), 0.01, 'below', 0.01)).toBeLessThan(2);
    expect(rateDifferenceEValue(none(2000), none(18_000), 0.01, 'below', 0.01)).toBeGreaterThan(20);
    expect(rateDifferenceEValue(none(0), none(900), 0.01, 'below', 0.01)).toBe(1);
  });
});

describe('signTestEValue, a sequential sign test', () => {
  it('reaches 1/alpha on a fair coin in at most about alpha of the runs, looked at every minute', () => {
    const next = mulberry32(11);
    let falseAlarms = 0;
    for (let run = 0; run < 2000; run += 1) {
      const test = signTest();
      for (let minute = 0; minute < 240; minute += 1) {
        test.add(next() < 0.5);
        if (test.eValue() >= 20) {
          falseAlarms += 1;
          break;
        }
      }
    }
    expect(falseAlarms / 2000).toBeLessThanOrEqual(0.05);
  });

  it('needs 6 minutes that all go one way (the planner says 7), and says a coin with no edge never gets there', () => {
    expect(signTestEValue(Array(5).fill(true))).toBeLessThan(20);
    expect(signTestEValue(Array(6).fill(true))).toBeGreaterThanOrEqual(20);
    expect(signTestEValue([...Array(6).fill(true), false])).toBeLessThan(20);
    expect(signTestMinutesNeeded(1, 20)).toBe(7);
    expect(signTestMinutesNeeded(0.5, 20)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('judgeSequential', () => {
  const healthy = { invocations: 100, errors5xx: 0, latency: 40_000 };
  /** Both variants healthy for `count` minutes, judged for a step. */
  const equalFor = (count: number) =>
    judgeSequential(
      analysis,
      series(
        count,
        () => healthy,
        () => healthy,
      ),
      'step',
    );

  it('rolls back a challenger at 5% errors beside an incumbent at 0.1%, with both rates, the bound and the limit', () => {
    const judged = judgeSequential(
      analysis,
      series(
        10,
        () => ({ ...healthy, errors5xx: 5 }),
        (minute) => ({ ...healthy, errors5xx: minute === 0 ? 1 : 0 }),
      ),
      'step',
    );
    expect(judged.verdict).toBe('fail');
    const errors = judged.checks.find((check) => check.metric === '5XX error rate');
    expect(errors).toMatchObject({ verdict: 'worse', challenger: 0.05, incumbent: 0.001 });
    expect(errors?.evidence).toMatch(/^difference ≥ \+\d\.\d\d points \(97\.5% anytime\)$/);
    expect(judged.summary).toMatch(
      /^analysis failed: 5XX error rate 5\.00% \(50 of 1,000\) against the incumbent's 0\.10% \(1 of 1,000\): worse by at least \+\d\.\d\d points, past the \+1\.00 points limit \(97\.5% anytime\)$/,
    );
  });

  it("never passes a challenger at 40% errors beside an incumbent with 10 invocations, all errors (the reviewer's case)", () => {
    const judged = judgeSequential(
      analysis,
      series(
        10,
        () => ({ invocations: 100, errors5xx: 40, latency: 40_000 }),
        (minute) => (minute === 0 ? { invocations: 10, errors5xx: 10, latency: 40_000 } : {}),
      ),
      'step',
    );
    expect(judged.verdict).toBe('wait');
    expect(judged.summary).toBe(
      'not enough traffic yet: 1,000 invocations of the new version and 10 of the incumbent, each needs 100',
    );
  });

  it('waits for evidence with a healthy challenger, saying how many invocations it needs, then passes', () => {
    const early = equalFor(3);
    const later = equalFor(30);

    expect(early.verdict).toBe('wait');
    expect(early.summary).toMatch(
      /^not enough evidence yet: 5XX error rate: 300 of ~[\d,]+ invocations of the new version; ModelLatency Average: 3 of ~\d+ minutes with both serving$/,
    );
    expect(later).toMatchObject({ verdict: 'pass', summary: 'analysis passed: every guardrail shown no worse' });
  });

  it('rolls back a challenger 30% slower minute after minute, and passes one 5% slower', () => {
    const slower = (factor: number) =>
      series(
        12,
        () => ({ ...healthy, latency: 40_000 * factor }),
        () => healthy,
      );
    const judgedSlow = judgeSequential(analysis, slower(1.3), 'step');
    const judgedClose = judgeSequential(analysis, slower(1.05), 'step');

    expect(judgedSlow.verdict).toBe('fail');
    expect(judgedSlow.checks.find((check) => check.metric === 'ModelLatency Average')).toMatchObject({
      verdict: 'worse',
      words:
        "ModelLatency Average 52.0 ms against the incumbent's 40.0 ms (median minute, +30.0%): past the limit in 12 of 12 minutes (97.5% anytime)",
    });
    expect(judgedClose.verdict).toBe('pass');
  });

  it('promotes to all of the traffic only once a success metric is shown better; a step before needs only the guardrails', () => {
    const withSuccess: AnalysisPolicy = {
      ...analysis,
      metrics: [
        {
          namespace: 'Shop/Checkout',
          name: 'ConversionRate',
          dimensions: { VariantName: '{variant}' },
          statistic: 'Average',
          direction: 'higher-is-better',
          role: 'success',
          limit: 0,
        },
      ],
    };
    const same = series(
      30,
      () => ({ ...healthy, custom: [0.05] }),
      () => ({ ...healthy, custom: [0.05] }),
    );
    const better = series(
      30,
      () => ({ ...healthy, custom: [0.06] }),
      () => ({ ...healthy, custom: [0.05] }),
    );

    expect(judgeSequential(withSuccess, same, 'step').verdict).toBe('pass');
    expect(judgeSequential(withSuccess, same, 'promotion')).toMatchObject({
      verdict: 'wait',
      summary:
        'not enough evidence yet: Shop/Checkout ConversionRate Average: the minutes so far do not go its way often enough to show it',
    });
    expect(judgeSequential(withSuccess, better, 'promotion')).toMatchObject({
      verdict: 'pass',
      summary: 'analysis passed: every guardrail no worse and Shop/Checkout ConversionRate Average better',
    });
  });

  it('shares alpha: each rollback test at alpha over the guardrails, each "no worse" test at alpha', () => {
    const judged = equalFor(30);
    const errors = judged.checks.find((check) => check.metric === '5XX error rate');
    expect(errors?.evidence).toMatch(/\(95% anytime\)$/);
    const slow = judgeSequential(
      analysis,
      series(
        12,
        () => ({ ...healthy, latency: 60_000 }),
        () => healthy,
      ),
      'step',
    );
    expect(slow.checks.find((check) => check.verdict === 'worse')?.evidence).toBe(
      'e-value 799.1 ≥ 40 (past the limit in 12 of 12 minutes)',
    );
  });

  it('never passes when a metric it judges has no datapoint in any minute (property)', () => {
    const metricKey = fc.constantFrom('errors5xx' as const, 'latency' as const, 'invocations' as const);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 120 }), metricKey, fc.boolean(), (count, missing, onChallenger) => {
        const without = (figures: Partial<MinuteFigures>) => {
          const { [missing]: _, ...rest } = figures;
          return rest;
        };
        const judged = judgeSequential(
          analysis,
          series(
            count,
            () => (onChallenger ? without(healthy) : healthy),
            () => (onChallenger ? healthy : without(healthy)),
          ),
          'step',
        );
        expect(judged.verdict).not.toBe('pass');
      }),
    );
  });
});

describe('the policy', () => {
  const group = (rollout: Record<string, unknown>) =>
    groupPolicySchema.safeParse({
      endpointName: 'fraud-prod',
      executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      approval: { mode: 'manual' },
      rollout: { strategy: 'canary', bakeMinutes: 10, ...rollout },
    });

  it('takes sequential as the default method, with alpha 0.05 and power 0.8', () => {
    const parsed = group({ steps: [10, 100], analysis: { maxErrorRateIncrease: 0.01 } });
    expect(parsed.data?.rollout.analysis).toMatchObject({ method: 'sequential', alpha: 0.05, power: 0.8 });
  });

  it('refuses what a sequential analysis could never show, naming the key', () => {
    const allAtOnce = group({ analysis: { maxErrorRateIncrease: 0.01 } });
    const zeroMargins = group({
      steps: [10, 100],
      analysis: { maxErrorRateIncrease: 0.01, alpha: 0.5 },
    });
    const successOnThreshold = group({
      steps: [10, 100],
      analysis: {
        method: 'threshold',
        metrics: [
          {
            namespace: 'Shop',
            name: 'Sales',
            dimensions: { V: '{variant}' },
            direction: 'higher-is-better',
            role: 'success',
            limit: 1,
          },
        ],
      },
    });
    const problems = (result: ReturnType<typeof group>) =>
      result.error?.issues.map((issue) => [issue.path.join('.'), issue.message]);

    expect(problems(allAtOnce)).toEqual([
      [
        'rollout.analysis.method',
        'a sequential analysis compares the variants minute by minute while both serve: give a step below 100 (or strategy shadow), or method threshold',
      ],
    ]);
    expect(problems(zeroMargins)).toEqual([['rollout.analysis.alpha', 'expected at most 0.2']]);
    expect(
      problems(group({ steps: [10, 100], analysis: { maxErrorRateIncrease: 0, maxLatencyIncreasePercent: 0 } })),
    ).toEqual([
      [
        'rollout.analysis.maxErrorRateIncrease',
        'a margin of 0 can never be shown with any amount of traffic: give the largest increase you accept',
      ],
      [
        'rollout.analysis.maxLatencyIncreasePercent',
        'a margin of 0 can never be shown with any amount of traffic: give the largest increase you accept',
      ],
    ]);
    expect(problems(successOnThreshold)).toEqual([
      ['rollout.analysis.metrics', 'a success metric needs method sequential'],
    ]);
  });
});
