// Promote on evidence: the challenger's own metrics are judged against the incumbent's (SageMaker's per-variant
// metrics). Method sequential (the default): minute by minute on every tick, anytime-valid
// (sequential-analysis.ts); method threshold: point estimates at the end of each bake (Kayenta's and Flagger's
// shape). Pure: which metrics to read over which window, and the verdict on what was read. Missing data never
// passes; too little traffic waits.
// https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html#cloudwatch-metrics-endpoint-invocation
import type { AnalysisPolicy, CustomMetricPolicy, GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Rollout } from './rollout-state.ts';
import {
  type Decides,
  judgeSequential,
  type MinuteFigures,
  type MinuteSeries,
  milliseconds,
  percent,
  plain,
  type SequentialVerdict,
} from './sequential-analysis.ts';

const minute = 60_000;
const sageMakerNamespace = 'AWS/SageMaker';

/** One variant's figures over a window; absent: CloudWatch had no datapoint. */
export interface VariantFigures {
  readonly variant: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly invocations?: number;
  readonly errors5xx?: number;
  readonly errors4xx?: number;
  /** ModelLatency in microseconds, by the policy's latencyStatistic. */
  readonly latency?: number;
  /** The policy's custom metrics, in its order (null: no datapoint). */
  readonly custom: readonly (number | null)[];
}

export interface AnalysisReading {
  readonly challenger: VariantFigures;
  readonly incumbent: VariantFigures;
  /** Method sequential: each variant's figures minute by minute since the evidence started. */
  readonly series?: MinuteSeries;
}

export interface MetricQuery {
  /** GetMetricData's Id: a lowercase letter first. */
  readonly id: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly Name: string; readonly Value: string }[];
  readonly stat: string;
}

/** The queries over one window: one GetMetricData call. */
export interface MetricRead {
  readonly start: string;
  readonly end: string;
  /** Minute by minute (method sequential); else one value over the whole window. */
  readonly perMinute?: true;
  readonly queries: readonly MetricQuery[];
}

/** A threshold check's verdict, or a sequential test's (worse, no worse, better, undecided, no data). */
export type CheckVerdict = 'pass' | 'fail' | SequentialVerdict;

export interface AnalysisCheck {
  readonly metric: string;
  readonly challenger?: number;
  readonly incumbent?: number;
  /** The limit in words, e.g. "+1.00 points at most". */
  readonly limit: string;
  readonly verdict: CheckVerdict;
  /** A sequential test's statistic and the bound it is held to. */
  readonly evidence?: string;
  /** What more an undecided sequential test needs. */
  readonly needs?: string;
  /** The check as a person reads it, with both values and the limit. */
  readonly words: string;
}

export interface AnalysisResult {
  readonly at: string;
  readonly stepIndex: number;
  readonly stage: 'shadow' | 'canary';
  /** An A/B test's verdict at its end, or a check during it; a step's analysis otherwise. */
  readonly kind: 'step' | 'ab-test';
  readonly method?: 'sequential' | 'threshold';
  readonly verdict: 'pass' | 'fail' | 'wait';
  readonly challenger: VariantFigures;
  readonly incumbent: VariantFigures;
  readonly checks: readonly AnalysisCheck[];
  /** One line: what failed, what it waits for, or that every check passed. */
  readonly summary: string;
}

/** At most this many analyses are kept on the record (one per step, and an A/B test's verdict). */
export const analysesLimit = 10;

/** How long the current step bakes: the shadow's minutes, an A/B test's duration, else bakeMinutes. */
export function bakeMinutesOf(group: GroupPolicy, rollout: Pick<Rollout, 'stage' | 'stepIndex'>): number {
  if (rollout.stage === 'shadow') return group.rollout.shadowMinutes;
  if (isAbTestSplit(group, rollout)) return (group.rollout.durationHours ?? 0) * 60;
  return group.rollout.bakeMinutes;
}

/** The held split of an A/B test (its first step), as opposed to the 100% that follows a verdict. */
export function isAbTestSplit(group: GroupPolicy, rollout: Pick<Rollout, 'stage' | 'stepIndex'>): boolean {
  return group.rollout.strategy === 'ab-test' && rollout.stage === 'canary' && rollout.stepIndex === 0;
}

/**
 * Whether this tick judges the evidence. Sequential: every tick of a bake. Threshold: at the end of every bake,
 * and during an A/B test after its first bakeMinutes (a failed check may stop it early).
 */
