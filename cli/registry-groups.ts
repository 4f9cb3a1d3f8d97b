// `rollout groups`: the registry's model package groups as the policy sees them (configured by name, by a
// pattern, or not at all), the groups the policy names that the registry does not have (a typo configures
// nothing), and whether each configured endpoint lets this stack manage it: the functions may update only
// endpoints that carry the stack's tag (serverless.yml; shared/rollout/stack-ownership.ts). With
// --tag-endpoints it tags the existing endpoints of configured groups that lack it, once, as an operator.
import {
  AddTagsCommand,
  DescribeEndpointCommand,
  ListTagsCommand,
  paginateListModelPackageGroups,
} from '@aws-sdk/client-sagemaker';
import type { Writer } from '#shared/aws/aws-writes.ts';
import { sagemaker } from '#shared/aws/sagemaker.ts';
import type { Policy } from '#shared/policy/policy-document.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { localStage, rolloutCommand } from '#shared/rollout/command-line.ts';
import type { Tag } from '#shared/rollout/rollout-state.ts';
import { stackTagKey, withStackTag } from '#shared/rollout/stack-ownership.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';

export interface GroupCoverage {
  readonly groupName: string;
  /** The policy key that configures it (its name or a pattern); undefined: the stack never touches it. */
  readonly configuredBy?: string;
  readonly inRegistry: boolean;
  readonly endpointName?: string;
}

export type EndpointOwnership =
  | { readonly kind: 'missing' }
  | { readonly kind: 'tagged'; readonly arn: string }
  | { readonly kind: 'untagged'; readonly arn: string }
  | { readonly kind: 'another stack'; readonly arn: string; readonly stackName: string };

/**
 * The SageMaker endpoint the group's rollouts change or invoke: its own, a shared multi-model one, the one that
 * hosts its inference component, or none (batch).
 */
function endpointOf(group: GroupPolicy | undefined): { endpointName?: string } {
  if (group === undefined || group.batchTransform !== undefined) return {};
  return {
    endpointName: group.multiModel?.endpointName ?? group.inferenceComponent?.endpointName ?? group.endpointName,
  };
}

/** Every group of the registry, then the policy's named groups the registry lacks. */
export function groupCoverage(policy: Policy, registryGroups: readonly string[]): GroupCoverage[] {
  const inRegistry = new Set(registryGroups);
  const cover = (groupName: string, present: boolean): GroupCoverage => {
    const configuredBy = policy.configuredBy(groupName);
    return configuredBy === undefined
      ? { groupName, inRegistry: present }
      : { groupName, configuredBy, inRegistry: present, ...endpointOf(policy.group(groupName)) };
  };
  return [
    ...registryGroups.map((groupName) => cover(groupName, true)),
    ...policy.explicitGroups.filter((groupName) => !inRegistry.has(groupName)).map((name) => cover(name, false)),
  ];
}

export function ownershipOf(arn: string, tags: readonly Tag[], stackName: string): EndpointOwnership {
  const owner = tags.find((tag) => tag.Key === stackTagKey)?.Value;
  if (owner === stackName) return { kind: 'tagged', arn };
  return owner === undefined ? { kind: 'untagged', arn } : { kind: 'another stack', arn, stackName: owner };
}

/** `stage`: the stack's, which the command to tag endpoints names (the demo's is the emulator's). */
export function describeGroup(
  group: GroupCoverage,
  ownership: EndpointOwnership | undefined,
  stage: string = localStage,
): string {
  if (group.configuredBy === undefined) return `${group.groupName}: not configured (never touched)`;
  const how = group.configuredBy === group.groupName ? 'by name' : `by pattern ${group.configuredBy}`;
  if (!group.inRegistry) return `${group.groupName}: configured ${how}, but the registry has no such group`;
  if (group.endpointName === undefined) return `${group.groupName}: configured ${how}, a batch transform (no endpoint)`;
  const endpoint = `endpoint ${group.endpointName}`;
  switch (ownership?.kind) {
    case 'tagged':
      return `${group.groupName}: configured ${how}, ${endpoint} managed by this stack`;
    case 'untagged':
      return `${group.groupName}: configured ${how}, ${endpoint} not tagged ${stackTagKey}: the stack cannot update it (${rolloutCommand(stage, 'groups', '--tag-endpoints')})`;
    case 'another stack':
      return `${group.groupName}: configured ${how}, ${endpoint} belongs to stack ${ownership.stackName}`;
    default:
      return `${group.groupName}: configured ${how}, ${endpoint} does not exist yet (its first version creates it)`;
  }
}

