import { CloudWatchClient, type MetricDatum, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { InvokeEndpointCommand } from '@aws-sdk/client-sagemaker-runtime';
import { sagemakerRuntime } from '#shared/aws/invocations.ts';

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

// -- traffic through the emulator ----------------------------------------------------------------------------------

/** What `count` invocations of an endpoint met. */
export interface InvocationTally {
  /** Calls answered, by the production variant that served them (InvokeEndpoint's InvokedProductionVariant). */
  readonly served: Readonly<Record<string, number>>;
  /** Calls whose model answered an error (ModelError): the answer does not say which variant it was. */
  readonly failed: number;
}

export interface InvocationOptions {
  /** TargetVariant: every call to this production variant, whatever the weights. */
  readonly targetVariant?: string;
  readonly payload?: string;
  readonly contentType?: string;
}

/** Calls in flight at once: the emulator answers one at a time, this only hides the round trips. */
const invocationsInFlight = 8;

/**
 * Invokes the endpoint `count` times through SageMaker Runtime, as a client application does, and counts where
 * the calls went. SageMaker spreads them over the production variants by weight and copies each to the shadow
 * variants (whose answers nobody sees); against the emulator the spread is exact and every call publishes the
 * variants' invocation metrics. Errors other than a model's (an unknown endpoint or TargetVariant) are thrown.
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
 */
export async function invokeEndpointTimes(
  endpointName: string,
  count: number,
  options: InvocationOptions = {},
): Promise<InvocationTally> {
  const served: Record<string, number> = {};
  let failed = 0;
  let started = 0;
  const { client } = await sagemakerRuntime();
  const invokeOne = async (): Promise<void> => {
    try {
      const answer = await client.send(
        new InvokeEndpointCommand({
          EndpointName: endpointName,
          TargetVariant: options.targetVariant,
          ContentType: options.contentType ?? 'text/csv',
          Body: new TextEncoder().encode(options.payload ?? '1'),
        }),
      );
      const variant = answer.InvokedProductionVariant ?? '(not named)';
      served[variant] = (served[variant] ?? 0) + 1;
    } catch (error) {
      if ((error as Error).name !== 'ModelError') throw error;
      failed += 1;
    }
  };
  const worker = async (): Promise<void> => {
    while (started < count) {
      started += 1;
      await invokeOne();
    }
  };
  await Promise.all(Array.from({ length: Math.min(invocationsInFlight, count) }, worker));
  return { served, failed };
}

/** How a variant's model answers from now on (the emulator's POST /_emulator/variant-behaviour). */
export interface VariantBehaviour {
  readonly endpointName: string;
  readonly variantName: string;
  /** Share of calls the model answers 5xx, spread evenly: 0.05 fails exactly 50 calls of 1,000. */
  readonly errorRate?: number;
  /** Share of calls the model answers 4xx. */
  readonly clientErrorRate?: number;
  /** The ModelLatency the variant reports, in microseconds (the answers themselves are not delayed). */
  readonly latencyMicros?: number;
}

/**
 * Makes one variant of an endpoint slower or failing on real traffic in the emulator (a production variant's
 * errors reach its callers as ModelError, a shadow's show only in its metrics); rates of 0 and no latency put it
 * back. `emulatorUrl` defaults to AWS_ENDPOINT_URL, where the local tools point the SDK.
 */
export async function setVariantBehaviour(
  behaviour: VariantBehaviour,
  emulatorUrl = process.env.AWS_ENDPOINT_URL,
): Promise<void> {
  if (emulatorUrl === undefined || emulatorUrl === '') {
    throw new Error('setVariantBehaviour drives the local emulator: set AWS_ENDPOINT_URL or pass its URL');
  }
  const response = await fetch(`${emulatorUrl}/_emulator/variant-behaviour`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(behaviour),
  });
  if (!response.ok) {
    throw new Error(`POST /_emulator/variant-behaviour answered ${response.status}: ${await response.text()}`);
  }
}
