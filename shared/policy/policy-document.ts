// The policy as data: validation, defaults and group patterns. No YAML here, so the Lambda bundles
// (which receive the policy compiled in as JSON, see serverless.yml custom.esbuild.define) carry no YAML parser.
import { BadInputError, describeZodError } from '#shared/errors.ts';
import {
  type Claimant,
  claimOf,
  describeClaimant,
  type EndpointClaim,
  type EndpointConflict,
  endpointConflicts,
  indexClaims,
  type KeyIndex,
} from './endpoint-claims.ts';
import { completeGroup, type GroupPolicy, groupPolicySchema, policyFileSchema, targetKeys } from './policy-schema.ts';

/** A group key with `*` in it: every group whose name it matches, `{group}` in its values replaced by the name. */
export interface GroupPattern {
  readonly pattern: string;
  readonly matches: (groupName: string) => boolean;
  /** Characters that are not `*`: the more, the more specific the pattern. */
  readonly specificity: number;
}

/**
 * What the policy says of a group. `endpoint claimed twice`: a key configures it, but another key of the
 * policy claims its endpoint too (two groups on one endpoint would replace each other's variants), so it is
 * not acted on, like a group not configured, until the policy gives each group an endpoint of its own.
 */
export type GroupLookup =
  | { readonly kind: 'configured'; readonly group: GroupPolicy }
  | { readonly kind: 'not configured' }
  | {
      readonly kind: 'endpoint claimed twice';
      readonly endpointName: string;
      readonly claimant: Claimant;
      readonly other: Claimant;
      /** `endpoint churn-globex-prod is claimed by group churn-globex (pattern churn-*) and by group x` */
      readonly reason: string;
    };

export interface Policy {
  /**
   * The policy of a model package group: its own entry, else the most specific pattern matching its name
   * (the first in the file among equals). Undefined: the group is not configured, or its endpoint is claimed
   * twice (see lookup), and is never touched.
   */
  group(groupName: string): GroupPolicy | undefined;
  /** The group's policy, or why there is none to act on: not configured, or its endpoint claimed twice. */
  lookup(groupName: string): GroupLookup;
  /** The key of the file that configures the group: its own name, or the pattern that applies; undefined: none. */
  configuredBy(groupName: string): string | undefined;
  /** The groups the file lists by name. */
  readonly explicitGroups: readonly string[];
  readonly patterns: readonly GroupPattern[];
}

type PlainObject = Record<string, unknown>;

function isPlainObject(value: unknown): value is PlainObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Group keys win; objects merge key by key, arrays and scalars are replaced whole. */
function mergeUnder(defaults: PlainObject, own: PlainObject): PlainObject {
  const merged: PlainObject = { ...defaults };
  for (const [key, value] of Object.entries(own)) {
    const base = merged[key];
    merged[key] = isPlainObject(base) && isPlainObject(value) ? mergeUnder(base, value) : value;
  }
  return merged;
}

// How a rollout steps traffic: meaningless where the switch is whole (a multi-model or batch group), which
// refuses them when it gives them itself (policy-schema.ts, checkRolloutOn).
const trafficShapeKeys = ['strategy', 'steps', 'weightPercent', 'durationHours', 'shadowMinutes'];

/**
 * A group that names its target drops the defaults' other target: a serverless group has no instance type.
 * A group that switches whole drops the defaults' traffic shape: a fleet's canary does not make its multi-model
 * and batch groups say all-at-once.
 */
function defaultsFor(defaults: PlainObject, own: PlainObject): PlainObject {
  const kinds = Object.values(targetKeys);
  const ownKind = kinds.find((keys) => keys.some((key) => key in own));
  const others = kinds.filter((keys) => ownKind !== undefined && keys !== ownKind).flat() as string[];
  const kept = Object.fromEntries(Object.entries(defaults).filter(([key]) => !others.includes(key)));
  const kind = ownKind ?? kinds.find((keys) => keys.some((key) => key in kept));
  const switchesWhole =
    kind === targetKeys.multiModel || kind === targetKeys.batchTransform || kind === targetKeys.inferenceComponent;
  if (!switchesWhole || !isPlainObject(kept.rollout)) return kept;
  const rollout = Object.fromEntries(Object.entries(kept.rollout).filter(([key]) => !trafficShapeKeys.includes(key)));
  return { ...kept, rollout };
}

/** `{group}` in every string of the entry becomes the group's name (endpoint names, alarm names...). */
function instantiate(value: unknown, groupName: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{group}', groupName);
  if (Array.isArray(value)) return value.map((item) => instantiate(item, groupName));
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, instantiate(item, groupName)]));
  }
  return value;
}

