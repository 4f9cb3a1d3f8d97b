// How long a sequential analysis will take, before anything is deployed: from the endpoint's recent traffic
// and the policy's margins, when each step can show "no worse" and how soon a version worse by twice the
// margins is rolled back. Pure: the same bounds and tests the rollout uses (anytime-valid.ts), on the counts
// the traffic makes expected; the power the policy asks for is split over the guardrails, which must all
// show "no worse" (sequential-analysis.ts).
import type { AnalysisPolicy, RolloutPolicy } from '#shared/policy/policy-schema.ts';
import {
  type Counts,
  normalCdf,
  rateDifferenceEValue,
  signTestEValue,
  signTestMinutesNeeded,
} from './anytime-valid.ts';
import { metricCounts } from './sequential-analysis.ts';

/** What the endpoint served lately, all its variants together (rollout plan-evidence reads it). */
export interface RecentTraffic {
  /** Minutes read. */
  readonly minutes: number;
  readonly invocationsPerMinute: number;
  readonly errorRate5xx?: number;
  readonly errorRate4xx?: number;
  /**
   * How much a minute's latency statistic varies from minute to minute at this traffic: the standard
   * deviation of ln(latency) over the minutes read. Undefined: no latency read.
   */
  readonly latencyLogSpread?: number;
}

export interface StepEvidence {
  readonly percent: number;
  readonly bakeMinutes: number;
  readonly newPerMinute: number;
  readonly incumbentPerMinute: number;
  /** Minutes from the rollout's start until this step may move on; undefined: not within a week. */
  readonly readyAfter: number | undefined;
}

export interface GuardrailEvidence {
  readonly metric: string;
  /** Minutes from the rollout's start until an equal version is shown no worse; undefined: not within a week. */
  readonly noWorseAfter: number | undefined;
  /** Minutes until a version worse by twice the margin is rolled back; undefined: not within a week. */
  readonly worseCaughtAfter: number | undefined;
}

export interface EvidencePlan {
  readonly steps: readonly StepEvidence[];
  readonly guardrails: readonly GuardrailEvidence[];
  /** What the plan rests on, and what to change when it is too slow, in sentences. */
  readonly notes: readonly string[];
}

const week = 7 * 24 * 60;

/** Φ⁻¹ (Acklam's rational approximation, relative error below 1.2e-9): the power's quantile. */
export function normalQuantile(p: number): number {
  const a = [
    -39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239,
  ];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [
    -0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], x: number) => k.reduce((sum, coefficient) => sum * x + coefficient, 0);
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    return poly(c, q) / (poly(d, q) * q + 1);
  }
  if (p > 1 - 0.02425) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (poly(a, r) * q) / (poly(b, r) * r + 1);
}

/** The rollout's traffic minute by minute: the new version's and the incumbent's share at each minute. */
function timeline(rollout: RolloutPolicy): { percent: number; bake: number; shadow: boolean }[] {
  const stages = rollout.strategy === 'shadow' ? [{ percent: 100, bake: rollout.shadowMinutes, shadow: true }] : [];
  const abTest = rollout.strategy === 'ab-test';
  return [
    ...stages,
    ...rollout.steps.map((percent, index) => ({
      percent,
      bake: abTest && index === 0 ? (rollout.durationHours ?? 0) * 60 : rollout.bakeMinutes,
      shadow: false,
    })),
  ];
}

/** Per minute of a stage: the new version's and the incumbent's invocations. */
function split(traffic: RecentTraffic, stage: { percent: number; shadow: boolean }) {
  const total = traffic.invocationsPerMinute;
  // A shadow sees a copy of every request while the incumbent serves them all.
  if (stage.shadow) return { ours: total, theirs: total };
  return { ours: (total * stage.percent) / 100, theirs: (total * (100 - stage.percent)) / 100 };
}

/**
 * The first minute (from the start) at which `holds` is true of the counts so far; undefined: not within a
 * week. The rollout stays at its first stage both serve (a shadow, or the first step) until the evidence
 * decides, so that stage's split is what decides it.
 */
function firstMinute(
  rollout: RolloutPolicy,
  traffic: RecentTraffic,
  holds: (ours: number, theirs: number, minutes: number) => boolean,
): number | undefined {
  const first = timeline(rollout)[0];
  if (first === undefined) return undefined;
  const perMinute = split(traffic, first);
  if (perMinute.ours <= 0 || perMinute.theirs <= 0) return undefined;
  for (let minute = 1; minute <= week; minute += 1) {
    if (holds(perMinute.ours * minute, perMinute.theirs * minute, minute)) return minute;
  }
  return undefined;
}

/**
 * An error rate's plan: an equal version shown no worse, its errors at the unfavourable quantile of the
 * power (more errors than expected for the new version, fewer for the incumbent); a version at the rate plus
 * twice the margin caught at its expected counts.
 */
