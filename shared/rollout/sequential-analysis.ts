// The sequential judgement of a canary (policy rollout.analysis, method sequential): checked on every tick,
// valid however often it is looked at. Each guardrail (errors, latency, a business metric that must not get
// worse) has two anytime-valid tests: one that the challenger is worse than the incumbent by more than the
// margin (it rolls back), one that it is not (it may step). A success metric (a business metric that must
// improve) has one: that it is better. The false-positive rate is controlled across metrics the way
// Schultzberg, Ankargren, Frånberg ("Risk-aware product decisions in A/B tests with multiple metrics",
// Spotify, arXiv 2402.11609, 2024) do for shipping decisions:
// - a step needs every guardrail shown no worse, so each such test runs at alpha (intersection-union: no
//   correction), and a version worse by a margin steps with probability at most alpha;
// - a rollback needs any one guardrail shown worse, so each runs at alpha / guardrails (Bonferroni), and an
//   A/A canary is rolled back with probability at most alpha;
// - the promotion to all of the traffic needs any one success metric shown better: alpha / successes each.
// The planner's power is split over the guardrails, which must all show "no worse" (evidence-planner.ts).
// Pure: per-minute figures in, checks and a verdict out.
import type { AnalysisPolicy, CustomMetricPolicy } from '#shared/policy/policy-schema.ts';
import { rateDifferenceEValue, signTestEValue, signTestMinutesNeeded } from './anytime-valid.ts';

/** One variant's figures in one minute; absent: CloudWatch had no datapoint. */
export interface MinuteFigures {
  /** The minute's start (ISO). */
  readonly at: string;
  readonly invocations?: number;
  readonly errors5xx?: number;
  readonly errors4xx?: number;
  /** ModelLatency in microseconds, by the policy's latencyStatistic. */
  readonly latency?: number;
  /** The policy's custom metrics, in its order (null: no datapoint). */
  readonly custom: readonly (number | null)[];
}

export interface MinuteSeries {
  readonly challenger: readonly MinuteFigures[];
  readonly incumbent: readonly MinuteFigures[];
}

export type SequentialVerdict = 'worse' | 'no worse' | 'better' | 'undecided' | 'no data';

/** One metric's sequential test as the report shows it. */
export interface SequentialCheck {
  readonly metric: string;
  readonly role: 'guardrail' | 'success';
  readonly challenger?: number;
  readonly incumbent?: number;
  /** The margin in words, e.g. "+1.00 points at most". */
  readonly limit: string;
  /** The test's statistic and the bound it is held to, e.g. "difference ≤ +0.45 points (95% anytime)". */
  readonly evidence: string;
  readonly verdict: SequentialVerdict;
  /** What more it needs, when undecided: "340 of ~1,200 invocations of the new version". */
  readonly needs?: string;
  /** The check as a person reads it. */
  readonly words: string;
}

export interface SequentialJudgement {
  readonly verdict: 'pass' | 'fail' | 'wait';
  readonly checks: readonly SequentialCheck[];
  readonly summary: string;
}

/** What the judgement decides: a step (guardrails only), or the promotion to all of the traffic. */
export type Decides = 'step' | 'promotion';

/** How both analyses write a rate, a latency and any other value. */
export const percent = (rate: number) => `${(rate * 100).toFixed(2)}%`;
const points = (rate: number) => `${rate >= 0 ? '+' : '-'}${Math.abs(rate * 100).toFixed(2)} points`;
export const milliseconds = (micros: number) => `${(micros / 1000).toFixed(1)} ms`;
export const plain = (value: number) => `${Number(value.toPrecision(4))}`;
const confidence = (alpha: number) => `${Number(((1 - alpha) * 100).toPrecision(4))}% anytime`;
const eValue = (value: number) => (value >= 1000 ? value.toExponential(1) : plain(value));
/** A count as CloudWatch sums it (a Sum may carry a fraction): whole where whole. */
const count = (value: number) => Number(value.toFixed(1)).toLocaleString('en-US');
const about = (count: number) => `~${Math.round(count).toLocaleString('en-US')}`;

