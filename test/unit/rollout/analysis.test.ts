// The judgement of a bake's evidence, and which metrics are read over which window.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnalysisPolicy, groupPolicySchema } from '#shared/policy/policy-schema.ts';
import {
  type AnalysisResult,
  analysisDue,
  analysisReads,
  analysisReport,
  bakeMinutesOf,
  judgeAnalysis,
  readingFrom,
  type VariantFigures,
} from '#shared/rollout/analysis.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';

function groupWith(rollout: Record<string, unknown>) {
  return groupPolicySchema.parse({
    endpointName: 'fraud-prod',
    executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
    instanceType: 'ml.m5.large',
    initialInstanceCount: 1,
    approval: { mode: 'manual' },
    rollout,
  });
}

const analysis = {
  method: 'threshold',
  alpha: 0.05,
  power: 0.8,
  minInvocations: 100,
  maxErrorRateIncrease: 0.01,
  maxLatencyIncreasePercent: 20,
  latencyStatistic: 'Average',
  metrics: [],
} satisfies AnalysisPolicy;

const window = { start: '2026-11-25T09:00:00.000Z', end: '2026-11-25T09:10:00Z' };
function figures(variant: string, values: Partial<VariantFigures>): VariantFigures {
  return { variant, window, custom: [], ...values };
}
const healthyIncumbent = figures('fraud-detector-1', { invocations: 9000, errors5xx: 9, latency: 40_000 });

