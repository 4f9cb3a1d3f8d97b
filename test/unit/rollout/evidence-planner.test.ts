// The planner: when each step can move on at an endpoint's traffic, and what it says when the evidence
// would come too late; what `npm run check` prints whatever the traffic; the traffic read from CloudWatch.
import { describe, expect, it } from 'vitest';
import { groupPolicySchema } from '#shared/policy/policy-schema.ts';
import { evidenceFloor, evidencePlanLines, planEvidence } from '#shared/rollout/evidence-planner.ts';
import { recentTraffic } from '../../../cli/evidence-plan.ts';

function rolloutWith(rollout: Record<string, unknown>) {
  return groupPolicySchema.parse({
    endpointName: 'loan-prod',
    executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
    instanceType: 'ml.m5.large',
    initialInstanceCount: 1,
    approval: { mode: 'manual' },
    rollout: {
      strategy: 'canary',
      steps: [10, 50, 100],
      bakeMinutes: 10,
      progressDeadlineMinutes: 20,
      analysis: { maxErrorRateIncrease: 0.01, maxLatencyIncreasePercent: 20 },
      ...rollout,
    },
  }).rollout;
}

const traffic = (invocationsPerMinute: number) => ({
  minutes: 180,
  invocationsPerMinute,
  errorRate5xx: 0.01,
  latencyLogSpread: 0.5 / Math.sqrt(invocationsPerMinute),
});

describe('planEvidence', () => {
  it('at 2,000 invocations a minute: the first step moves on some minutes past its bake, the others at theirs', () => {
    const rollout = rolloutWith({});
    const plan = planEvidence(rollout.analysis as NonNullable<typeof rollout.analysis>, rollout, traffic(2000));

    const [first, second, last] = plan.steps;
    expect(first?.readyAfter).toBeGreaterThanOrEqual(10);
    expect(second?.readyAfter).toBe((first?.readyAfter ?? 0) + 10);
    expect(last?.readyAfter).toBe((second?.readyAfter ?? 0) + 10);
    expect(plan.guardrails.map((guardrail) => guardrail.metric)).toEqual(['5XX error rate', 'ModelLatency Average']);
    expect(plan.notes).toHaveLength(1);
  });

  it('at 10 a minute: says the first step would outlast the progress deadline, and what to change', () => {
    const rollout = rolloutWith({});
    const plan = planEvidence(rollout.analysis as NonNullable<typeof rollout.analysis>, rollout, traffic(10));
    const lines = evidencePlanLines('loan-scorer', plan);

    expect(lines[0]).toBe(
      'loan-scorer: at 10 invocations a minute over the last 180 minutes, alpha 0.05, power 0.8 (90% for each of 2 guardrails)',
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}step 1 at 10% needs ~[\d.]+ days past its bake, past the progress deadline of 20 min: it would end Failed first; widen the margins, start with a larger step, or use method threshold$/,
      ),
    );
  });

  it('takes a wider margin or a larger first step as faster, and no traffic as never', () => {
    const first = (rollout: ReturnType<typeof rolloutWith>, perMinute: number) =>
      planEvidence(rollout.analysis as NonNullable<typeof rollout.analysis>, rollout, traffic(perMinute)).steps[0]
        ?.readyAfter ?? Number.POSITIVE_INFINITY;
    const narrow = rolloutWith({});
    const wide = rolloutWith({ analysis: { maxErrorRateIncrease: 0.03, maxLatencyIncreasePercent: 20 } });
    const larger = rolloutWith({ steps: [50, 100] });

    expect(first(wide, 200)).toBeLessThan(first(narrow, 200));
    expect(first(larger, 200)).toBeLessThan(first(narrow, 200));
    expect(first(narrow, 0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('evidenceFloor', () => {
  it('names the invocations each error margin needs at the least, and the minutes a comparison by minute needs', () => {
    const rollout = rolloutWith({});
    const floor = evidenceFloor(rollout.analysis as NonNullable<typeof rollout.analysis>);
    expect(floor).toEqual([
      expect.stringMatching(/^5XX within \+1\.00 points: ≥ [\d,]+ invocations of the new version$/),
      'latency and business metrics: ≥ 6 minutes beside the incumbent',
    ]);
  });
});

describe('recentTraffic', () => {
  it('counts a minute without a datapoint as serving none, sums the variants, and reads the busiest one’s latency', () => {
    const values = {
      v0invocations: { '2026-12-03T09:00:00.000Z': 90, '2026-12-03T09:01:00.000Z': 90 },
      v0errors: { '2026-12-03T09:00:00.000Z': 1, '2026-12-03T09:01:00.000Z': 0 },
      v0latency: { '2026-12-03T09:00:00.000Z': 40_000, '2026-12-03T09:01:00.000Z': 44_000 },
      v1invocations: { '2026-12-03T09:00:00.000Z': 10 },
      v1errors: { '2026-12-03T09:00:00.000Z': 1 },
      v1latency: { '2026-12-03T09:00:00.000Z': 900_000 },
    };
    const read = recentTraffic(values, 2, 4);

    expect(read.invocationsPerMinute).toBe(47.5);
    expect(read.errorRate5xx).toBeCloseTo(2 / 190, 12);
    expect(read.latencyLogSpread).toBeCloseTo(Math.abs(Math.log(44_000) - Math.log(40_000)) / Math.SQRT2, 12);
    expect(recentTraffic({}, 1, 60)).toEqual({ minutes: 60, invocationsPerMinute: 0 });
  });
});
