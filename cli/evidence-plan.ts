// `rollout plan-evidence <group>`: how long a sequential analysis will take at the endpoint's recent traffic,
// before anything is deployed. Reads the endpoint's per-variant metrics minute by minute (one GetMetricData
// call) and hands them to the pure planner (shared/rollout/evidence-planner.ts).

import { describeEndpoint } from '#shared/aws/sagemaker-endpoints.ts';
import { readMetricSeries } from '#shared/aws/variant-metrics.ts';
import { BadInputError } from '#shared/errors.ts';
import type { Policy } from '#shared/policy/policy-document.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { MetricQuery, MinuteValues } from '#shared/rollout/analysis.ts';
import {
  type EvidencePlan,
  evidencePlanLines,
  planEvidence,
  type RecentTraffic,
} from '#shared/rollout/evidence-planner.ts';

const minute = 60_000;

/** The group's policy, if it can be planned: a configured group whose analysis is sequential. */
export function plannedGroup(policy: Policy, groupName: string): GroupPolicy & { endpointName: string } {
  const group = policy.group(groupName);
  if (group === undefined)
    throw new BadInputError(`group ${groupName}: not configured in the policy (${policy.lookup(groupName).kind})`);
  const analysis = group.rollout.analysis;
  if (analysis === undefined || analysis.method !== 'sequential')
    throw new BadInputError(
      `group ${groupName}: its rollout has no sequential analysis (rollout.analysis.method sequential) to plan`,
    );
  if (group.endpointName === undefined) throw new BadInputError(`group ${groupName}: has no endpointName`);
  return { ...group, endpointName: group.endpointName };
}

function queries(endpointName: string, variants: readonly string[], latencyStatistic: string): MetricQuery[] {
  return variants.flatMap((variant, index) => {
    const dimensions = [
      { Name: 'EndpointName', Value: endpointName },
      { Name: 'VariantName', Value: variant },
    ];
    const query = (id: string, metricName: string, stat: string): MetricQuery => ({
      id: `v${index}${id}`,
      namespace: 'AWS/SageMaker',
      metricName,
      dimensions,
      stat,
    });
    return [
      query('invocations', 'Invocations', 'Sum'),
      query('errors', 'Invocation5XXErrors', 'Sum'),
      query('clienterrors', 'Invocation4XXErrors', 'Sum'),
      query('latency', 'ModelLatency', latencyStatistic),
    ];
  });
}

/**
 * The endpoint's traffic over the window, all variants together: invocations a minute (a minute without a
 * datapoint served none), the error rates, and how much ln(latency) of the variant that served most varies
 * from minute to minute.
 */
export function recentTraffic(values: MinuteValues, variantCount: number, minutes: number): RecentTraffic {
  const sum = (suffix: string) => {
    let total = 0;
    for (let index = 0; index < variantCount; index += 1)
      for (const value of Object.values(values[`v${index}${suffix}`] ?? {})) total += value;
    return total;
  };
  const invocations = sum('invocations');
  const busiest = [...Array(variantCount).keys()].reduce(
    (best, index) =>
      Object.values(values[`v${index}invocations`] ?? {}).reduce((a, b) => a + b, 0) >
      Object.values(values[`v${best}invocations`] ?? {}).reduce((a, b) => a + b, 0)
        ? index
        : best,
    0,
  );
  const logs = Object.values(values[`v${busiest}latency`] ?? {})
    .filter((value) => value > 0)
    .map(Math.log);
  const mean = logs.reduce((a, b) => a + b, 0) / Math.max(1, logs.length);
  const spread =
    logs.length < 2
      ? undefined
      : Math.sqrt(logs.reduce((total, log) => total + (log - mean) ** 2, 0) / (logs.length - 1));
  return {
    minutes,
    invocationsPerMinute: invocations / minutes,
    ...(invocations > 0
      ? { errorRate5xx: sum('errors') / invocations, errorRate4xx: sum('clienterrors') / invocations }
      : {}),
    ...(spread === undefined ? {} : { latencyLogSpread: spread }),
  };
}

/** Reads the endpoint's last `hours` and plans the group's rollout on it. */
export async function planGroupEvidence(
  policy: Policy,
  groupName: string,
  hours: number,
  now: Date,
): Promise<{ plan: EvidencePlan; lines: string[] }> {
  const group = plannedGroup(policy, groupName);
  const analysis = group.rollout.analysis;
  if (analysis === undefined) throw new BadInputError(`group ${groupName}: no analysis`);
  const endpoint = await describeEndpoint(group.endpointName);
  if (endpoint === undefined)
    throw new BadInputError(
      `endpoint ${group.endpointName} of group ${groupName} does not exist: nothing to read its traffic from`,
    );
  const variants = endpoint.variants.map((variant) => variant.VariantName);
  const end = new Date(Math.floor(now.getTime() / minute) * minute);
  const minutes = Math.round(hours * 60);
  const start = new Date(end.getTime() - minutes * minute);
  const read = {
    start: start.toISOString(),
    end: end.toISOString(),
    perMinute: true as const,
    queries: queries(group.endpointName, variants, analysis.latencyStatistic),
  };
  const traffic = recentTraffic(await readMetricSeries([read]), variants.length, minutes);
  const plan = planEvidence(analysis, group.rollout, traffic);
  return { plan, lines: evidencePlanLines(groupName, plan) };
}
