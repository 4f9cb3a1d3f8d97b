import { readScaling } from '#shared/aws/autoscaling.ts';
import { readAlarms } from '#shared/aws/cloudwatch.ts';
import { readPipelineExecutionStatus } from '#shared/aws/codepipeline.ts';
import { describeEndpoint, describeEndpointConfig, describeModel, listTags } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import {
  type AlarmReading,
  type DescribedModel,
  type Observed,
  type ObservedEndpoint,
  type ObservedIncumbent,
  observationKind,
} from '#shared/rollout/observed-state.ts';
import type { Rollout, Tag } from '#shared/rollout/rollout-state.ts';
import { stackTagKey } from '#shared/rollout/stack-ownership.ts';

/** Alarm states read ahead for many rollouts: what was asked, and what CloudWatch has of it. */
export interface AlarmStates {
  readonly asked: ReadonlySet<string>;
  readonly readings: Readonly<Record<string, AlarmReading>>;
}

/** Reads these alarms' states in batches of 100, for every rollout of a tick at once. */
export async function readAlarmStates(alarmNames: readonly string[]): Promise<AlarmStates> {
  const asked = new Set(alarmNames);
  return { asked, readings: await readAlarms([...asked]) };
}

function ownerOf(tags: readonly Tag[], stackName: string): ObservedIncumbent['endpointOwner'] {
  const owner = tags.find((tag) => tag.Key === stackTagKey)?.Value;
  if (owner === undefined) return { kind: 'untagged' };
  return owner === stackName ? { kind: 'this stack' } : { kind: 'another stack', stackName: owner };
}

/**
 * What serves now: whose the endpoint is (its tags), its config with its tags, its variants' models with
 * theirs, and their auto scaling.
 */
async function observeIncumbent(endpoint: ObservedEndpoint, endpointName: string, stackName: string) {
  const [config, endpointTags] = await Promise.all([
    describeEndpointConfig(endpoint.configName),
    listTags(endpoint.arn),
  ]);
  const modelNames = [...new Set(config.variants.flatMap((variant) => (variant.ModelName ? [variant.ModelName] : [])))];
  const [models, scaling] = await Promise.all([
    Promise.all(modelNames.map(async (name) => [name, await describeModel(name)] as const)),
    readScaling(
      endpointName,
      config.variants.map((variant) => variant.VariantName),
    ),
  ]);
  const incumbent: ObservedIncumbent = {
    endpointOwner: ownerOf(endpointTags, stackName),
    config,
    models: Object.fromEntries(models) as Record<string, DescribedModel | undefined>,
  };
  return { incumbent, scaling };
}

/**
 * Reads what the decision needs for the rollout's phase, and no more: the endpoint and the watched
 * alarms; the incumbent config, models and auto scaling when a rollout starts; the auto scaling when it
 * finalizes or rolls back; the delivery pipeline while waiting for it. `knownAlarms` (from an alarm
 * event) win over what DescribeAlarms says, being newer.
 */
export async function observe(
  rollout: Rollout,
  group: GroupPolicy,
  stackName: string,
  alarmsKnown: { alarmEvent?: Readonly<Record<string, AlarmReading>>; alarmStates?: AlarmStates } = {},
): Promise<Observed> {
  const knownAlarms = alarmsKnown.alarmEvent ?? {};
  const kind = observationKind(rollout.phase);
  if (kind === 'pipeline') {
    const pipelineName = group.deliveryPipeline?.name;
    const pipelineStatus =
      pipelineName !== undefined && rollout.pipelineExecutionId !== undefined
        ? await readPipelineExecutionStatus(pipelineName, rollout.pipelineExecutionId)
        : undefined;
    return { endpoint: undefined, alarms: {}, pipelineStatus };
  }
  // An alarm event that already says ALARM decides the step (a rollback): no need to ask CloudWatch.
  const alarmKnownFiring = rollout.watchedAlarms.some((name) => knownAlarms[name]?.state === 'ALARM');
  const variantNames = [...rollout.incumbentVariants.map((variant) => variant.VariantName), rollout.challengerVariant];
  // A tick reads every rollout's alarms in batches before reconciling: only alarms it did not ask
  // about (a rollout started in this tick) are read here.
  const prefetched = alarmsKnown.alarmStates;
  const unread = rollout.watchedAlarms.filter((name) => !prefetched?.asked.has(name));
  const [endpoint, described, scaling] = await Promise.all([
    describeEndpoint(rollout.endpointName),
    alarmKnownFiring
      ? Promise.resolve<Record<string, AlarmReading>>({})
      : (unread.length > 0 ? readAlarms(unread) : Promise.resolve({})).then(
          (read): Record<string, AlarmReading> => ({
            ...prefetched?.readings,
            ...read,
          }),
        ),
    kind === 'scaling' ? readScaling(rollout.endpointName, variantNames) : Promise.resolve(undefined),
  ]);
  const starting =
    kind === 'incumbent' && endpoint !== undefined
      ? await observeIncumbent(endpoint, rollout.endpointName, stackName)
      : undefined;
  const readings = Object.entries({ ...described, ...knownAlarms });
  return {
    endpoint,
    alarms: Object.fromEntries(readings.map(([name, reading]) => [name, reading.state])),
    ...(alarmKnownFiring ? { alarmsPartial: true } : {}),
    alarmReasons: Object.fromEntries(
      readings.flatMap(([name, reading]) => (reading.reason ? [[name, reading.reason]] : [])),
    ),
    ...(starting === undefined ? {} : starting),
    ...(scaling === undefined ? {} : { scaling }),
  };
}