export function analysisDue(group: GroupPolicy, rollout: Rollout, now: string): boolean {
  if (group.rollout.analysis === undefined || rollout.phase !== 'Baking') return false;
  if (rollout.bakeStartedAt === undefined || rollout.paused) return false;
  if (group.rollout.analysis.method === 'sequential') return true;
  const waited = (Date.parse(now) - Date.parse(rollout.bakeStartedAt)) / minute;
  if (waited >= bakeMinutesOf(group, rollout)) return true;
  return isAbTestSplit(group, rollout) && waited >= group.rollout.bakeMinutes;
}

/** The incumbent variant that served most when the rollout started: the one the challenger is compared with. */
export function comparedIncumbent(rollout: Rollout): string {
  const [first, ...others] = rollout.incumbentVariants;
  let primary = first;
  for (const variant of others) {
    if ((variant.InitialVariantWeight ?? 0) > (primary?.InitialVariantWeight ?? 0)) primary = variant;
  }
  return primary?.VariantName ?? '';
}

function floorToMinute(time: string): string {
  return new Date(Math.floor(Date.parse(time) / minute) * minute).toISOString();
}

function sageMakerQueries(
  prefix: string,
  endpointName: string,
  variant: string,
  analysis: AnalysisPolicy,
): MetricQuery[] {
  const dimensions = [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variant },
  ];
  const query = (id: string, metricName: string, stat: string): MetricQuery => ({
    id: `${prefix}${id}`,
    namespace: sageMakerNamespace,
    metricName,
    dimensions,
    stat,
  });
  const custom = analysis.metrics.map(
    (metric, index): MetricQuery => ({
      id: `${prefix}m${index}`,
      namespace: metric.namespace,
      metricName: metric.name,
      dimensions: Object.entries(metric.dimensions).map(([Name, value]) => ({
        Name,
        Value: value.replaceAll('{endpoint}', endpointName).replaceAll('{variant}', variant),
      })),
      stat: metric.statistic,
    }),
  );
  return [
    query('invocations', 'Invocations', 'Sum'),
    query('errors', 'Invocation5XXErrors', 'Sum'),
    ...(analysis.maxClientErrorRateIncrease === undefined ? [] : [query('clienterrors', 'Invocation4XXErrors', 'Sum')]),
    query('latency', 'ModelLatency', analysis.latencyStatistic),
    ...custom,
  ];
}

/**
 * Minutes this recent may still be filling: SageMaker emits its endpoint metrics every minute and CloudWatch
 * may take a few more to show them. A sequential test only reads minutes that will not change afterwards, so
 * each tick judges a longer prefix of one fixed sequence (what anytime validity rests on).
 * https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html
 */
export const settlingMinutes = 2;

/** When the rollout's evidence started: its first bake (a shadow's, or the first step's). */
export function evidenceStart(rollout: Rollout): string | undefined {
  return rollout.evidenceSince ?? rollout.bakeStartedAt;
}

/** Method sequential: both variants minute by minute, from the evidence's start to the last settled minute. */
function sequentialReads(analysis: AnalysisPolicy, rollout: Rollout, now: string): MetricRead[] {
  const since = evidenceStart(rollout);
  if (since === undefined) return [];
  const start = floorToMinute(since);
  const end = new Date(Date.parse(floorToMinute(now)) - settlingMinutes * minute).toISOString();
  if (Date.parse(end) <= Date.parse(start)) return [];
  const challenger = sageMakerQueries('c', rollout.endpointName, rollout.challengerVariant, analysis);
  const incumbent = sageMakerQueries('i', rollout.endpointName, comparedIncumbent(rollout), analysis);
  return [{ start, end, perMinute: true, queries: [...challenger, ...incumbent] }];
}

/** The incumbent serves nothing at a 100% step: its figures come from before its traffic moved. */
function incumbentServes(group: GroupPolicy, rollout: Rollout): boolean {
  return rollout.stage === 'shadow' || (group.rollout.steps[rollout.stepIndex] ?? 100) < 100;
}

/** The latest analysis of this rollout whose incumbent figures were read while it served. */
function lastIncumbentFigures(rollout: Rollout): VariantFigures | undefined {
  return rollout.analyses?.findLast((result) => result.incumbent.invocations !== undefined)?.incumbent;
}

/**
 * What to read for the verdict: the challenger over the bake (its start to `now`); the incumbent over the
 * same window while it serves, else its figures of the previous analysis, else the bake-length window
 * before this step's traffic moved. Usually one read (one GetMetricData call).
 */
