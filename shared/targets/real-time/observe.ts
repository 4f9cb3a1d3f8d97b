import { readScaling } from '#shared/aws/autoscaling.ts';
import { describeEndpoint, describeEndpointConfig, describeModel, listTags } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import {
  type DescribedModel,
  type Observed,
  type ObservedEndpoint,
  type ObservedIncumbent,
  observationKind,
} from '#shared/rollout/observed-state.ts';
import type { Rollout, Tag } from '#shared/rollout/rollout-state.ts';
import { stackTagKey } from '#shared/rollout/stack-ownership.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { observeAlarms, observePipeline } from '../shared-reads.ts';
import type { KnownAlarms } from '../target.ts';

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
 * finalizes or rolls back; the delivery pipeline while waiting for it.
 */
export async function observe(
  rollout: Rollout,
  group: GroupPolicy,
  settings: Settings,
  knownAlarms: KnownAlarms,
): Promise<Observed> {
  const kind = observationKind(rollout.phase);
  if (kind === 'pipeline') return observePipeline(rollout, group);
  const variantNames = [...rollout.incumbentVariants.map((variant) => variant.VariantName), rollout.challengerVariant];
  const [endpoint, alarms, scaling] = await Promise.all([
    describeEndpoint(rollout.endpointName),
    observeAlarms(rollout, knownAlarms),
    kind === 'scaling' ? readScaling(rollout.endpointName, variantNames) : Promise.resolve(undefined),
  ]);
  const starting =
    kind === 'incumbent' && endpoint !== undefined
      ? await observeIncumbent(endpoint, rollout.endpointName, settings.stackName)
      : undefined;
  return {
    endpoint,
    ...alarms,
    ...(starting === undefined ? {} : starting),
    ...(scaling === undefined ? {} : { scaling }),
  };
}