function errorRatePlan(
  metric: string,
  margin: number,
  rate: number,
  rollout: RolloutPolicy,
  traffic: RecentTraffic,
  levels: { pass: number; fail: number; z: number },
): GuardrailEvidence {
  const shown = (ours: Counts, theirs: Counts, side: 'above' | 'below', level: number) =>
    rateDifferenceEValue(ours, theirs, margin, side, margin) >= 1 / level;
  const noWorseAfter = firstMinute(rollout, traffic, (ours, theirs) => {
    const ourErrors = rate * ours + levels.z * Math.sqrt(rate * ours);
    const theirErrors = Math.max(0, rate * theirs - levels.z * Math.sqrt(rate * theirs));
    return shown({ events: ourErrors, trials: ours }, { events: theirErrors, trials: theirs }, 'below', levels.pass);
  });
  const worse = Math.min(1, rate + 2 * margin);
  const worseCaughtAfter = firstMinute(rollout, traffic, (ours, theirs) =>
    shown({ events: worse * ours, trials: ours }, { events: rate * theirs, trials: theirs }, 'above', levels.fail),
  );
  return { metric, noWorseAfter, worseCaughtAfter };
}

/**
 * Latency's plan: the sign test's minutes, from how often a minute comes out within the limit. A minute's
 * ln(latency) varies by `latencyLogSpread` at the endpoint's whole traffic, and by √(100/share) times that on
 * a share of it; an equal version is within the limit when the difference of two such minutes is below
 * ln(1 + limit).
 */
function latencyPlan(
  analysis: AnalysisPolicy,
  limitPercent: number,
  rollout: RolloutPolicy,
  traffic: RecentTraffic,
  levels: { pass: number; fail: number },
): GuardrailEvidence {
  const metric = `ModelLatency ${analysis.latencyStatistic}`;
  const spread = traffic.latencyLogSpread;
  if (spread === undefined) return { metric, noWorseAfter: undefined, worseCaughtAfter: undefined };
  const allowed = Math.log1p(limitPercent / 100);
  const share = (stage: { percent: number; shadow: boolean }, offset: number) => {
    const perMinute = split(traffic, stage);
    const whole = traffic.invocationsPerMinute;
    const pair = spread * Math.sqrt(whole / Math.max(perMinute.ours, 1e-9) + whole / Math.max(perMinute.theirs, 1e-9));
    return normalCdf((allowed - offset) / Math.max(pair, 1e-9));
  };
  const first = timeline(rollout)[0];
  const minutesTo = (offset: number, favourable: (share: number) => number, target: number) => {
    if (first === undefined) return undefined;
    const needed = signTestMinutesNeeded(favourable(share(first, offset)), target);
    return Number.isFinite(needed) && needed <= week ? needed : undefined;
  };
  return {
    metric,
    noWorseAfter: minutesTo(0, (within) => within, 1 / levels.pass),
    // Twice the margin slower: each minute is past the limit unless its noise pulls it back.
    worseCaughtAfter: minutesTo(2 * allowed, (within) => 1 - within, 1 / levels.fail),
  };
}

/** When each step may move on, and how soon each guardrail decides, at the endpoint's recent traffic. */
export function planEvidence(analysis: AnalysisPolicy, rollout: RolloutPolicy, traffic: RecentTraffic): EvidencePlan {
  const { guardrails } = metricCounts(analysis);
  const count = Math.max(1, guardrails);
  // Every guardrail must show "no worse": each gets its share of the chance to miss.
  const z = normalQuantile(1 - (1 - analysis.power) / count);
  const levels = { pass: analysis.alpha, fail: analysis.alpha / count, z };
  const plans: GuardrailEvidence[] = [];
  if (analysis.maxErrorRateIncrease !== undefined)
    plans.push(
      errorRatePlan(
        '5XX error rate',
        analysis.maxErrorRateIncrease,
        traffic.errorRate5xx ?? 0,
        rollout,
        traffic,
        levels,
      ),
    );
  if (analysis.maxClientErrorRateIncrease !== undefined)
    plans.push(
      errorRatePlan(
        '4XX error rate',
        analysis.maxClientErrorRateIncrease,
        traffic.errorRate4xx ?? 0,
        rollout,
        traffic,
        levels,
      ),
    );
  if (analysis.maxLatencyIncreasePercent !== undefined)
    plans.push(latencyPlan(analysis, analysis.maxLatencyIncreasePercent, rollout, traffic, levels));

  const shown = plans.map((plan) => plan.noWorseAfter);
  const evidenceAt = shown.some((minute) => minute === undefined) ? undefined : Math.max(0, ...(shown as number[]));
  const enoughAt = firstMinute(
    rollout,
    traffic,
    (ours, theirs) => ours >= analysis.minInvocations && theirs >= analysis.minInvocations,
  );
  let clock = 0;
  const steps: StepEvidence[] = [];
  // A step held past its bake longer than the progress deadline ends Failed before its evidence comes.
  const overDeadline: string[] = [];
  for (const stage of timeline(rollout)) {
    if (stage.shadow) {
      clock += stage.bake;
      continue;
    }
    const perMinute = split(traffic, stage);
    const bakeEnd = clock + stage.bake;
    // Evidence is gathered while both serve; a step at 100% finishes on what came before.
    const ready =
      stage.percent === 100
        ? bakeEnd
        : evidenceAt === undefined || enoughAt === undefined
          ? undefined
          : Math.max(bakeEnd, evidenceAt, enoughAt);
    steps.push({
      percent: stage.percent,
      bakeMinutes: stage.bake,
      newPerMinute: perMinute.ours,
      incumbentPerMinute: perMinute.theirs,
      readyAfter: ready,
    });
    if (ready === undefined) break;
    if (ready - bakeEnd > rollout.progressDeadlineMinutes)
      overDeadline.push(
        `step ${steps.length} at ${stage.percent}% needs ${duration(ready - bakeEnd)} past its bake, past the progress deadline of ${rollout.progressDeadlineMinutes} min: it would end Failed first; widen the margins, start with a larger step, or use method threshold`,
      );
    clock = ready;
  }
  const notes = [
    `at ${Math.round(traffic.invocationsPerMinute).toLocaleString('en-US')} invocations a minute over the last ${traffic.minutes} minutes, alpha ${analysis.alpha}, power ${analysis.power} (${Number(((1 - (1 - analysis.power) / count) * 100).toFixed(1))}% for each of ${count} guardrail${count === 1 ? '' : 's'})`,
    ...plans
      .filter((plan) => plan.noWorseAfter === undefined)
      .map(
        (plan) =>
          `${plan.metric}: not shown within a week at this traffic: widen its margin, start with a larger step, or use method threshold`,
      ),
    ...overDeadline,
    ...(traffic.latencyLogSpread === undefined && analysis.maxLatencyIncreasePercent !== undefined
      ? ['latency: no ModelLatency read lately, so no plan for it']
      : []),
  ];
  return { steps, guardrails: plans, notes };
}

