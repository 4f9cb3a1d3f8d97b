// What the policy says of a group, from the policy's entries wherever they are kept: the document itself
// (policy-document.ts: the CLI, npm run check, tests) or its compiled form in a bundle (compiled-policy.ts).
// A group is merged, validated and checked for a shared endpoint the first time it is looked up.
import { BadInputError, describeZodError } from '#shared/errors.ts';
import { type Claimant, type ClaimIndex, describeClaimant, type KeyIndex } from './endpoint-claims.ts';
import { completeGroup, type GroupPolicy, groupPolicySchema, targetKeys } from './policy-schema.ts';

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
  /** The groups the file lists by name, in file order. */
  readonly explicitGroups: readonly string[];
  readonly patterns: readonly GroupPattern[];
}

export type PlainObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is PlainObject {
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

/** A key's entry as its groups see it: the defaults that apply to it merged under its own values. */
export function mergedEntry(defaults: PlainObject, own: PlainObject): PlainObject {
  return mergeUnder(defaultsFor(defaults, own), own);
}

/** `{group}` in every string of the entry becomes the group's name (endpoint names, alarm names...). */
export function instantiate(value: unknown, groupName: string): unknown {
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
export function validateGroup(entry: PlainObject, key: string, groupName: string): GroupPolicy {
  const parsed = groupPolicySchema.safeParse(entry);
  if (!parsed.success) throw new BadInputError(describeZodError(parsed.error, ['modelPackageGroups', key]));
  return completeGroup(groupName, parsed.data);
}

/** Where a policy's entries are kept: the document (parsed whole), or a bundle's compiled form (one at a time). */
export interface PolicyEntries {
  /** Whether the file has this key (a group's name, or a pattern). */
  has(key: string): boolean;
  /** The entry of one of the file's keys, the defaults merged in. */
  entryOf(key: string): PlainObject;
  /** The keys without `*` (the groups listed by name), in file order. */
  explicitGroups(): readonly string[];
  /** The keys with `*`, in file order. */
  readonly patternKeys: readonly string[];
  /** Which key claims which endpoint (endpoint-claims.ts), asked for once, at the first look-up. */
  claims(keys: KeyIndex): ClaimIndex;
}

/** The patterns and the key index of a policy: which key configures a group. */
export function keysOf(entries: Pick<PolicyEntries, 'has' | 'explicitGroups' | 'patternKeys'>): {
  patterns: readonly GroupPattern[];
  keys: KeyIndex;
} {
  const patterns = entries.patternKeys
    .map(compilePattern)
    // Most specific first; among equals the first in the file (sort is stable).
    .sort((a, b) => b.specificity - a.specificity);
  const keys: KeyIndex = {
    configuredBy(groupName) {
      if (!groupName.includes('*') && entries.has(groupName)) return groupName;
      return patterns.find((candidate) => candidate.matches(groupName))?.pattern;
    },
    get explicitGroups() {
      return entries.explicitGroups();
    },
    preferredOver: (pattern) =>
      patterns
        .slice(
          0,
          patterns.findIndex((candidate) => candidate.pattern === pattern),
        )
        .map((winner) => winner.pattern),
  };
  return { patterns, keys };
}

/**
 * The look-ups of a policy. A group is resolved the first time it is asked for, and remembered: its entry
 * merged and validated (or taken from `validated`, the groups listed by name that a full check has validated
 * already), then its endpoint checked against the other keys' claims.
 */
export function policyOver(
  entries: PolicyEntries,
  { patterns, keys }: ReturnType<typeof keysOf>,
  validated: ReadonlyMap<string, GroupPolicy> = new Map(),
): Policy {
  let claimIndex: ClaimIndex | undefined;

  function resolve(groupName: string): GroupLookup {
    const key = keys.configuredBy(groupName);
    if (key === undefined) return { kind: 'not configured' };
    const group =
      (key === groupName ? validated.get(key) : undefined) ??
      validateGroup(
        key === groupName ? entries.entryOf(key) : (instantiate(entries.entryOf(key), groupName) as PlainObject),
        key,
        groupName,
      );
    if (group.batchTransform !== undefined) return { kind: 'configured', group };
    // An inference component's claim is its rollout key, `<endpoint>/<component>` (endpoint-claims.ts).
    const endpointName = group.multiModel?.endpointName ?? group.endpointName;
    const claimant: Claimant = { key, groupName, shared: group.multiModel !== undefined };
    claimIndex ??= entries.claims(keys);
    const other = claimIndex.otherClaimant(claimant, endpointName);
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
    // Read when asked for: a bundle lists its keys only if something wants the list.
    get explicitGroups() {
      return entries.explicitGroups();
    },
    patterns,
    configuredBy: keys.configuredBy,
    lookup,
    group(groupName) {
      const found = lookup(groupName);
      return found.kind === 'configured' ? found.group : undefined;
    },
  };
}
