// What every target reads the same way: the watched alarms' states (what a tick read ahead for all its
// rollouts in batches of 100, what an alarm's event said, newer than DescribeAlarms, and the rest read
// now), the delivery pipeline a rollout waits for, and the config and models that serve when one starts.
import { readAlarms } from '#shared/aws/cloudwatch.ts';
import { readPipelineExecutionStatus } from '#shared/aws/codepipeline.ts';
import { describeModelPackage } from '#shared/aws/sagemaker.ts';
import { describeEndpointConfig, describeModel, listTags } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type {
  AlarmReading,
  DescribedEndpointConfig,
  DescribedModel,
  Observed,
  ObservedEndpoint,
  ObservedIncumbent,
} from '#shared/rollout/observed-state.ts';
import type { Rollout, Tag } from '#shared/rollout/rollout-state.ts';
import { stackTagKey } from '#shared/rollout/stack-ownership.ts';
import type { KnownAlarms } from './target.ts';

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

/** The alarm part of an observation: states, reasons, and whether only the event's alarm is known. */
export type ObservedAlarms = Pick<Observed, 'alarms' | 'alarmsPartial' | 'alarmReasons' | 'alarmTransitions'>;

export async function observeAlarms(rollout: Rollout, known: KnownAlarms): Promise<ObservedAlarms> {
  const fromEvent = known.alarmEvent ?? {};
  // An alarm event that already says ALARM decides the step (a rollback): no need to ask CloudWatch.
  const firingByEvent = rollout.watchedAlarms.some((name) => fromEvent[name]?.state === 'ALARM');
  const prefetched = known.alarmStates;
  // A tick reads every rollout's alarms in batches before reconciling: only alarms it did not ask
  // about (a rollout started in this tick) are read here.
  const unread = rollout.watchedAlarms.filter((name) => !prefetched?.asked.has(name));
  const described = firingByEvent
    ? {}
    : { ...prefetched?.readings, ...(unread.length > 0 ? await readAlarms(unread) : {}) };
  const readings = Object.entries({ ...described, ...fromEvent });
  return {
    alarms: Object.fromEntries(readings.map(([name, reading]) => [name, reading.state])),
    ...(firingByEvent ? { alarmsPartial: true } : {}),
    alarmReasons: Object.fromEntries(
      readings.flatMap(([name, reading]) => (reading.reason ? [[name, reading.reason]] : [])),
    ),
    alarmTransitions: Object.fromEntries(
      readings.flatMap(([name, reading]) => (reading.transitionedAt ? [[name, reading.transitionedAt]] : [])),
    ),
  };
}

/** While AwaitingPipeline: the delivery pipeline's execution, nothing else. */
export async function observePipeline(rollout: Rollout, group: GroupPolicy): Promise<Observed> {
  const pipelineName = group.deliveryPipeline?.name;
  const pipelineStatus =
    pipelineName !== undefined && rollout.pipelineExecutionId !== undefined
      ? await readPipelineExecutionStatus(pipelineName, rollout.pipelineExecutionId)
      : undefined;
  return { endpoint: undefined, alarms: {}, pipelineStatus };
}

/**
 * A package's containers, in order: several make a pipeline model; the Environment of each decides which of
 * the incumbent's variables are carried (challenger-model.ts). Undefined when the package says nothing.
 */
export async function readPackageContainers(
  packageArn: string,
): Promise<readonly Readonly<Record<string, unknown>>[] | undefined> {
  const containers = (await describeModelPackage(packageArn))?.InferenceSpecification?.Containers ?? [];
  return containers.length > 0 ? containers.map((container) => ({ ...container })) : undefined;
}

/** Whose an endpoint is, by the stack's tag among its tags. */
export function ownerOf(tags: readonly Tag[], stackName: string): ObservedIncumbent['endpointOwner'] {
  const owner = tags.find((tag) => tag.Key === stackTagKey)?.Value;
  if (owner === undefined) return { kind: 'untagged' };
  return owner === stackName ? { kind: 'this stack' } : { kind: 'another stack', stackName: owner };
}

/** The endpoint's config with its tags, and whose the endpoint is by its own tags. */
export async function readServingConfig(
  endpoint: ObservedEndpoint,
  stackName: string,
): Promise<{ config: DescribedEndpointConfig; endpointOwner: ObservedIncumbent['endpointOwner'] }> {
  const [config, endpointTags] = await Promise.all([
    describeEndpointConfig(endpoint.configName),
    listTags(endpoint.arn),
  ]);
  return { config, endpointOwner: ownerOf(endpointTags, stackName) };
}

/** The models of the config's variants with their tags, by name (undefined: it does not exist). */
export async function readModelsOf(
  config: DescribedEndpointConfig,
): Promise<Record<string, DescribedModel | undefined>> {
  const names = [...new Set(config.variants.flatMap((variant) => (variant.ModelName ? [variant.ModelName] : [])))];
  return Object.fromEntries(await Promise.all(names.map(async (name) => [name, await describeModel(name)] as const)));
}