function compilePattern(pattern: string): GroupPattern {
  const source = pattern
    .split('*')
    .map((literal) => literal.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[a-zA-Z0-9-]*');
  const regex = new RegExp(`^${source}$`);
  return { pattern, matches: (name) => regex.test(name), specificity: pattern.replaceAll('*', '').length };
}

/** `key` names the entry in errors (a group's name, or its pattern); `groupName` is the group it is for. */
function validateGroup(entry: PlainObject, key: string, groupName: string): GroupPolicy {
  const parsed = groupPolicySchema.safeParse(entry);
  if (!parsed.success) throw new BadInputError(describeZodError(parsed.error, ['modelPackageGroups', key]));
  return completeGroup(groupName, parsed.data);
}

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
function checkEverything(entries: ReadonlyMap<string, PlainObject>, sourceName: string, keys: KeyIndex): void {
  const problems: string[] = [];
  const claims: EndpointClaim[] = [];
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
      validateGroup(isPattern ? (instantiate(entry, sample) as PlainObject) : entry, key, isPattern ? sample : key);
      const claim = claimOf(key, entry);
      if (claim !== undefined) claims.push(claim);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  problems.push(...endpointConflicts(claims, keys).map(describeConflict));
  if (problems.length > 0) throw new BadInputError(`${sourceName}:\n${problems.join('\n')}`);
}

/**
 * The policy document, its defaults merged under every group. `checked: 'all'` validates every group and
 * pattern now and reports every problem with its key path (npm run check, the CLI, tests); `'on use'`
 * validates a group the first time it is asked for (a Lambda, whose bundle was checked when packaged,
 * starts as fast with 1,000 groups as with 2).
 */
export function parsePolicyDocument(raw: unknown, sourceName: string, checked: 'all' | 'on use' = 'all'): Policy {
  const file = policyFileSchema.safeParse(raw);
  if (!file.success) throw new BadInputError(`${sourceName}:\n${describeZodError(file.error)}`);
  const defaults = file.data.defaults;
  const entries = new Map(
    Object.entries(file.data.modelPackageGroups).map(([key, own]) => [
      key,
      mergeUnder(defaultsFor(defaults, own), own),
    ]),
  );
  const explicitGroups = [...entries.keys()].filter((key) => !key.includes('*'));
  const patterns = [...entries.keys()]
    .filter((key) => key.includes('*'))
    .map(compilePattern)
    // Most specific first; among equals the first in the file (sort is stable).
    .sort((a, b) => b.specificity - a.specificity);

  function configuredBy(groupName: string): string | undefined {
    if (entries.has(groupName) && !groupName.includes('*')) return groupName;
    return patterns.find((candidate) => candidate.matches(groupName))?.pattern;
  }

  const keys: KeyIndex = {
    configuredBy,
    explicitGroups,
    preferredOver: (pattern) =>
      patterns
        .slice(
          0,
          patterns.findIndex((candidate) => candidate.pattern === pattern),
        )
        .map((winner) => winner.pattern),
  };
  if (checked === 'all') checkEverything(entries, sourceName, keys);

  // Which key claims which endpoint: a map of the names and a regex per pattern, built at the first look-up.
  let claimIndex: ReturnType<typeof indexClaims> | undefined;
  const claims = () => {
    claimIndex ??= indexClaims(
      [...entries].flatMap(([key, entry]) => claimOf(key, entry) ?? []),
      keys,
    );
    return claimIndex;
  };

  function resolve(groupName: string): GroupLookup {
    const key = configuredBy(groupName);
    if (key === undefined) return { kind: 'not configured' };
    const entry = entries.get(key) as PlainObject;
    const group = validateGroup(
      key === groupName ? entry : (instantiate(entry, groupName) as PlainObject),
      key,
      groupName,
    );
    if (group.batchTransform !== undefined) return { kind: 'configured', group };
    // An inference component's claim is its rollout key, `<endpoint>/<component>` (endpoint-claims.ts).
    const endpointName = group.multiModel?.endpointName ?? group.endpointName;
    const claimant: Claimant = { key, groupName, shared: group.multiModel !== undefined };
    const other = claims().otherClaimant(claimant, endpointName);
    if (other === undefined) return { kind: 'configured', group };
    const reason = `endpoint ${endpointName} is claimed by ${describeClaimant(claimant)} and by ${describeClaimant(other)}`;
    return { kind: 'endpoint claimed twice', endpointName, claimant, other, reason };
  }

  const resolved = new Map<string, GroupLookup>();
  function lookup(groupName: string): GroupLookup {
    let found = resolved.get(groupName);
    if (found === undefined) {
      found = resolve(groupName);
      resolved.set(groupName, found);
    }
    return found;
  }

  return {
    explicitGroups,
    patterns,
    configuredBy,
    lookup,
    group(groupName) {
      const found = lookup(groupName);
      return found.kind === 'configured' ? found.group : undefined;
    },
  };
}