describe('judgeAnalysis', () => {
  it('passes a challenger within every limit, naming each check', () => {
    const challenger = figures('fraud-detector-2', { invocations: 1000, errors5xx: 2, latency: 44_000 });
    const result = judgeAnalysis(analysis, { challenger, incumbent: healthyIncumbent });

    expect(result.verdict).toBe('pass');
    expect(result.checks.map((check) => [check.metric, check.verdict])).toEqual([
      ['invocations', 'pass'],
      ['5XX error rate', 'pass'],
      ['ModelLatency Average', 'pass'],
    ]);
    expect(result.checks[1]?.words).toBe(
      "5XX error rate 0.20% against the incumbent's 0.10% (+0.10 points, limit +1.00)",
    );
  });

  it('fails a challenger whose error rate is 5% beside an incumbent at 0.1%, with both values and the limit', () => {
    const challenger = figures('fraud-detector-2', { invocations: 1000, errors5xx: 50, latency: 40_000 });
    const result = judgeAnalysis(analysis, { challenger, incumbent: healthyIncumbent });

    expect(result.verdict).toBe('fail');
    expect(result.summary).toBe(
      "analysis failed: 5XX error rate 5.00% against the incumbent's 0.10% (+4.90 points, limit +1.00)",
    );
  });

  it('fails a slower challenger by the latency statistic the policy names', () => {
    const challenger = figures('fraud-detector-2', { invocations: 1000, errors5xx: 1, latency: 52_000 });
    const result = judgeAnalysis({ ...analysis, latencyStatistic: 'p99' }, { challenger, incumbent: healthyIncumbent });

    expect(result.verdict).toBe('fail');
    expect(result.summary).toBe(
      "analysis failed: ModelLatency p99 52.0 ms against the incumbent's 40.0 ms (+30.0%, limit +20%)",
    );
  });

  it('waits, whatever the rates, while the challenger has fewer invocations than the minimum', () => {
    const challenger = figures('fraud-detector-2', { invocations: 2, errors5xx: 2, latency: 90_000 });
    const result = judgeAnalysis(analysis, { challenger, incumbent: healthyIncumbent });

    expect(result.verdict).toBe('wait');
    expect(result.summary).toBe(
      'waiting for invocations: 2 of the new version and 9000 of the incumbent, each needs 100',
    );
  });

  it('counts zero invocations (no datapoint at all) as too few, never as passing', () => {
    const result = judgeAnalysis(analysis, {
      challenger: figures('fraud-detector-2', {}),
      incumbent: healthyIncumbent,
    });
    expect(result.verdict).toBe('wait');
    expect(result.summary).toBe(
      'waiting for invocations: 0 of the new version and 9000 of the incumbent, each needs 100',
    );
  });

  it('waits on an incumbent with too few invocations: a challenger at 40% errors never passes beside 10 of them', () => {
    // As a reviewer found it: the incumbent had 10 invocations, all errors, and the rule compared the rates.
    const challenger = figures('fraud-detector-2', { invocations: 1000, errors5xx: 400, latency: 40_000 });
    const incumbent = figures('fraud-detector-1', { invocations: 10, errors5xx: 10, latency: 40_000 });
    const result = judgeAnalysis(analysis, { challenger, incumbent });

    expect(result.verdict).toBe('wait');
    expect(result.summary).toBe(
      'waiting for invocations: 1000 of the new version and 10 of the incumbent, each needs 100',
    );
  });

  it('passes zero errors on both sides: a rate of 0 is data', () => {
    const challenger = figures('fraud-detector-2', { invocations: 500, errors5xx: 0, latency: 40_000 });
    const incumbent = figures('fraud-detector-1', { invocations: 500, errors5xx: 0, latency: 40_000 });
    expect(judgeAnalysis(analysis, { challenger, incumbent }).verdict).toBe('pass');
  });

  it('waits when a period is missing: errors without a datapoint, or an incumbent without invocations', () => {
    const noErrors = figures('fraud-detector-2', { invocations: 500, latency: 40_000 });
    const quietIncumbent = figures('fraud-detector-1', { invocations: 0, errors5xx: 0, latency: 40_000 });
    const withoutErrors = judgeAnalysis(analysis, { challenger: noErrors, incumbent: healthyIncumbent });
    const withoutIncumbent = judgeAnalysis(analysis, {
      challenger: { ...noErrors, errors5xx: 0 },
      incumbent: quietIncumbent,
    });

    expect(withoutErrors).toMatchObject({
      verdict: 'wait',
      summary: expect.stringContaining('no data for the challenger'),
    });
    expect(withoutIncumbent).toMatchObject({
      verdict: 'wait',
      summary: expect.stringContaining('0 of the incumbent, each needs 100'),
    });
  });

  it('judges a business metric by its direction and limit', () => {
    const conversion = {
      namespace: 'Shop/Checkout',
      name: 'ConversionRate',
      dimensions: { VariantName: '{variant}' },
      statistic: 'Average',
      direction: 'higher-is-better',
      role: 'guardrail',
      limit: 0.005,
    } as const;
    const policy = { ...analysis, metrics: [conversion] };
    const incumbent = { ...healthyIncumbent, custom: [0.05] };
    const worse = figures('fraud-detector-2', { invocations: 900, errors5xx: 1, latency: 40_000, custom: [0.041] });
    const slightlyWorse = { ...worse, custom: [0.047] };

    expect(judgeAnalysis(policy, { challenger: worse, incumbent }).summary).toBe(
      "analysis failed: Shop/Checkout ConversionRate Average 0.041 against the incumbent's 0.05 (0.009 worse, limit 0.005 worse)",
    );
    expect(judgeAnalysis(policy, { challenger: slightlyWorse, incumbent }).verdict).toBe('pass');
    expect(judgeAnalysis(policy, { challenger: { ...worse, custom: [null] }, incumbent }).verdict).toBe('wait');
  });

  it('never passes when any figure a check needs is missing (property)', () => {
    const maybe = fc.option(fc.nat({ max: 100_000 }), { nil: undefined });
    fc.assert(
      fc.property(maybe, maybe, maybe, maybe, maybe, maybe, (ci, ce, cl, ii, ie, il) => {
        const challenger = figures('c', {
          ...(ci === undefined ? {} : { invocations: ci }),
          ...(ce === undefined ? {} : { errors5xx: ce }),
          ...(cl === undefined ? {} : { latency: cl }),
        });
        const incumbent = figures('i', {
          ...(ii === undefined ? {} : { invocations: ii }),
          ...(ie === undefined ? {} : { errors5xx: ie }),
          ...(il === undefined ? {} : { latency: il }),
        });
        const result = judgeAnalysis(analysis, { challenger, incumbent });
        const complete =
          ci !== undefined &&
          ci >= 100 &&
          ce !== undefined &&
          ii !== undefined &&
          ii > 0 &&
          ie !== undefined &&
          cl !== undefined &&
          il !== undefined &&
          il > 0;
        if (!complete) expect(result.verdict).not.toBe('pass');
        if (result.verdict === 'pass') {
          expect((ce ?? 0) / (ci ?? 1) - (ie ?? 0) / (ii ?? 1)).toBeLessThanOrEqual(0.01 + 1e-9);
          expect(((cl ?? 0) - (il ?? 1)) / (il ?? 1)).toBeLessThanOrEqual(0.2 + 1e-9);
        }
      }),
    );
  });
});