function total(minutes: readonly MinuteFigures[], key: 'invocations' | 'errors5xx' | 'errors4xx'): number {
  return minutes.reduce((sum, minute) => sum + (minute[key] ?? 0), 0);
}

/** Invocations of the minutes that report their errors too: a rate needs both. */
function counted(minutes: readonly MinuteFigures[], key: 'errors5xx' | 'errors4xx') {
  const reporting = minutes.filter((minute) => minute.invocations !== undefined && minute[key] !== undefined);
  return { trials: total(reporting, 'invocations'), events: total(reporting, key) };
}

interface Levels {
  /** Each "no worse" (and "better") test's level. */
  readonly pass: number;
  /** Each "worse" test's level: alpha over the guardrails. */
  readonly fail: number;
}

/**
 * An error rate's two tests on the variants' counts summed over the rollout (both serve the same minutes), the
 * mixture sequential probability ratio test (anytime-valid.ts): worse when the difference is shown above the margin,
 * no worse when shown below it. Each shows its bound: the difference is at least (worse) or at most (no worse) so
 * much, as the test would still show it.
 */
function errorRateCheck(
  metric: string,
  margin: number,
  series: MinuteSeries,
  key: 'errors5xx' | 'errors4xx',
  levels: Levels,
): SequentialCheck {
  const limit = `${points(margin)} at most`;
  const ours = counted(series.challenger, key);
  const theirs = counted(series.incumbent, key);
  const base = { metric, role: 'guardrail', limit } as const;
  if (ours.trials === 0 || theirs.trials === 0) {
    const whose = ours.trials === 0 ? 'the new version' : 'the incumbent';
    return { ...base, evidence: 'none', verdict: 'no data', words: `${metric}: no invocations of ${whose} yet` };
  }
  const ourRate = ours.events / ours.trials;
  const theirRate = theirs.events / theirs.trials;
  const shown = { challenger: ourRate, incumbent: theirRate };
  const values = `${metric} ${percent(ourRate)} (${count(ours.events)} of ${count(ours.trials)}) against the incumbent's ${percent(theirRate)} (${count(theirs.events)} of ${count(theirs.trials)})`;
  const test = (side: 'above' | 'below', at: number, counts = { ours, theirs }) =>
    rateDifferenceEValue(counts.ours, counts.theirs, at, side, margin);
  const worse = test('above', margin);
  if (worse >= 1 / levels.fail) {
    // The largest difference it would still show it above.
    const least = searchDifference(margin, ourRate - theirRate, (at) => test('above', at) >= 1 / levels.fail);
    return {
      ...base,
      ...shown,
      evidence: `difference ≥ ${points(least)} (${confidence(levels.fail)})`,
      verdict: 'worse',
      words: `${values}: worse by at least ${points(least)}, past the ${points(margin)} limit (${confidence(levels.fail)})`,
    };
  }
  const noWorse = test('below', margin);
  if (noWorse >= 1 / levels.pass) {
    // The smallest difference it would still show it below.
    const most = searchDifference(margin, ourRate - theirRate, (at) => test('below', at) >= 1 / levels.pass);
    return {
      ...base,
      ...shown,
      evidence: `difference ≤ ${points(most)} (${confidence(levels.pass)})`,
      verdict: 'no worse',
      words: `${values}: worse by at most ${points(most)}, within the ${points(margin)} limit (${confidence(levels.pass)})`,
    };
  }
  // How much more of the same traffic would show it: the counts scaled up until the test passes.
  const scale = smallestScale(
    (factor) =>
      test('below', margin, {
        ours: { events: ours.events * factor, trials: ours.trials * factor },
        theirs: { events: theirs.events * factor, trials: theirs.trials * factor },
      }) >=
      1 / levels.pass,
  );
  const needs =
    scale === undefined
      ? `the rates so far differ by more than the margin allows to show`
      : `${count(ours.trials)} of ${about(ours.trials * scale)} invocations of the new version`;
  return {
    ...base,
    ...shown,
    evidence: `e-value ${eValue(noWorse)} of ${plain(1 / levels.pass)} (difference ${points(ourRate - theirRate)})`,
    verdict: 'undecided',
    needs,
    words: `${values}: not yet shown within the ${points(margin)} limit`,
  };
}

