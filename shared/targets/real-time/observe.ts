import { readScaling } from '#shared/aws/autoscaling.ts';
import { describeEndpoint } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import {
  type Observed,
  type ObservedEndpoint,
  type ObservedIncumbent,
  observationKind,
} from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import {
  observeAlarms,
  observePipeline,
  readModelsOf,
  readPackageContainers,
  readServingConfig,
} from '../shared-reads.ts';
import type { KnownAlarms } from '../target.ts';

/**
 * What serves now: whose the endpoint is (its tags), its config with its tags, its variants' models with
 * theirs, and their auto scaling.
 */
async function observeIncumbent(endpoint: ObservedEndpoint, endpointName: string, stackName: string) {
  const { config, endpointOwner } = await readServingConfig(endpoint, stackName);
  const [models, scaling] = await Promise.all([
    readModelsOf(config),
    readScaling(
      endpointName,
      config.variants.map((variant) => variant.VariantName),
    ),
  ]);
  const incumbent: ObservedIncumbent = { endpointOwner, config, models };
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
  const [endpoint, alarms, scaling, packageContainers] = await Promise.all([
    describeEndpoint(rollout.endpointName),
    observeAlarms(rollout, knownAlarms),
    kind === 'scaling' ? readScaling(rollout.endpointName, variantNames) : Promise.resolve(undefined),
    // Starting: a package of several containers becomes a pipeline model.
    kind === 'incumbent' ? readPackageContainers(rollout.packageArn) : Promise.resolve(undefined),
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
    ...(packageContainers === undefined ? {} : { packageContainers }),
  };
}
