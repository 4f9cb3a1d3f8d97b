import { describeInferenceComponent } from '#shared/aws/inference-components.ts';
import { describeEndpoint, listTags } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { observeAlarms, observePipeline, ownerOf, readPackageContainers } from '../shared-reads.ts';
import type { KnownAlarms } from '../target.ts';
import { componentTarget } from './decisions.ts';

/**
 * Starting: the shared endpoint (and whose it is), the package's containers and the component. Every later
 * phase: the component alone, and the alarms. The endpoint itself is never changed.
 */
export async function observe(
  rollout: Rollout,
  group: GroupPolicy,
  settings: Settings,
  knownAlarms: KnownAlarms,
): Promise<Observed> {
  if (rollout.phase === 'AwaitingPipeline') return observePipeline(rollout, group);
  const target = componentTarget(group);
  const alarms = await observeAlarms(rollout, knownAlarms);
  const inferenceComponent = await describeInferenceComponent(target.componentName);
  if (rollout.phase !== 'Starting') return { endpoint: undefined, ...alarms, inferenceComponent };
  const [endpoint, packageContainers] = await Promise.all([
    describeEndpoint(target.endpointName),
    readPackageContainers(rollout.packageArn),
  ]);
  const tags = endpoint === undefined ? [] : await listTags(endpoint.arn);
  const endpointOwner = ownerOf(tags, settings.stackName);
  return {
    endpoint,
    ...alarms,
    inferenceComponent,
    ...(packageContainers === undefined ? {} : { packageContainers }),
    ...(endpoint === undefined
      ? {}
      : {
          incumbent: {
            endpointOwner,
            config: { variants: [], shadowVariants: [], settings: {}, tags: [] },
            models: {},
          },
        }),
  };
}
