// The champion a candidate must beat is the version that serves the group's endpoint, not merely the
// newest Approved package: a version that was aborted or failed stays Approved in the registry but
// never served, so it never becomes the champion.
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import { describeModelPackage, findNewestApprovedPackage, type ModelPackage } from '#shared/aws/sagemaker.ts';
import { describeEndpoint, describeEndpointConfig, describeModel } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';

/** What served once the record's rollout was over or, while it runs, before it started. Pure. */
export function servingPackageArn(rollout: Rollout): string | undefined {
  if (rollout.phase === 'Completed') return rollout.packageArn;
  const served = rollout.retainedVersions[0];
  if (served === undefined) return undefined;
  // Versions recorded before the ARN was kept: a sibling of this rollout's package in the same group.
  return served.packageArn ?? rollout.packageArn.replace(/\/\d+$/, `/${served.packageVersion}`);
}

/** The package behind the endpoint's primary variant, for an endpoint deployed before sagemaker-rollout. */
async function packageServedBy(endpoint: ObservedEndpoint, groupName: string): Promise<string | undefined> {
  const config = await describeEndpointConfig(endpoint.configName);
  const weightOf = (name: string) => endpoint.variants.find((variant) => variant.VariantName === name)?.weight ?? 0;
  const primary = [...config.variants].sort((a, b) => weightOf(b.VariantName) - weightOf(a.VariantName))[0];
  const model = primary?.ModelName === undefined ? undefined : await describeModel(primary.ModelName);
  const container = model?.fields.PrimaryContainer as { ModelPackageName?: string } | undefined;
  const packageArn = container?.ModelPackageName;
  return packageArn?.includes(`:model-package/${groupName}/`) ? packageArn : undefined;
}

/**
 * The champion: the package serving the group's endpoint (from its rollout record, else from the
 * endpoint itself); with no endpoint yet, the newest other Approved package. Undefined: none to beat.
 */
export async function findChampion(
  tableName: string,
  groupName: string,
  group: GroupPolicy,
  candidateArn: string,
): Promise<ModelPackage | undefined> {
  const { rollout } = await readEndpointState(tableName, group.endpointName);
  let serving: string | undefined;
  if (rollout !== undefined) {
    serving = servingPackageArn(rollout);
  } else if (group.multiModel !== undefined || group.batchTransform !== undefined) {
    // No endpoint of its own to read a served version from: the newest other Approved package.
    return findNewestApprovedPackage(groupName, candidateArn);
  } else {
    const endpoint = await describeEndpoint(group.endpointName);
    if (endpoint === undefined) return findNewestApprovedPackage(groupName, candidateArn);
    serving = await packageServedBy(endpoint, groupName);
  }
  return serving === undefined || serving === candidateArn ? undefined : describeModelPackage(serving);
}