/** Minutes as a person reads them: minutes up to two hours, then hours, then days. */
function duration(value: number): string {
  if (value < 120) return `~${Math.round(value)} min`;
  if (value < 48 * 60) return `~${Number((value / 60).toFixed(1))} h`;
  return `~${Number((value / 1440).toFixed(1))} days`;
}

const minutes = (value: number | undefined) => (value === undefined ? 'not within a week' : duration(value));

/** The plan as `rollout plan-evidence` prints it. */
export function evidencePlanLines(groupName: string, plan: EvidencePlan): string[] {
  const lines = [`${groupName}: ${plan.notes[0] ?? ''}`];
  for (const [index, step] of plan.steps.entries()) {
    const share = `${Math.round(step.newPerMinute).toLocaleString('en-US')}/min new, ${Math.round(step.incumbentPerMinute).toLocaleString('en-US')}/min incumbent`;
    lines.push(
      `  step ${index + 1} at ${step.percent}% (${share}), bake ${step.bakeMinutes} min: moves on ${step.readyAfter === undefined ? 'not within a week' : `${minutes(step.readyAfter)} after the start`}`,
    );
  }
  for (const guardrail of plan.guardrails) {
    lines.push(
      `  ${guardrail.metric}: an equal version shown no worse after ${minutes(guardrail.noWorseAfter)}; one worse by twice the margin rolled back after ${minutes(guardrail.worseCaughtAfter)}`,
    );
  }
  for (const note of plan.notes.slice(1)) lines.push(`  ${note}`);
  return lines;
}

/**
 * The least evidence a sequential analysis can step on, whatever the traffic: the new version's invocations
 * without a single error that show its rate within each error margin (beside an incumbent known to be at 0),
 * and the minutes, each going its way, a comparison by minute needs. What `npm run check` prints per group.
 */
export function evidenceFloor(analysis: AnalysisPolicy): string[] {
  const lines: string[] = [];
  const errorMargins = [
    ['5XX', analysis.maxErrorRateIncrease],
    ['4XX', analysis.maxClientErrorRateIncrease],
  ] as const;
  for (const [kind, margin] of errorMargins) {
    if (margin === undefined || margin <= 0) continue;
    // Beside an incumbent serving nine times as much (a 10% step), neither with an error.
    const shown = (trials: number) =>
      rateDifferenceEValue({ events: 0, trials }, { events: 0, trials: 9 * trials }, margin, 'below', margin) >=
      1 / analysis.alpha;
    let trials = 1;
    while (!shown(trials) && trials < 1e9) trials *= 2;
    let low = trials / 2;
    while (trials - low > 1) {
      const middle = Math.floor((low + trials) / 2);
      if (shown(middle)) trials = middle;
      else low = middle;
    }
    lines.push(
      `${kind} within +${(margin * 100).toFixed(2)} points: ≥ ${trials.toLocaleString('en-US')} invocations of the new version`,
    );
  }
  const byMinute = (analysis.maxLatencyIncreasePercent === undefined ? 0 : 1) + analysis.metrics.length;
  if (byMinute > 0) {
    let count = 1;
    while (signTestEValue(Array(count).fill(true)) < 1 / analysis.alpha) count += 1;
    lines.push(`latency and business metrics: ≥ ${count} minutes beside the incumbent`);
  }
  return lines;
}