describe('which evidence is read', () => {
  const canary = groupWith({ strategy: 'canary', steps: [10, 50, 100], bakeMinutes: 10, analysis });
  const baking = (stepIndex: number, extra = {}) =>
    rolloutRecord({
      endpointName: 'fraud-prod',
      groupName: 'fraud-detector',
      packageVersion: 2,
      phase: 'Baking',
      stepIndex,
      bakeStartedAt: '2026-11-25T09:00:30Z',
      incumbentVariants: [
        { VariantName: 'fraud-detector-1', InitialVariantWeight: 1 },
        { VariantName: 'fraud-detector-0', InitialVariantWeight: 0.2 },
      ],
      ...extra,
    });

  it('is due at the end of the bake only, and not while paused', () => {
    expect(analysisDue(canary, baking(0), '2026-11-25T09:10:00Z')).toBe(false);
    expect(analysisDue(canary, baking(0), '2026-11-25T09:10:30Z')).toBe(true);
    expect(analysisDue(canary, baking(0, { paused: true }), '2026-11-25T09:11:00Z')).toBe(false);
    expect(analysisDue(groupWith({ strategy: 'canary', bakeMinutes: 10 }), baking(0), '2026-11-25T09:11:00Z')).toBe(
      false,
    );
  });

  it('reads both variants over the bake in one call while the incumbent serves, against the incumbent that served most', () => {
    const reads = analysisReads(canary, baking(1), '2026-11-25T09:10:30Z');

    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ start: '2026-11-25T09:00:00.000Z', end: '2026-11-25T09:10:30Z' });
    expect(
      reads[0]?.queries.map((query) => [query.id, query.metricName, query.stat, query.dimensions[1]?.Value]),
    ).toEqual([
      ['cinvocations', 'Invocations', 'Sum', 'fraud-detector-2'],
      ['cerrors', 'Invocation5XXErrors', 'Sum', 'fraud-detector-2'],
      ['clatency', 'ModelLatency', 'Average', 'fraud-detector-2'],
      ['iinvocations', 'Invocations', 'Sum', 'fraud-detector-1'],
      ['ierrors', 'Invocation5XXErrors', 'Sum', 'fraud-detector-1'],
      ['ilatency', 'ModelLatency', 'Average', 'fraud-detector-1'],
    ]);
  });

  it("at 100% compares with the incumbent's figures of the previous step, read while it served", () => {
    const previous = { incumbent: healthyIncumbent } as AnalysisResult;
    const rollout = baking(2, { analyses: [previous] });
    const reads = analysisReads(canary, rollout, '2026-11-25T09:10:30Z');

    expect(reads.map((read) => read.queries.map((query) => query.id[0]))).toEqual([['c', 'c', 'c']]);
    const reading = readingFrom(canary, rollout, reads, { cinvocations: 800, cerrors: 0, clatency: 41_000 });
    expect(reading.incumbent).toBe(healthyIncumbent);
    expect(reading.challenger).toMatchObject({ invocations: 800, errors5xx: 0, latency: 41_000 });
  });

  it('all at once, with no earlier analysis: the incumbent over the bake-length window before its traffic moved', () => {
    const allAtOnce = groupWith({ strategy: 'all-at-once', bakeMinutes: 10, analysis });
    const reads = analysisReads(allAtOnce, baking(0), '2026-11-25T09:10:30Z');

    expect(reads.map((read) => [read.start, read.end, read.queries[0]?.id])).toEqual([
      ['2026-11-25T09:00:00.000Z', '2026-11-25T09:10:30Z', 'cinvocations'],
      ['2026-11-25T08:50:00.000Z', '2026-11-25T09:00:00.000Z', 'iinvocations'],
    ]);
  });
});