/** `rollout groups --json`: one object, the same keys whatever there is (see the command's usage). */
export function groupsReport(
  groups: readonly GroupCoverage[],
  owners: readonly (EndpointOwnership | undefined)[],
  stackName: string,
  tagged: readonly string[],
  dryRun: boolean,
) {
  return {
    stackName,
    groups: groups.map((group, index) => ({
      groupName: group.groupName,
      configuredBy: group.configuredBy ?? null,
      inRegistry: group.inRegistry,
      endpointName: group.endpointName ?? null,
      ownership: owners[index] ?? null,
    })),
    tagged,
    dryRun,
  };
}

export function summarize(
  groups: readonly GroupCoverage[],
  owners: readonly (EndpointOwnership | undefined)[],
): string {
  const registry = groups.filter((group) => group.inRegistry);
  const configured = registry.filter((group) => group.configuredBy !== undefined);
  const byName = configured.filter((group) => group.configuredBy === group.groupName).length;
  const count = (kind: EndpointOwnership['kind']) => owners.filter((owner) => owner?.kind === kind).length;
  return [
    `${registry.length} group(s) in the registry: ${configured.length} configured (${byName} by name, ${configured.length - byName} by pattern), ${registry.length - configured.length} not`,
    `endpoints: ${count('tagged')} managed, ${count('untagged')} not tagged, ${count('another stack')} another stack's, ${count('missing')} not created yet`,
    `${groups.length - registry.length} group(s) of the policy not in the registry`,
  ].join('\n');
}

export async function listRegistryGroups(): Promise<string[]> {
  const names: string[] = [];
  for await (const page of paginateListModelPackageGroups({ client: sagemaker, pageSize: 100 }, {})) {
    for (const group of page.ModelPackageGroupSummaryList ?? []) {
      if (group.ModelPackageGroupName !== undefined) names.push(group.ModelPackageGroupName);
    }
  }
  return names;
}

async function readOwnership(endpointName: string, stackName: string): Promise<EndpointOwnership> {
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpointName })).catch((error) => {
    if ((error as Error).name === 'ValidationException') return undefined;
    throw error;
  });
  if (endpoint?.EndpointArn === undefined) return { kind: 'missing' };
  const listed = await sagemaker.send(new ListTagsCommand({ ResourceArn: endpoint.EndpointArn, MaxResults: 100 }));
  const tags = (listed.Tags ?? []).map((tag) => ({ Key: tag.Key ?? '', Value: tag.Value ?? '' }));
  return ownershipOf(endpoint.EndpointArn, tags, stackName);
}

/** Each configured group's endpoint as the stack's IAM policy sees it; undefined where there is none to read. */
export async function readOwnerships(
  groups: readonly GroupCoverage[],
  stackName: string,
): Promise<(EndpointOwnership | undefined)[]> {
  const results = await mapSettled(groups, 4, async (group) =>
    group.inRegistry && group.endpointName !== undefined ? readOwnership(group.endpointName, stackName) : undefined,
  );
  return results.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}

/** The endpoints to hand over, once each: groups on one multi-model endpoint share it. */
export function untaggedEndpoints(owners: readonly (EndpointOwnership | undefined)[]): string[] {
  return [...new Set(owners.flatMap((owner) => (owner?.kind === 'untagged' ? [owner.arn] : [])))];
}

/** Tags an endpoint the team created for this stack; only untagged ones (another stack's is not taken over). */
export async function tagEndpoint(writer: Writer, arn: string, stackName: string): Promise<void> {
  const input = { ResourceArn: arn, Tags: withStackTag([], stackName) };
  await writer.write({ service: 'sagemaker', operation: 'AddTags', input }, () =>
    sagemaker.send(new AddTagsCommand(input)),
  );
}
