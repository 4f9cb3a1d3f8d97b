// The champion a candidate must beat is the version that serves the group's endpoint, not merely the
// newest Approved package: a version that was aborted or failed stays Approved in the registry but
// never served, so it never becomes the champion. When something serves that cannot be identified, there
// is no champion to compare with, and a rule that needs one cannot pass (docs/how-it-works.md: "The champion is what serves").
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import { describeModelPackage, findNewestApprovedPackage, type ModelPackage } from '#shared/aws/sagemaker.ts';
import { describeEndpoint, describeEndpointConfig } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import type { Rollout, VariantSpec } from '#shared/rollout/rollout-state.ts';
import { type ServedVersion, versionServedByModel } from './serving-package.ts';

export type Champion =
  | { readonly modelPackage: ModelPackage }
  | { readonly unidentified: string }
  /** Nothing to beat: the bounds alone judge. */
  | { readonly none: string };

/** What served once the record's rollout was over or, while it runs, before it started, as the record keeps it. */
export function servingPackageArn(rollout: Rollout): string | undefined {
  if (rollout.phase === 'Completed') return rollout.packageArn;
  const served = rollout.retainedVersions[0];
  if (served === undefined) return undefined;
  // Versions recorded before the ARN was kept: a sibling of this rollout's package in the same group.
  return served.packageArn ?? rollout.packageArn.replace(/\/\d+$/, `/${served.packageVersion}`);
}

/** The variant that serves most: live weights when the endpoint reports them, else as configured. */
function primaryOf(variants: readonly VariantSpec[], endpoint?: ObservedEndpoint): VariantSpec | undefined {
  const weightOf = (variant: VariantSpec) =>
    endpoint?.variants.find((live) => live.VariantName === variant.VariantName)?.weight ??
    variant.InitialVariantWeight ??
    0;
  return [...variants].sort((a, b) => weightOf(b) - weightOf(a))[0];
}

/**
 * What the record says served, pure: the package of a completed rollout or of the last one it retained; else the
 * model of the incumbent its rollout recorded (a first rollout over an endpoint deployed by hand); else nothing it
 * knows of, and the endpoint itself is read, leaving out the rollout's own model (it has not served).
 */
export function servedPerRecord(
  rollout: Rollout,
): { readonly packageArn: string } | { readonly incumbentModel: string } | { readonly readEndpointWithout: string } {
  const packageArn = servingPackageArn(rollout);
  if (packageArn !== undefined) return { packageArn };
  const incumbentModel = primaryOf(rollout.incumbentVariants)?.ModelName;
  if (incumbentModel !== undefined) return { incumbentModel };
  return { readEndpointWithout: rollout.challengerModel };
}

/** The version the endpoint serves on its primary variant (largest live weight), leaving out one model if asked. */
async function versionServedByEndpoint(
  endpoint: ObservedEndpoint,
  endpointName: string,
  groupName: string,
  leaveOutModel?: string,
): Promise<ServedVersion> {
  const config = await describeEndpointConfig(endpoint.configName);
  const variants = config.variants.filter(
    (variant) => leaveOutModel === undefined || variant.ModelName !== leaveOutModel,
  );
  const primary = primaryOf(variants, endpoint);
  if (primary === undefined) {
    return leaveOutModel === undefined
      ? { unidentified: `the endpoint ${endpointName} has no production variant` }
      : { nothing: `the endpoint ${endpointName} has served no other version yet` };
  }
  if (primary.ModelName === undefined) {
    return { unidentified: `the endpoint ${endpointName}'s variant ${primary.VariantName} has no model` };
  }
  const served = await versionServedByModel(primary.ModelName, groupName);
  return 'unidentified' in served
    ? { unidentified: `the endpoint ${endpointName} serves ${served.unidentified}` }
    : served;
}

async function servedVersion(
  groupName: string,
  group: GroupPolicy,
  rollout: Rollout | undefined,
): Promise<ServedVersion> {
  const endpointName = group.endpointName;
  if (rollout !== undefined) {
    const perRecord = servedPerRecord(rollout);
    if ('packageArn' in perRecord) return perRecord;
    if ('incumbentModel' in perRecord) {
      const served = await versionServedByModel(perRecord.incumbentModel, groupName);
      return 'unidentified' in served
        ? { unidentified: `the endpoint ${endpointName}'s incumbent was ${served.unidentified}` }
        : served;
    }
    const endpoint = await describeEndpoint(endpointName);
    if (endpoint === undefined) return { nothing: `the endpoint ${endpointName} does not exist` };
    return versionServedByEndpoint(endpoint, endpointName, groupName, perRecord.readEndpointWithout);
  }
  const endpoint = await describeEndpoint(endpointName);
  // No endpoint yet: the newest other Approved version, for want of one that served.
  if (endpoint === undefined) return { nothing: 'no endpoint yet' };
  // Deployed by hand (no rollout recorded): the version on its primary variant.
  return versionServedByEndpoint(endpoint, endpointName, groupName);
}

async function championOf(packageArn: string, candidateArn: string): Promise<Champion> {
  if (packageArn === candidateArn) return { none: 'it serves already' };
  const modelPackage = await describeModelPackage(packageArn);
  return modelPackage === undefined
    ? { unidentified: `the serving version ${packageArn} is no longer in the registry` }
    : { modelPackage };
}

async function newestOtherApproved(groupName: string, candidateArn: string): Promise<Champion> {
  const newest = await findNewestApprovedPackage(groupName, candidateArn);
  return newest === undefined ? { none: 'no other Approved version' } : { modelPackage: newest };
}

/**
 * The champion: the package serving the group's endpoint (from its rollout record, else from the endpoint
 * itself); with no endpoint yet, the newest other Approved package. A multi-model, batch or inference component
 * group has no endpoint of its own to read: its record's version, else the newest other Approved package.
 */
export async function findChampion(
  tableName: string,
  groupName: string,
  group: GroupPolicy,
  candidateArn: string,
): Promise<Champion> {
  const { rollout } = await readEndpointState(tableName, group.endpointName);
  if (group.multiModel !== undefined || group.batchTransform !== undefined || group.inferenceComponent !== undefined) {
    if (rollout === undefined) return newestOtherApproved(groupName, candidateArn);
    const served = servingPackageArn(rollout);
    return served === undefined ? { none: 'no version has served yet' } : championOf(served, candidateArn);
  }
  const served = await servedVersion(groupName, group, rollout);
  if ('packageArn' in served) return championOf(served.packageArn, candidateArn);
  if ('unidentified' in served) return served;
  return rollout === undefined ? newestOtherApproved(groupName, candidateArn) : { none: served.nothing };
}