describe('A/B tests', () => {
  const abTest = groupWith({
    strategy: 'ab-test',
    weightPercent: 50,
    durationHours: 4,
    bakeMinutes: 15,
    analysis,
  });

  it('are a canary of two steps whose first bakes for the duration', () => {
    const rollout = rolloutRecord({
      endpointName: 'fraud-prod',
      groupName: 'fraud-detector',
      packageVersion: 2,
      phase: 'Baking',
    });
    expect(abTest.rollout.steps).toEqual([50, 100]);
    expect(bakeMinutesOf(abTest, rollout)).toBe(240);
    expect(bakeMinutesOf(abTest, { ...rollout, stepIndex: 1 })).toBe(15);
  });

  it('are checked after their first bake, before their end', () => {
    const rollout = rolloutRecord({
      endpointName: 'fraud-prod',
      groupName: 'fraud-detector',
      packageVersion: 2,
      phase: 'Baking',
      bakeStartedAt: '2026-11-25T09:00:00Z',
    });
    expect(analysisDue(abTest, rollout, '2026-11-25T09:14:00Z')).toBe(false);
    expect(analysisDue(abTest, rollout, '2026-11-25T09:15:00Z')).toBe(true);
  });

  it('report both variants side by side', () => {
    const challenger = figures('fraud-detector-2', { invocations: 4000, errors5xx: 4, latency: 39_000 });
    const judged = judgeAnalysis(analysis, { challenger, incumbent: healthyIncumbent });
    const report = analysisReport({
      at: window.end,
      stepIndex: 0,
      stage: 'canary',
      kind: 'ab-test',
      challenger,
      incumbent: healthyIncumbent,
      ...judged,
    });
    expect(report.split('\n')).toEqual([
      'window 09:00–09:10 UTC',
      'check                 fraud-detector-2 (new)  fraud-detector-1 (incumbent)  limit                 verdict',
      'invocations           4000                    9000                          100 at least, each    pass',
      '5XX error rate        0.10%                   0.10%                         +1.00 points at most  pass',
      'ModelLatency Average  39.0 ms                 40.0 ms                       +20% at most          pass',
      'analysis passed: every check within its limit',
    ]);
  });
});

describe('the policy', () => {
  it('refuses an A/B test without its split, duration or analysis, naming each key', () => {
    const result = groupPolicySchema.safeParse({
      endpointName: 'fraud-prod',
      executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      approval: { mode: 'manual' },
      rollout: { strategy: 'ab-test', bakeMinutes: 10 },
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['rollout.weightPercent', 'an ab-test needs weightPercent'],
      ['rollout.durationHours', 'an ab-test needs durationHours'],
      ['rollout.analysis', 'an ab-test needs analysis: its verdict compares the two versions'],
    ]);
  });

  it('refuses a business metric whose dimensions do not name the variant, and analysis on a serverless endpoint', () => {
    const custom = groupPolicySchema.safeParse({
      endpointName: 'fraud-prod',
      executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      approval: { mode: 'manual' },
      rollout: {
        strategy: 'canary',
        steps: [10, 100],
        bakeMinutes: 10,
        analysis: {
          metrics: [
            { namespace: 'Shop', name: 'Sales', dimensions: { Shop: 'all' }, direction: 'higher-is-better', limit: 1 },
          ],
        },
      },
    });
    const serverless = groupPolicySchema.safeParse({
      endpointName: 'search-prod',
      executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      serverless: { memorySizeInMB: 2048, maxConcurrency: 5 },
      approval: { mode: 'manual' },
      rollout: { strategy: 'canary', steps: [20, 100], bakeMinutes: 10, analysis: {} },
    });
    expect(custom.error?.issues.map((issue) => issue.path.join('.'))).toEqual([
      'rollout.analysis.metrics.0.dimensions',
    ]);
    expect(serverless.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      [
        'rollout.analysis',
        "no analysis here: SageMaker's guardrails shift a serverless endpoint's traffic, guarded by its alarms",
      ],
    ]);
  });
});
