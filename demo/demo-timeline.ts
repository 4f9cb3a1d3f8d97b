// How the demo prints what happens: one line per event with the rollout's phase, each variant's
// instances and share of the traffic, and the watched alarms; quiet ticks folded into one line.
import {
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { autoscaling } from '#shared/aws/autoscaling.ts';
import { readAlarms } from '#shared/aws/cloudwatch.ts';
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import { sagemaker } from '#shared/aws/sagemaker.ts';

export interface Timeline {
  /** The rollout's key: its endpoint, or <endpoint>/<group> and batch/<group> for groups without one. */
  readonly endpointName: string;
  readonly tableName: string;
  readonly clock: () => string;
  /** What the target column shows; by default the endpoint's variants, instances and traffic. */
  readonly describeTarget?: () => Promise<string>;
}

function percentages(weights: readonly (number | undefined)[]): number[] {
  const total = weights.reduce<number>((sum, weight) => sum + (weight ?? 0), 0) || 1;
  return weights.map((weight) => Math.round(((weight ?? 0) / total) * 100));
}

/** Each variant's instances × share it serves now, and where an update in flight takes the shares. */
export async function trafficSplit(endpointName: string): Promise<string> {
  const endpoint = await sagemaker
    .send(new DescribeEndpointCommand({ EndpointName: endpointName }))
    .catch(() => undefined);
  if (endpoint === undefined) return 'no endpoint';
  const variants = endpoint.ProductionVariants ?? [];
  const current = percentages(variants.map((variant) => variant.CurrentWeight));
  const desired = percentages(variants.map((variant) => variant.DesiredWeight ?? variant.CurrentWeight));
  // A serverless variant has no instances: its memory stands in their place.
  const size = (variant: (typeof variants)[number]) =>
    variant.CurrentServerlessConfig === undefined
      ? `${variant.CurrentInstanceCount ?? '?'}`
      : `serverless ${variant.CurrentServerlessConfig.MemorySizeInMB} MB `;
  const split = variants
    .map((variant, index) => `${variant.VariantName} ${size(variant)}×${current[index]}%`)
    .join(', ');
  // A deployment SageMaker carries out (guardrails): where it goes, and how far it got.
  const pending = endpoint.PendingDeploymentSummary;
  const stage = pending?.ProductionVariants?.[0]?.VariantStatus?.[0]?.Status;
  const deploying =
    pending === undefined ? '' : ` -> ${pending.EndpointConfigName}${stage === undefined ? '' : ` (${stage})`}`;
  const moving = desired.some((share, index) => share !== current[index]) ? ` -> ${desired.join('/')}` : '';
  const adding = variants
    .filter((variant) => (variant.DesiredInstanceCount ?? 0) > (variant.CurrentInstanceCount ?? 0))
    .map(
      (variant) =>
        ` +${(variant.DesiredInstanceCount ?? 0) - (variant.CurrentInstanceCount ?? 0)} ${variant.VariantName}`,
    )
    .join('');
  return `${endpoint.EndpointStatus?.padEnd(9)} ${split}${moving}${adding}${deploying}`;
}

const stateNames: Record<string, string> = { OK: 'OK', ALARM: 'ALARM', INSUFFICIENT_DATA: 'no-data' };

async function alarmSummary(timeline: Timeline): Promise<string> {
  const { rollout } = await readEndpointState(timeline.tableName, timeline.endpointName);
  if (rollout === undefined || rollout.watchedAlarms.length === 0) return '';
  const states = await readAlarms(rollout.watchedAlarms);
  return rollout.watchedAlarms
    .map((name) => {
      const state = states[name]?.state;
      return `${name.replace(`sagemaker-rollout-${timeline.endpointName}-`, '')}=${state ? stateNames[state] : 'missing'}`;
    })
    .join(' ');
}

/** Ticks that only bake or wait for SageMaker are folded into one line, so the timeline shows the moves. */
const quiet =
  /\((baking: [1-9]\d* of \d+ min|A\/B test at \d+%: \d+ of \d+ min(?:; so far: analysis passed: every check within its limit)?|waiting: the endpoint is Updating|waiting: SageMaker is deploying \(the endpoint is Updating\)|waiting: job \S+ is InProgress)\)$/;

export function timelinePrinter(timeline: Timeline) {
  let folded: { from: string; to: string; count: number; what: string } | undefined;
  const flush = () => {
    if (folded === undefined) return;
    const when = folded.count === 1 ? `${folded.from}      ` : `${folded.from}-${folded.to}`;
    console.log(`${when}  ${folded.count} tick${folded.count === 1 ? '' : 's'}: ${folded.what}`);
    folded = undefined;
  };
  return {
    header(column = 'endpoint: instances × traffic') {
      console.log(`time   ${'event'.padEnd(18)} ${'rollout'.padEnd(16)} ${column.padEnd(74)} alarms`);
    },
    async show(what: string, outcome: string): Promise<void> {
      const at = timeline.clock().slice(11, 16);
      const quietMatch = quiet.exec(outcome);
      if (quietMatch !== null) {
        const kind = quietMatch[1]?.startsWith('baking')
          ? 'baking, no alarm firing'
          : quietMatch[1]?.startsWith('A/B')
            ? 'the A/B split holds, no check failing'
            : quietMatch[1]?.includes('SageMaker')
              ? 'SageMaker bakes its stage, no alarm firing'
              : quietMatch[1]?.includes('job')
                ? 'the transform job runs'
                : 'the endpoint stays Updating';
        if (folded !== undefined && folded.what !== kind) flush();
        folded =
          folded === undefined
            ? { from: at, to: at, count: 1, what: kind }
            : { ...folded, to: at, count: folded.count + 1 };
        return;
      }
      flush();
      const { rollout } = await readEndpointState(timeline.tableName, timeline.endpointName);
      const phase = rollout === undefined ? '-' : `v${rollout.packageVersion} ${rollout.phase}`;
      const traffic = (await (timeline.describeTarget ?? (() => trafficSplit(timeline.endpointName)))()).padEnd(74);
      console.log(`${at}  ${what.padEnd(18)} ${phase.padEnd(16)} ${traffic} ${await alarmSummary(timeline)}`);
      console.log(`       ${''.padEnd(18)} -> ${outcome}`);
    },
    section(title: string) {
      flush();
      console.log(`\n== ${title}`);
    },
    /** A line of what happened outside the stack (SageMaker's own steps), at the story's time. */
    note(text: string) {
      flush();
      console.log(`${timeline.clock().slice(11, 16)}  ${text}`);
    },
  };
}

/** `a.b[0].c = value` for every leaf of an object, the way the config comparison lists fields. */
function leaves(value: unknown, path = ''): [string, string][] {
  if (Array.isArray(value)) return value.flatMap((item, index) => leaves(item, `${path}[${index}]`));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, path === '' ? key : `${path}.${key}`));
  }
  return [[path, String(value)]];
}