export function analysisReads(group: GroupPolicy, rollout: Rollout, now: string): MetricRead[] {
  const analysis = group.rollout.analysis;
  if (analysis === undefined || rollout.bakeStartedAt === undefined) return [];
  if (analysis.method === 'sequential') return sequentialReads(analysis, rollout, now);
  const start = floorToMinute(rollout.bakeStartedAt);
  const challenger = sageMakerQueries('c', rollout.endpointName, rollout.challengerVariant, analysis);
  const incumbent = sageMakerQueries('i', rollout.endpointName, comparedIncumbent(rollout), analysis);
  if (incumbentServes(group, rollout)) return [{ start, end: now, queries: [...challenger, ...incumbent] }];
  if (lastIncumbentFigures(rollout) !== undefined) return [{ start, end: now, queries: challenger }];
  const before = new Date(Date.parse(start) - bakeMinutesOf(group, rollout) * minute).toISOString();
  return [
    { start, end: now, queries: challenger },
    { start: before, end: start, queries: incumbent },
  ];
}

/** Each query's values by minute (ISO start), as a per-minute read returns them. */
export type MinuteValues = Readonly<Record<string, Readonly<Record<string, number>>>>;

/** Puts a per-minute read's values together as the two variants' minutes, and their totals. */
export function seriesReadingFrom(
  group: GroupPolicy,
  rollout: Rollout,
  reads: readonly MetricRead[],
  values: MinuteValues,
): AnalysisReading {
  const metrics = group.rollout.analysis?.metrics ?? [];
  // No read yet (no minute has settled): an empty window from the evidence's start.
  const since = evidenceStart(rollout);
  const read = reads[0] ?? { start: since === undefined ? '' : floorToMinute(since), end: '' };
  const minutesOf = (prefix: string): MinuteFigures[] => {
    const at = new Set<string>();
    for (const [id, byMinute] of Object.entries(values))
      if (id.startsWith(prefix)) for (const key of Object.keys(byMinute)) at.add(key);
    return [...at].sort().map((time) => ({
      at: time,
      ...defined('invocations', values[`${prefix}invocations`]?.[time]),
      ...defined('errors5xx', values[`${prefix}errors`]?.[time]),
      ...defined('errors4xx', values[`${prefix}clienterrors`]?.[time]),
      ...defined('latency', values[`${prefix}latency`]?.[time]),
      custom: metrics.map((_, index) => values[`${prefix}m${index}`]?.[time] ?? null),
    }));
  };
  const series = { challenger: minutesOf('c'), incumbent: minutesOf('i') };
  const totals = (variant: string, minutes: readonly MinuteFigures[]): VariantFigures => {
    const sum = (key: 'invocations' | 'errors5xx' | 'errors4xx') =>
      minutes.some((entry) => entry[key] !== undefined)
        ? minutes.reduce((total, entry) => total + (entry[key] ?? 0), 0)
        : undefined;
    return {
      variant,
      window: { start: read.start, end: read.end },
      ...defined('invocations', sum('invocations')),
      ...defined('errors5xx', sum('errors5xx')),
      ...defined('errors4xx', sum('errors4xx')),
      custom: metrics.map(() => null),
    };
  };
  return {
    challenger: totals(rollout.challengerVariant, series.challenger),
    incumbent: totals(comparedIncumbent(rollout), series.incumbent),
    series,
  };
}

/** Puts the values read (by query id; absent: no datapoint) together as the two variants' figures. */
export function readingFrom(
  group: GroupPolicy,
  rollout: Rollout,
  reads: readonly MetricRead[],
  values: Readonly<Record<string, number | undefined>>,
): AnalysisReading {
  const windowOf = (prefix: string) => {
    const read = reads.find((candidate) => candidate.queries.some((query) => query.id.startsWith(prefix)));
    return { start: read?.start ?? '', end: read?.end ?? '' };
  };
  const figures = (prefix: string, variant: string): VariantFigures => ({
    variant,
    window: windowOf(prefix),
    ...defined('invocations', values[`${prefix}invocations`]),
    ...defined('errors5xx', values[`${prefix}errors`]),
    ...defined('latency', values[`${prefix}latency`]),
    custom: (group.rollout.analysis?.metrics ?? []).map((_, index) => values[`${prefix}m${index}`] ?? null),
  });
  const incumbentRead = reads.some((read) => read.queries.some((query) => query.id.startsWith('i')));
  const incumbent = incumbentRead ? figures('i', comparedIncumbent(rollout)) : lastIncumbentFigures(rollout);
  return {
    challenger: figures('c', rollout.challengerVariant),
    incumbent: incumbent ?? figures('i', comparedIncumbent(rollout)),
  };
}

