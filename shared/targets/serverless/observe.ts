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

/** The endpoint (with any deployment in flight) and the alarms; what serves, when the rollout starts. No scaling: SageMaker scales serverless variants. */
export async function observe(
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
  return { endpoint, ...alarms, ...pipeline, incumbent: { endpointOwner, config, models: await readModelsOf(config) } };
}
