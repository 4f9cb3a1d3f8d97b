// The policy as data: validation, defaults and group patterns. No YAML here, so the Lambda bundles
// (which receive the policy compiled in as JSON, see serverless.yml custom.esbuild.define) carry no YAML parser.
import { BadInputError, describeZodError } from '#shared/errors.ts';
import { completeGroup, type GroupPolicy, groupPolicySchema, policyFileSchema, targetKeys } from './policy-schema.ts';

/** A group key with `*` in it: every group whose name it matches, `{group}` in its values replaced by the name. */
export interface GroupPattern {
  readonly pattern: string;
  readonly matches: (groupName: string) => boolean;
  /** Characters that are not `*`: the more, the more specific the pattern. */
  readonly specificity: number;
}

export interface Policy {
  /**
   * The policy of a model package group: its own entry, else the most specific pattern matching its name
   * (the first in the file among equals). Undefined: the group is not configured and is never touched.
   */
  group(groupName: string): GroupPolicy | undefined;
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

/** A group that names its target drops the defaults' other target: a serverless group has no instance type. */
function defaultsFor(defaults: PlainObject, own: PlainObject): PlainObject {
  const kinds = Object.values(targetKeys);
  const ownKind = kinds.find((keys) => keys.some((key) => key in own));
  if (ownKind === undefined) return defaults;
  const others = kinds.filter((keys) => keys !== ownKind).flat() as string[];
  return Object.fromEntries(Object.entries(defaults).filter(([key]) => !others.includes(key)));
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

/** Every problem of the file at once: each group validated, each pattern with a sample name, endpoints unique. */
function checkEverything(entries: ReadonlyMap<string, PlainObject>, sourceName: string): void {
  const problems: string[] = [];
  const groupByEndpoint = new Map<string, string>();
  const sharedEndpoints: [string, string][] = [];
  for (const [key, entry] of entries) {
    const isPattern = key.includes('*');
    const endpointTemplate = entry.endpointName;
    // A multi-model or batch pattern's groups are keyed by their own names already.
    const ownEndpoint = entry.multiModel === undefined && entry.batchTransform === undefined;
    if (isPattern && ownEndpoint && (typeof endpointTemplate !== 'string' || !endpointTemplate.includes('{group}'))) {
      problems.push(
        `modelPackageGroups.${key}.endpointName: a pattern's endpoint name must contain {group} (one endpoint per group)`,
      );
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
      if (isPattern) continue;
      // One active rollout per endpoint: two groups on one endpoint would replace each other's variants.
      const otherGroup = groupByEndpoint.get(group.endpointName);
      if (otherGroup !== undefined) {
        problems.push(
          `modelPackageGroups.${key}.endpointName: endpoint ${group.endpointName} is already used by group ${otherGroup}`,
        );
      }
      groupByEndpoint.set(group.endpointName, key);
      if (group.multiModel !== undefined) sharedEndpoints.push([key, group.multiModel.endpointName]);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  // A multi-model endpoint is shared by its groups, but by no group with an endpoint of its own.
  for (const [key, shared] of sharedEndpoints) {
    const owner = groupByEndpoint.get(shared);
    if (owner !== undefined) {
      problems.push(`modelPackageGroups.${key}.multiModel.endpointName: endpoint ${shared} is group ${owner}'s own`);
    }
  }
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
  if (checked === 'all') checkEverything(entries, sourceName);

  const explicitGroups = [...entries.keys()].filter((key) => !key.includes('*'));
  const patterns = [...entries.keys()]
    .filter((key) => key.includes('*'))
    .map(compilePattern)
    // Most specific first; among equals the first in the file (sort is stable).
    .sort((a, b) => b.specificity - a.specificity);
  const resolved = new Map<string, GroupPolicy | undefined>();

  function configuredBy(groupName: string): string | undefined {
    if (entries.has(groupName) && !groupName.includes('*')) return groupName;
    return patterns.find((candidate) => candidate.matches(groupName))?.pattern;
  }

  function resolve(groupName: string): GroupPolicy | undefined {
    const key = configuredBy(groupName);
    if (key === undefined) return undefined;
    const entry = entries.get(key) as PlainObject;
    return validateGroup(key === groupName ? entry : (instantiate(entry, groupName) as PlainObject), key, groupName);
  }

  return {
    explicitGroups,
    patterns,
    configuredBy,
    group(groupName) {
      if (!resolved.has(groupName)) resolved.set(groupName, resolve(groupName));
      return resolved.get(groupName);
    },
  };
}