function defined<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

function errorRateCheck(limit: number, challenger: VariantFigures, incumbent: VariantFigures): AnalysisCheck {
  const metric = '5XX error rate';
  const limitWords = `+${(limit * 100).toFixed(2)} points at most`;
  const rate = (figures: VariantFigures) =>
    figures.invocations !== undefined && figures.invocations > 0 && figures.errors5xx !== undefined
      ? figures.errors5xx / figures.invocations
      : undefined;
  const ours = rate(challenger);
  const theirs = rate(incumbent);
  if (ours === undefined || theirs === undefined) {
    return noData(metric, limitWords, ours === undefined ? 'the challenger' : 'the incumbent');
  }
  const increase = ours - theirs;
  // A rounding margin, so that equal rates computed differently never fail.
  const verdict = increase > limit + 1e-12 ? 'fail' : 'pass';
  const sign = increase >= 0 ? '+' : '-';
  return {
    metric,
    challenger: ours,
    incumbent: theirs,
    limit: limitWords,
    verdict,
    words: `${metric} ${percent(ours)} against the incumbent's ${percent(theirs)} (${sign}${Math.abs(increase * 100).toFixed(2)} points, limit +${(limit * 100).toFixed(2)})`,
  };
}

/** A check that cannot be judged: missing data never passes. */
function noData(metric: string, limit: string, whose: string): AnalysisCheck {
  return { metric, limit, verdict: 'no data', words: `${metric}: no data for ${whose}` };
}

function latencyCheck(
  limit: number,
  statistic: string,
  challenger: VariantFigures,
  incumbent: VariantFigures,
): AnalysisCheck {
  const metric = `ModelLatency ${statistic}`;
  const limitWords = `+${limit}% at most`;
  const ours = challenger.latency;
  const theirs = incumbent.latency;
  // A latency of 0 µs is no measurement: nothing to compare in percent.
  if (ours === undefined || theirs === undefined || theirs <= 0) {
    return noData(metric, limitWords, ours === undefined ? 'the challenger' : 'the incumbent');
  }
  const increase = ((ours - theirs) / theirs) * 100;
  const sign = increase >= 0 ? '+' : '-';
  return {
    metric,
    challenger: ours,
    incumbent: theirs,
    limit: limitWords,
    verdict: increase > limit + 1e-9 ? 'fail' : 'pass',
    words: `${metric} ${milliseconds(ours)} against the incumbent's ${milliseconds(theirs)} (${sign}${Math.abs(increase).toFixed(1)}%, limit +${limit}%)`,
  };
}

function customCheck(
  policy: CustomMetricPolicy,
  ours: number | null | undefined,
  theirs: number | null | undefined,
): AnalysisCheck {
  const metric = `${policy.namespace} ${policy.name} ${policy.statistic}`;
  const better = policy.direction === 'higher-is-better' ? 'higher' : 'lower';
  const limitWords = `${plain(policy.limit)} worse at most (${better} is better)`;
  if (ours === null || ours === undefined || theirs === null || theirs === undefined) {
    return noData(metric, limitWords, ours === null || ours === undefined ? 'the challenger' : 'the incumbent');
  }
  const worse = policy.direction === 'lower-is-better' ? ours - theirs : theirs - ours;
  const how = worse > 0 ? `${plain(worse)} worse` : worse < 0 ? `${plain(-worse)} better` : 'equal';
  return {
    metric,
    challenger: ours,
    incumbent: theirs,
    limit: limitWords,
    verdict: worse > policy.limit + 1e-12 ? 'fail' : 'pass',
    words: `${metric} ${plain(ours)} against the incumbent's ${plain(theirs)} (${how}, limit ${plain(policy.limit)} worse)`,
  };
}

