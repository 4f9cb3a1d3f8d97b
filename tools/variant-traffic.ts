import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';

/** What one variant served each minute, as SageMaker reports it (per-variant metrics, one datum a minute). */
export interface MinuteOfTraffic {
  readonly invocations: number;
  readonly errors5xx?: number;
  /** ModelLatency of every request of the minute, in microseconds... */
  readonly latencyMicros?: number;
  /** ...but these few, slower: a tail that a percentile sees and an average hardly does. */
  readonly slowRequests?: { readonly count: number; readonly latencyMicros: number };
  /** A business metric the team publishes per variant, e.g. ConversionRate. */
  readonly conversionRate?: number;
}

const cloudwatch = new CloudWatchClient({});
const minute = 60_000;

/**
 * `minutes` minutes of SageMaker's per-variant metrics from `from` (half a minute in, as CloudWatch stamps a
 * minute's aggregate), and the team's conversion rate under Shop/Checkout.
 * https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html#cloudwatch-metrics-endpoint-invocation
 */
export async function publishVariantTraffic(
  endpointName: string,
  variantName: string,
  from: string,
  minutes: number,
  traffic: MinuteOfTraffic,
): Promise<void> {
  const Dimensions = [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variantName },
  ];
  for (let index = 0; index < minutes; index += 1) {
    const Timestamp = new Date(Date.parse(from) + index * minute + 30_000);
    const sageMaker: MetricDatum[] = [
      { MetricName: 'Invocations', Dimensions, Timestamp, Value: traffic.invocations, Unit: 'None' },
      ...(traffic.errors5xx === undefined
        ? []
        : [
            {
              MetricName: 'Invocation5XXErrors',
              Dimensions,
              Timestamp,
              Value: traffic.errors5xx,
              Unit: 'None' as const,
            },
          ]),
      ...(traffic.latencyMicros === undefined || traffic.invocations === 0
        ? []
        : [
            {
              MetricName: 'ModelLatency',
              Dimensions,
              Timestamp,
              ...latencies(traffic.invocations, traffic.latencyMicros, traffic.slowRequests),
              Unit: 'Microseconds' as const,
            },
          ]),
    ];
    await cloudwatch.send(new PutMetricDataCommand({ Namespace: 'AWS/SageMaker', MetricData: sageMaker }));
    if (traffic.conversionRate !== undefined) {
      await cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: 'Shop/Checkout',
          MetricData: [{ MetricName: 'ConversionRate', Dimensions, Timestamp, Value: traffic.conversionRate }],
        }),
      );
    }
  }
}

/** One minute's ModelLatency as SageMaker publishes it: each distinct value with how many requests took it. */
function latencies(invocations: number, latencyMicros: number, slow: MinuteOfTraffic['slowRequests']) {
  if (slow === undefined) return { Values: [latencyMicros], Counts: [invocations] };
  return { Values: [latencyMicros, slow.latencyMicros], Counts: [invocations - slow.count, slow.count] };
}

/** A start for a story's clock that CloudWatch still keeps minute data for: six hours before this hour. */
export function recentStart(): string {
  const hour = 3_600_000;
  return new Date(Math.floor(Date.now() / hour) * hour - 6 * hour).toISOString().replace('.000Z', 'Z');
}
