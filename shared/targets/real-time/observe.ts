import { readScaling } from '#shared/aws/autoscaling.ts';
import { describeEndpoint, describeModel } from '#shared/aws/sagemaker-endpoints.ts';
import { readMetricSeries, readMetrics } from '#shared/aws/variant-metrics.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { analysisDue, analysisReads, readingFrom, seriesReadingFrom } from '#shared/rollout/analysis.ts';
import {
  type Observed,
  type ObservedEndpoint,
  type ObservedIncumbent,
  observationKind,
} from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { modelOwnership } from '#shared/rollout/stack-ownership.ts';
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

/** The bake's evidence: both variants' metrics over its window (one GetMetricData call, as a rule). */
async function readAnalysis(group: GroupPolicy, rollout: Rollout, now: string) {
  const reads = analysisReads(group, rollout, now);
  if (group.rollout.analysis?.method === 'sequential')
    return seriesReadingFrom(group, rollout, reads, await readMetricSeries(reads));
  return readingFrom(group, rollout, reads, await readMetrics(reads));
}

/**
 * Reads what the decision needs for the rollout's phase, and no more: the endpoint and the watched
 * alarms; the incumbent config, models and auto scaling when a rollout starts; the auto scaling when it
 * finalizes or rolls back; the delivery pipeline while waiting for it; the metrics when a bake ends.
 */
export async function observe(
  rollout: Rollout,
  group: GroupPolicy,
  settings: Settings,
  knownAlarms: KnownAlarms,
  now: string,
): Promise<Observed> {
  const kind = observationKind(rollout.phase);
  if (kind === 'pipeline') return observePipeline(rollout, group);
  const variantNames = [...rollout.incumbentVariants.map((variant) => variant.VariantName), rollout.challengerVariant];
  const [endpoint, alarms, scaling, packageContainers, analysis, takenModel] = await Promise.all([
    describeEndpoint(rollout.endpointName),
    observeAlarms(rollout, knownAlarms),
    // What the rollout recorded names the alarms of its step policies: a stale one is seen, not missed.
    kind === 'scaling'
      ? readScaling(rollout.endpointName, variantNames, rollout.incumbentScaling)
      : Promise.resolve(undefined),
    // Starting: the new model is built from the package's containers (several make a pipeline model).
    kind === 'incumbent' ? readPackageContainers(rollout.packageArn) : Promise.resolve(undefined),
    analysisDue(group, rollout, now) ? readAnalysis(group, rollout, now) : Promise.resolve(undefined),
    kind === 'incumbent' ? describeModel(rollout.challengerModel) : Promise.resolve(undefined),
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
    ...(takenModel === undefined
      ? {}
      : { challengerModelTaken: modelOwnership(takenModel, settings.stackName, rollout.packageArn) }),
    ...(analysis === undefined ? {} : { analysis }),
  };
}
