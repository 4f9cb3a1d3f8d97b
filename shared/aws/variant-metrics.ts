import { GetMetricDataCommand, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { MetricRead, MinuteValues } from '#shared/rollout/analysis.ts';
import { cloudwatch } from './cloudwatch.ts';

const minute = 60_000;

/**
 * One period over the whole window, so each query yields one datapoint (an average or a percentile of the
 * window cannot be put together from shorter periods). Periods of a minute or more are multiples of 60 s.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_MetricStat.html
 */
export function periodCovering(start: string, end: string): number {
  const minutes = Math.max(1, Math.ceil((Date.parse(end) - Date.parse(start)) / minute));
  return minutes * 60;
}

/**
 * Every result of one read (one GetMetricData call, its pages followed) at one period. A call returns at most
 * 100,800 datapoints, so a rollout of a few hours minute by minute is one page.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_GetMetricData.html
 */
async function resultsOf(read: MetricRead, period: number): Promise<MetricDataResult[]> {
  const queries: MetricDataQuery[] = read.queries.map((query) => ({
    Id: query.id,
    MetricStat: {
      Metric: { Namespace: query.namespace, MetricName: query.metricName, Dimensions: [...query.dimensions] },
      Period: period,
      Stat: query.stat,
    },
    ReturnData: true,
  }));
  const results: MetricDataResult[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(read.start),
        EndTime: new Date(read.end),
        MetricDataQueries: queries,
        ScanBy: 'TimestampAscending',
        NextToken: nextToken,
      }),
    );
    results.push(...(page.MetricDataResults ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return results;
}

/**
 * The value of each query by id over its read's window: one GetMetricData call per read (the threshold
 * analysis asks for one, two when the incumbent's figures come from before its traffic moved). A query with
 * no datapoint is absent: missing data is not zero.
 */
export async function readMetrics(reads: readonly MetricRead[]): Promise<Record<string, number>> {
  const values: Record<string, number> = {};
  for (const read of reads) {
    const stats = new Map(read.queries.map((query) => [query.id, query.stat]));
    for (const result of await resultsOf(read, periodCovering(read.start, read.end))) {
      if (result.Id === undefined) continue;
      const combined = combine(stats.get(result.Id) ?? '', [
        ...(values[result.Id] === undefined ? [] : [values[result.Id] as number]),
        ...(result.Values ?? []),
      ]);
      if (combined !== undefined) values[result.Id] = combined;
    }
  }
  return values;
}

/**
 * Each query's values minute by minute (Period 60: SageMaker's endpoint metrics are per minute), keyed by the
 * minute's start; a minute with no datapoint is absent.
 */
export async function readMetricSeries(reads: readonly MetricRead[]): Promise<MinuteValues> {
  const values: Record<string, Record<string, number>> = {};
  for (const read of reads) {
    for (const result of await resultsOf(read, 60)) {
      if (result.Id === undefined) continue;
      const byMinute = values[result.Id] ?? {};
      values[result.Id] = byMinute;
      (result.Timestamps ?? []).forEach((timestamp, index) => {
        const value = result.Values?.[index];
        if (value !== undefined) byMinute[new Date(timestamp).toISOString()] = value;
      });
    }
  }
  return values;
}

/**
 * Datapoints of one query: one when the period covers the window. Should CloudWatch split it (a window
 * that its rounding of StartTime moves), counts add up; other statistics keep the first period's value.
 */
function combine(stat: string, datapoints: readonly number[]): number | undefined {
  if (datapoints.length === 0) return undefined;
  if (stat === 'Sum' || stat === 'SampleCount') return datapoints.reduce((sum, value) => sum + value, 0);
  if (stat === 'Minimum') return Math.min(...datapoints);
  if (stat === 'Maximum') return Math.max(...datapoints);
  return datapoints[0];
}
