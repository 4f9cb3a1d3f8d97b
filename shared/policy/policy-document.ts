// The policy document as data: the file's shape, its defaults merged under each group, and every problem of it at
// once (npm run check, the CLI, tests). No YAML here (load-policy.ts reads the text); the Lambda bundles carry the
// policy compiled at package time (compiled-policy.ts).
import { BadInputError, describeZodError } from '#shared/errors.ts';
import {
  claimOf,
  describeClaimant,
  type EndpointClaim,
  type EndpointConflict,
  endpointConflicts,
  indexClaims,
  type KeyIndex,
} from './endpoint-claims.ts';
import {
  instantiate,
  keysOf,
  mergedEntry,
  type PlainObject,
  type Policy,
  type PolicyEntries,
  policyOver,
  validateGroup,
} from './group-lookups.ts';
import { type GroupPolicy, policyFileSchema } from './policy-schema.ts';

export type { GroupLookup, GroupPattern, Policy } from './group-lookups.ts';

/** Where a conflict is reported: the key that comes second in the file, naming the first. */
function describeConflict({ claim, endpointName, claimant, other }: EndpointConflict): string {
  const field = claim.shared ? 'multiModel.endpointName' : 'endpointName';
  const whose =
    claimant.groupName !== undefined && claimant.groupName !== claimant.key
      ? ` of its group ${claimant.groupName}`
      : '';
  const owner =
    other.groupName === other.key ? `group ${other.key}'s own` : `the own endpoint of ${describeClaimant(other)}`;
  const clash = claim.shared && !other.shared ? `is ${owner}` : `is already used by ${describeClaimant(other)}`;
  return `modelPackageGroups.${claim.key}.${field}: endpoint ${endpointName}${whose} ${clash}`;
}

/** How often `{group}` appears in a pattern's endpoint names: the group must be read back from the name. */
function groupMentions(entry: PlainObject): { own: number; shared: number } {
  const count = (value: unknown) => (typeof value === 'string' ? value.split('{group}').length - 1 : 0);
  return { own: count(entry.endpointName), shared: count((entry.multiModel as PlainObject | undefined)?.endpointName) };
}

/**
 * Every problem of the file at once: each group validated, each pattern with a sample name, and one group
 * per endpoint (a multi-model endpoint's groups excepted), patterns included, without listing their groups.
 */
function checkEverything(
  entries: ReadonlyMap<string, PlainObject>,
  sourceName: string,
  keys: KeyIndex,
): ReadonlyMap<string, GroupPolicy> {
  const problems: string[] = [];
  const claims: EndpointClaim[] = [];
  // Kept for the look-ups, which would otherwise validate each group listed by name a second time.
  const validated = new Map<string, GroupPolicy>();
  for (const [key, entry] of entries) {
    const isPattern = key.includes('*');
    // A multi-model or batch pattern's groups are keyed by their own names already.
    const ownEndpoint =
      entry.multiModel === undefined && entry.batchTransform === undefined && entry.inferenceComponent === undefined;
    const mentions = groupMentions(entry);
    if (isPattern && ownEndpoint && mentions.own !== 1) {
      problems.push(
        `modelPackageGroups.${key}.endpointName: a pattern's endpoint name must contain {group} once (one endpoint per group)`,
      );
      continue;
    }
    const componentName = (entry.inferenceComponent as PlainObject | undefined)?.componentName;
    if (isPattern && typeof componentName === 'string' && componentName.split('{group}').length !== 2) {
      problems.push(
        `modelPackageGroups.${key}.inferenceComponent.componentName: a pattern's component name must contain {group} once (one component per group), or be left out (the group's name)`,
      );
      continue;
    }
    if (isPattern && mentions.shared > 1) {
      problems.push(`modelPackageGroups.${key}.multiModel.endpointName: {group} at most once`);
      continue;
    }
    // A pattern is checked as its shortest match would be, `*` matching nothing but one letter.
    const sample = key.replaceAll('*', 'x');
    try {
      const group = validateGroup(
        isPattern ? (instantiate(entry, sample) as PlainObject) : entry,
        key,
        isPattern ? sample : key,
      );
      if (!isPattern) validated.set(key, group);
      const claim = claimOf(key, entry);
      if (claim !== undefined) claims.push(claim);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  problems.push(...endpointConflicts(claims, keys).map(describeConflict));
  if (problems.length > 0) throw new BadInputError(`${sourceName}:\n${problems.join('\n')}`);
  return validated;
}

/**
 * The policy document, its defaults merged under every group. `checked: 'all'` validates every group and
 * pattern now and reports every problem with its key path (npm run check, the CLI, tests); `'on use'`
 * validates a group the first time it is asked for, as a Lambda does with its bundle's compiled form
 * (compiled-policy.ts), which it reads without merging or validating the others.
 */
export function parsePolicyDocument(raw: unknown, sourceName: string, checked: 'all' | 'on use' = 'all'): Policy {
  const file = policyFileSchema.safeParse(raw);
  if (!file.success) throw new BadInputError(`${sourceName}:\n${describeZodError(file.error)}`);
  const defaults = file.data.defaults;
  const merged = new Map(
    Object.entries(file.data.modelPackageGroups).map(([key, own]) => [key, mergedEntry(defaults, own)]),
  );
  const keyList = [...merged.keys()];
  const explicitGroups = keyList.filter((key) => !key.includes('*'));
  const entries: PolicyEntries = {
    has: (key) => merged.has(key),
    entryOf: (key) => merged.get(key) as PlainObject,
    explicitGroups: () => explicitGroups,
    patternKeys: keyList.filter((key) => key.includes('*')),
    claims: (keys) =>
      indexClaims(
        [...merged].flatMap(([key, entry]) => claimOf(key, entry) ?? []),
        keys,
      ),
  };
  const index = keysOf(entries);
  const validated = checked === 'all' ? checkEverything(merged, sourceName, index.keys) : undefined;
  return policyOver(entries, index, validated);
}