/** Every check of the policy on what was read, and the verdict. */
export function judgeAnalysis(
  analysis: AnalysisPolicy,
  reading: AnalysisReading,
  decides: Decides = 'step',
): Pick<AnalysisResult, 'verdict' | 'checks' | 'summary' | 'method'> {
  const { challenger, incumbent } = reading;
  const ours = challenger.invocations ?? 0;
  const theirs = incumbent.invocations ?? 0;
  // Both sides: a rate from ten invocations of the incumbent says nothing about it.
  const enough = ours >= analysis.minInvocations && theirs >= analysis.minInvocations;
  const traffic: AnalysisCheck = {
    metric: 'invocations',
    challenger: ours,
    incumbent: theirs,
    limit: `${analysis.minInvocations} at least, each`,
    verdict: enough ? 'pass' : 'no data',
    words: `invocations: ${ours} of the new version and ${theirs} of the incumbent, each needs ${analysis.minInvocations}`,
  };
  if (analysis.method === 'sequential') {
    const judged = judgeSequential(analysis, reading.series ?? { challenger: [], incumbent: [] }, decides);
    return {
      method: 'sequential',
      verdict: judged.verdict,
      summary: judged.summary,
      checks: [traffic, ...judged.checks],
    };
  }
  const checks: AnalysisCheck[] = [traffic];
  if (analysis.maxErrorRateIncrease !== undefined)
    checks.push(errorRateCheck(analysis.maxErrorRateIncrease, challenger, incumbent));
  if (analysis.maxLatencyIncreasePercent !== undefined)
    checks.push(latencyCheck(analysis.maxLatencyIncreasePercent, analysis.latencyStatistic, challenger, incumbent));
  analysis.metrics.forEach((metric, index) => {
    checks.push(customCheck(metric, challenger.custom[index], incumbent.custom[index]));
  });
  // Too little traffic says nothing yet, whatever the rates: the step waits for more.
  const method = 'threshold';
  if (!enough) return { method, verdict: 'wait', checks, summary: `waiting for ${traffic.words}` };
  const failed = checks.filter((check) => check.verdict === 'fail');
  if (failed.length > 0)
    return {
      method,
      verdict: 'fail',
      checks,
      summary: `analysis failed: ${failed.map((check) => check.words).join('; ')}`,
    };
  const missing = checks.filter((check) => check.verdict === 'no data');
  if (missing.length > 0)
    return {
      method,
      verdict: 'wait',
      checks,
      summary: `waiting for data: ${missing.map((check) => check.words).join('; ')}`,
    };
  return { method, verdict: 'pass', checks, summary: 'analysis passed: every check within its limit' };
}

function shown(check: AnalysisCheck, value: number | undefined): string {
  if (value === undefined) return 'no data';
  if (check.metric.endsWith('error rate')) return percent(value);
  if (check.metric.startsWith('ModelLatency')) return milliseconds(value);
  return plain(value);
}

/** Both variants' figures side by side, as the notice and `rollout status` show them. */
export function analysisReport(result: AnalysisResult): string {
  const { challenger, incumbent } = result;
  const window = (figures: VariantFigures) =>
    `${figures.window.start.slice(11, 16)}–${figures.window.end.slice(11, 16)}`;
  const sequential = result.method === 'sequential';
  const rows = [
    [
      'check',
      `${challenger.variant} (new)`,
      `${incumbent.variant} (incumbent)`,
      'limit',
      ...(sequential ? ['evidence'] : []),
      'verdict',
    ],
    ...result.checks.map((check) => [
      check.metric,
      shown(check, check.challenger),
      shown(check, check.incumbent),
      check.limit,
      ...(sequential ? [check.evidence ?? ''] : []),
      check.verdict,
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
  const windows =
    challenger.window.start === incumbent.window.start
      ? `window ${window(challenger)} UTC`
      : `windows ${window(challenger)} (new), ${window(incumbent)} (incumbent) UTC`;
  // A sequential test's verdict in a sentence each: values, statistic and bound.
  const sentences = sequential ? result.checks.slice(1).map((check) => `- ${check.words}`) : [];
  const how = sequential ? [`sequential tests, anytime-valid (docs/how-it-works.md: Evidence that holds up)`] : [];
  return [`${windows}`, ...how, ...lines, ...sentences, result.summary].join('\n');
}

/** An A/B test's verdict as the notice gives it: what was decided, what happens now, then the report. */
export function abTestVerdict(result: AnalysisResult, consequence: string): string {
  const { challenger, incumbent } = result;
  const decided =
    result.verdict === 'pass'
      ? `${challenger.variant} held up against ${incumbent.variant} on every check.`
      : `${challenger.variant} did worse than ${incumbent.variant}: ${result.summary.replace(/^analysis failed: /, '')}.`;
  return `${decided} ${consequence}\n\n${analysisReport(result)}`;
}
