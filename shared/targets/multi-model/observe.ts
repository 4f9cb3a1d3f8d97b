import { invokeTargetModel } from '#shared/aws/invocations.ts';
import { artifactExists } from '#shared/aws/model-artifacts.ts';
import { readParameter } from '#shared/aws/parameters.ts';
import { describeModelPackage } from '#shared/aws/sagemaker.ts';
import { describeEndpoint, listTags } from '#shared/aws/sagemaker-endpoints.ts';
import { type GroupPolicy, targetOf } from '#shared/policy/policy-schema.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { observeAlarms, observePipeline, ownerOf } from '../shared-reads.ts';
import type { KnownAlarms } from '../target.ts';
import { targetModelParameter } from './decisions.ts';

/**
 * Starting: the shared endpoint (and whose it is), the package's artifact, what clients use now. Deploying:
 * whether the copy landed, and the smoke test. Baking: the alarms alone. The endpoint itself is never changed.
 */
export async function observe(
  rollout: Rollout,
  group: GroupPolicy,
  settings: Settings,
  knownAlarms: KnownAlarms,
): Promise<Observed> {
  if (rollout.phase === 'AwaitingPipeline') return observePipeline(rollout, group);
  const target = targetOf(group);
  if (target.kind !== 'multi-model') throw new Error(`${rollout.endpointName}: not a multi-model group`);
  const alarms = await observeAlarms(rollout, knownAlarms);
  if (rollout.phase === 'Starting') {
    const [endpoint, modelPackage, published] = await Promise.all([
      describeEndpoint(target.endpointName),
      describeModelPackage(rollout.packageArn),
      readParameter(targetModelParameter(settings.parameterPrefix, rollout.groupName)),
    ]);
    const tags = endpoint === undefined ? [] : await listTags(endpoint.arn);
    const endpointOwner = ownerOf(tags, settings.stackName);
    const artifact = modelPackage?.InferenceSpecification?.Containers?.[0]?.ModelDataUrl;
    return {
      endpoint,
      ...alarms,
      ...(endpoint === undefined
        ? {}
        : {
            incumbent: {
              endpointOwner,
              config: { variants: [], shadowVariants: [], settings: {}, tags: [] },
              models: {},
            },
          }),
      ...(artifact === undefined ? {} : { modelArtifactUrl: artifact }),
      publishedTargetModel: published ?? null,
    };
  }
  if (rollout.phase === 'Deploying' && rollout.targetModel !== undefined) {
    const copied = await artifactExists(`${target.modelPrefix}${rollout.targetModel}`);
    const smokeTest =
      copied && target.smokeTest !== undefined
        ? await invokeTargetModel(
            target.endpointName,
            rollout.targetModel,
            target.smokeTest.payload,
            target.smokeTest.contentType,
          )
        : undefined;
    return {
      endpoint: undefined,
      ...alarms,
      artifactCopied: copied,
      ...(smokeTest === undefined ? {} : { smokeTest }),
    };
  }
  if (rollout.phase === 'RollingBack') {
    // A rollback counts as done only once clients are told the previous version again: read what they are told.
    const published = await readParameter(targetModelParameter(settings.parameterPrefix, rollout.groupName));
    return { endpoint: undefined, ...alarms, publishedTargetModel: published ?? null };
  }
  return { endpoint: undefined, ...alarms };
}
