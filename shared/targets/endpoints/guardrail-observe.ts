import { readScaling } from '#shared/aws/autoscaling.ts';
import { describeEndpoint } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
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
 * The endpoint (with any deployment in flight) and the alarms; what serves, when the rollout starts, and on
 * instances its variant's auto scaling (SageMaker scales a serverless variant by itself).
 */
export async function observeForGuardrails(
  rollout: Rollout,
  group: GroupPolicy,
  settings: Settings,
  knownAlarms: KnownAlarms,
): Promise<Observed> {
  if (rollout.phase === 'AwaitingPipeline') return observePipeline(rollout, group);
  const [endpoint, alarms] = await Promise.all([
    describeEndpoint(rollout.endpointName),
    observeAlarms(rollout, knownAlarms),
  ]);
  if (rollout.phase !== 'Starting') return { endpoint, ...alarms };
  const packageContainers = await readPackageContainers(rollout.packageArn);
  const pipeline = packageContainers === undefined ? {} : { packageContainers };
  if (endpoint === undefined) return { endpoint, ...alarms, ...pipeline };
  const { config, endpointOwner } = await readServingConfig(endpoint, settings.stackName);
  const onInstances = config.variants.filter((variant) => variant.ServerlessConfig === undefined);
  const [models, scaling] = await Promise.all([
    readModelsOf(config),
    onInstances.length === 0
      ? Promise.resolve(undefined)
      : readScaling(
          rollout.endpointName,
          onInstances.map((variant) => variant.VariantName),
        ),
  ]);
  const incumbent = { endpointOwner, config, models };
  return { endpoint, ...alarms, ...pipeline, incumbent, ...(scaling === undefined ? {} : { scaling }) };
}