/**
 * The bound a test shows: between the margin (where it holds) and the observed difference (where it cannot),
 * the point where `holds` turns false, by bisection (40 halvings).
 */
function searchDifference(margin: number, observed: number, holds: (at: number) => boolean): number {
  let [inside, outside] = [margin, observed];
  for (let step = 0; step < 40; step += 1) {
    const middle = (inside + outside) / 2;
    if (holds(middle)) inside = middle;
    else outside = middle;
  }
  return inside;
}

/** The least factor up to 1,000 for which `holds` is true, within 2%; undefined if none. */
function smallestScale(holds: (factor: number) => boolean): number | undefined {
  if (!holds(1000)) return undefined;
  let [low, high] = [1, 1000];
  while (high / low > 1.02) {
    const middle = Math.sqrt(low * high);
    if (holds(middle)) high = middle;
    else low = middle;
  }
  return high;
}

/** The minutes both variants report a value of this metric: the pairs a comparison by minute stands on. */
function pairedMinutes(
  series: MinuteSeries,
  value: (minute: MinuteFigures) => number | null | undefined,
): { ours: number; theirs: number }[] {
  const theirsByMinute = new Map(series.incumbent.map((minute) => [minute.at, value(minute)]));
  const pairs: { ours: number; theirs: number }[] = [];
  for (const minute of series.challenger) {
    const ours = value(minute);
    const theirs = theirsByMinute.get(minute.at);
    if (ours === null || ours === undefined || theirs === null || theirs === undefined) continue;
    pairs.push({ ours, theirs });
  }
  return pairs;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

interface ByMinute {
  readonly metric: string;
  readonly role: 'guardrail' | 'success';
  readonly limit: string;
  /** How the challenger compares to the incumbent in one minute, in the limit's terms (positive: worse). */
  readonly worseBy: (pair: { ours: number; theirs: number }) => number;
  /** The allowed worsening (a guardrail), or minus the improvement needed (a success metric). */
  readonly allowed: number;
  readonly show: (value: number) => string;
  /** The typical minute's difference in words: "+5.0%", "0.002 worse". */
  readonly typical: (worseBy: number) => string;
}

/**
 * A comparison minute by minute, as a sequential sign test (anytime-valid.ts): both variants serve the same
 * minutes, so a load that moves both moves neither's side of the comparison, and no assumption is made on how
 * the metric is distributed. Worse: the challenger was past the limit in significantly more than half of the
 * minutes; no worse: within it in significantly more than half; better (a success metric): better by the
 * limit in significantly more than half.
 */
function minuteCheck(
  spec: ByMinute,
  pairs: readonly { ours: number; theirs: number }[],
  levels: Levels & { readonly success: number },
): SequentialCheck {
  const base = { metric: spec.metric, role: spec.role, limit: spec.limit } as const;
  if (pairs.length === 0) {
    return {
      ...base,
      evidence: 'none',
      verdict: 'no data',
      words: `${spec.metric}: no minute with both variants' values yet`,
    };
  }
  const differences = pairs.map(spec.worseBy);
  const shown = {
    challenger: median(pairs.map((pair) => pair.ours)),
    incumbent: median(pairs.map((pair) => pair.theirs)),
  };
  const values = `${spec.metric} ${spec.show(shown.challenger)} against the incumbent's ${spec.show(shown.incumbent)} (median minute, ${spec.typical(median(differences))})`;
  const beyond = differences.filter((difference) => difference > spec.allowed).length;
  const within = differences.filter((difference) => difference < spec.allowed).length;
  const count = `${pairs.length} minute${pairs.length === 1 ? '' : 's'}`;
  if (spec.role === 'success') {
    const improved = signTestEValue(differences.map((difference) => difference < spec.allowed));
    const target = 1 / levels.success;
    const evidence = `e-value ${eValue(improved)} of ${plain(target)} (better in ${within} of ${count})`;
    if (improved >= target)
      return {
        ...base,
        ...shown,
        evidence,
        verdict: 'better',
        words: `${values}: better in ${within} of ${count} (${confidence(levels.success)})`,
      };
    return {
      ...base,
      ...shown,
      evidence,
      verdict: 'undecided',
      needs: minutesNeeded(pairs.length, within, target),
      words: `${values}: better in ${within} of ${count}, not yet shown`,
    };
  }
  const worse = signTestEValue(differences.map((difference) => difference > spec.allowed));
  const failTarget = 1 / levels.fail;
  if (worse >= failTarget) {
    return {
      ...base,
      ...shown,
      evidence: `e-value ${eValue(worse)} ≥ ${plain(failTarget)} (past the limit in ${beyond} of ${count})`,
      verdict: 'worse',
      words: `${values}: past the limit in ${beyond} of ${count} (${confidence(levels.fail)})`,
    };
  }
  const noWorse = signTestEValue(differences.map((difference) => difference < spec.allowed));
  const passTarget = 1 / levels.pass;
  const evidence = `e-value ${eValue(noWorse)} of ${plain(passTarget)} (within the limit in ${within} of ${count})`;
  if (noWorse >= passTarget)
    return {
      ...base,
      ...shown,
      evidence,
      verdict: 'no worse',
      words: `${values}: within the limit in ${within} of ${count} (${confidence(levels.pass)})`,
    };
  return {
    ...base,
    ...shown,
    evidence,
    verdict: 'undecided',
    needs: minutesNeeded(pairs.length, within, passTarget),
    words: `${values}: within the limit in ${within} of ${count}, not yet shown`,
  };
}

/** "6 of ~9 minutes with both serving", from the share of minutes so far (one more each way: none is certain). */
function minutesNeeded(minutes: number, favourable: number, target: number): string {
  const needed = signTestMinutesNeeded((favourable + 1) / (minutes + 2), target);
  return Number.isFinite(needed) && needed <= 7 * 24 * 60
    ? `${minutes} of ${about(Math.max(needed, minutes + 1))} minutes with both serving`
    : `the minutes so far do not go its way often enough to show it`;
}

function latencySpec(analysis: AnalysisPolicy, limitPercent: number): ByMinute {
  const allowed = Math.log1p(limitPercent / 100);
  return {
    metric: `ModelLatency ${analysis.latencyStatistic}`,
    role: 'guardrail',
    limit: `+${limitPercent}% at most`,
    // In log ratio: a minute 20% slower is as far from equal as one 1/1.2 faster.
    worseBy: ({ ours, theirs }) => Math.log(ours / theirs),
    allowed,
    show: milliseconds,
    typical: (logRatio) => `${logRatio >= 0 ? '+' : '-'}${Math.abs(Math.expm1(logRatio) * 100).toFixed(1)}%`,
  };
}

function customSpec(metric: CustomMetricPolicy): ByMinute {
  const name = `${metric.namespace} ${metric.name} ${metric.statistic}`;
  const better = metric.direction === 'higher-is-better' ? 'higher' : 'lower';
  const sign = metric.direction === 'lower-is-better' ? 1 : -1;
  const typical = (worseBy: number) =>
    worseBy > 0 ? `${plain(worseBy)} worse` : worseBy < 0 ? `${plain(-worseBy)} better` : 'equal';
  const base = {
    metric: name,
    show: plain,
    typical,
    worseBy: ({ ours, theirs }: { ours: number; theirs: number }) => sign * (ours - theirs),
  };
  return metric.role === 'success'
    ? {
        ...base,
        role: 'success',
        limit: `${plain(metric.limit)} better at least (${better} is better)`,
        allowed: -metric.limit,
      }
    : {
        ...base,
        role: 'guardrail',
        limit: `${plain(metric.limit)} worse at most (${better} is better)`,
        allowed: metric.limit,
      };
}

/** How many guardrails and success metrics the policy judges: what alpha is shared among. */
export function metricCounts(analysis: AnalysisPolicy): { guardrails: number; successes: number } {
  const successes = analysis.metrics.filter((metric) => metric.role === 'success').length;
  const guardrails =
    (analysis.maxErrorRateIncrease === undefined ? 0 : 1) +
    (analysis.maxClientErrorRateIncrease === undefined ? 0 : 1) +
    (analysis.maxLatencyIncreasePercent === undefined ? 0 : 1) +
    analysis.metrics.length -
    successes;
  return { guardrails, successes };
}

/** Every check of the policy on the minutes read so far, and the verdict. */
export function judgeSequential(analysis: AnalysisPolicy, series: MinuteSeries, decides: Decides): SequentialJudgement {
  const { guardrails, successes } = metricCounts(analysis);
  const levels = {
    pass: analysis.alpha,
    fail: analysis.alpha / Math.max(1, guardrails),
    success: analysis.alpha / Math.max(1, successes),
  };
  const checks: SequentialCheck[] = [];
  if (analysis.maxErrorRateIncrease !== undefined)
    checks.push(errorRateCheck('5XX error rate', analysis.maxErrorRateIncrease, series, 'errors5xx', levels));
  if (analysis.maxClientErrorRateIncrease !== undefined)
    checks.push(errorRateCheck('4XX error rate', analysis.maxClientErrorRateIncrease, series, 'errors4xx', levels));
  if (analysis.maxLatencyIncreasePercent !== undefined) {
    const pairs = pairedMinutes(series, (minute) =>
      minute.latency !== undefined && minute.latency > 0 ? minute.latency : undefined,
    );
    checks.push(minuteCheck(latencySpec(analysis, analysis.maxLatencyIncreasePercent), pairs, levels));
  }
  analysis.metrics.forEach((metric, index) => {
    checks.push(
      minuteCheck(
        customSpec(metric),
        pairedMinutes(series, (minute) => minute.custom[index]),
        levels,
      ),
    );
  });
  const worse = checks.filter((check) => check.verdict === 'worse');
  if (worse.length > 0)
    return { verdict: 'fail', checks, summary: `analysis failed: ${worse.map((check) => check.words).join('; ')}` };

  const traffic = {
    ours: total(series.challenger, 'invocations'),
    theirs: total(series.incumbent, 'invocations'),
  };
  if (traffic.ours < analysis.minInvocations || traffic.theirs < analysis.minInvocations) {
    const summary = `not enough traffic yet: ${traffic.ours.toLocaleString('en-US')} invocations of the new version and ${traffic.theirs.toLocaleString('en-US')} of the incumbent, each needs ${analysis.minInvocations.toLocaleString('en-US')}`;
    return { verdict: 'wait', checks, summary };
  }
  const guardrailChecks = checks.filter((check) => check.role === 'guardrail');
  const open = guardrailChecks.filter((check) => check.verdict !== 'no worse');
  const successChecks = checks.filter((check) => check.role === 'success');
  const improvementNeeded = decides === 'promotion' && successChecks.length > 0;
  const improved = successChecks.some((check) => check.verdict === 'better');
  if (open.length === 0 && (!improvementNeeded || improved)) {
    const what = improvementNeeded
      ? `every guardrail no worse and ${successChecks
          .filter((check) => check.verdict === 'better')
          .map((check) => check.metric)
          .join(', ')} better`
      : guardrailChecks.length > 0
        ? 'every guardrail shown no worse'
        : 'enough traffic on both variants';
    return { verdict: 'pass', checks, summary: `analysis passed: ${what}` };
  }
  const pending = [...open, ...(improvementNeeded && !improved ? successChecks : [])];
  const summary = `not enough evidence yet: ${pending.map((check) => `${check.metric}: ${check.needs ?? check.words}`).join('; ')}`;
  return { verdict: 'wait', checks, summary };
}