/** What one side of a comparison shows: DescribeEndpointConfig or DescribeModel without its identity, and the tags. */
export interface Described {
  readonly name: string;
  readonly fields: object;
  readonly tags?: readonly { Key?: string; Value?: string }[];
}

/** Two configs or models side by side, field by field, with the fields that differ marked. */
export function compareSideBySide(left: Described, right: Described): string[] {
  const fields = (described: Described) => {
    const { $metadata, EndpointConfigName, EndpointConfigArn, ModelName, ModelArn, CreationTime, ...rest } =
      described.fields as Record<string, unknown>;
    const tags = Object.fromEntries((described.tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? '']));
    return new Map(leaves({ ...rest, ...(described.tags === undefined ? {} : { Tags: tags }) }));
  };
  const [leftName, rightName] = [left.name, right.name];
  const [a, b] = [fields(left), fields(right)];
  const names = [...new Set([...a.keys(), ...b.keys()])];
  const width = Math.max(...names.map((name) => name.length));
  return [
    `  ${''.padEnd(width)}  ${leftName.padEnd(48)} ${rightName}`,
    ...names.map((name) => {
      const [before, after] = [a.get(name) ?? '-', b.get(name) ?? '-'];
      return `${before === after ? ' ' : '*'} ${name.padEnd(width)}  ${before.padEnd(48)} ${after}`;
    }),
  ];
}

/** A variant's Application Auto Scaling registration, in a line. */
export async function scalingLine(endpointName: string, variantName: string): Promise<string> {
  const ResourceId = `endpoint/${endpointName}/variant/${variantName}`;
  const { client } = await autoscaling();
  const target = (
    await client.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker', ResourceIds: [ResourceId] }))
  ).ScalableTargets?.[0];
  if (target === undefined) return `${variantName}: not registered`;
  const policies =
    (await client.send(new DescribeScalingPoliciesCommand({ ServiceNamespace: 'sagemaker', ResourceId })))
      .ScalingPolicies ?? [];
  const described = policies.map((policy) => {
    const tracking = policy.TargetTrackingScalingPolicyConfiguration;
    const metric = tracking?.PredefinedMetricSpecification?.PredefinedMetricType ?? 'custom metric';
    return `${policy.PolicyName} (${policy.PolicyType}, ${metric} ${tracking?.TargetValue ?? ''})`;
  });
  return `${variantName}: min ${target.MinCapacity}, max ${target.MaxCapacity}; ${described.join('; ') || 'no policy'}`;
}
