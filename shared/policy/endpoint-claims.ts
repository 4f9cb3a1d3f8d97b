// One group per endpoint (docs/policy.md): two groups on one endpoint would replace each other's
// variants. Each key of the policy claims the endpoint of the groups it configures; this module says which
// key claims a given endpoint, and finds two keys that claim one, without listing a pattern's groups (a
// pattern stands for any number of them: they are never enumerated).
import { sharedEndpoint, type TemplateClaim } from './pattern-overlap.ts';

/** The endpoint a key's groups deploy to: a fixed name, or in a pattern a template with `{group}`. */
export interface EndpointClaim {
  readonly key: string;
  readonly template: string;
  /** A multi-model endpoint, which its groups share (their rollouts are keyed `<endpoint>/<group>`). */
  readonly shared: boolean;
  /** A pattern's template turned into a regex that reads the group's name back from an endpoint name. */
  readonly groupOf?: RegExp;
}

/** A key that claims an endpoint, and for a pattern the group it claims it for (none: all of its groups). */
export interface Claimant {
  readonly key: string;
  readonly groupName?: string;
  readonly shared: boolean;
}

/** What the claims are checked against: which key configures a group (a listed name, else a pattern). */
export interface KeyIndex {
  configuredBy(groupName: string): string | undefined;
  /** Groups listed by name: a pattern configures none of them. */
  readonly explicitGroups: readonly string[];
  /** The patterns that win over `pattern` for a group both match (more specific, or earlier among equals). */
  preferredOver(pattern: string): readonly string[];
}

// Model package group names: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackageGroup.html
const groupNamePattern = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * An inference component group claims its component, `<endpoint>/<component>` (its rollout key): several groups
 * share the endpoint as components of their own, and two groups that name one component conflict. A pattern
 * without a componentName claims `<endpoint>/{group}`, one component per group.
 */
function componentClaim(key: string, value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { endpointName, componentName } = value as { endpointName?: unknown; componentName?: unknown };
  if (typeof endpointName !== 'string') return undefined;
  const component = typeof componentName === 'string' ? componentName : key.includes('*') ? '{group}' : key;
  return `${endpointName}/${component}`;
}

/** The key's claim from its entry (defaults merged in); a batch group has no endpoint, so none. */
export function claimOf(key: string, entry: Readonly<Record<string, unknown>>): EndpointClaim | undefined {
  const multiModel = entry.multiModel as { endpointName?: unknown } | undefined;
  const shared = typeof multiModel === 'object' && multiModel !== null;
  const template = shared
    ? multiModel.endpointName
    : entry.inferenceComponent !== undefined
      ? componentClaim(key, entry.inferenceComponent)
      : entry.batchTransform === undefined
        ? entry.endpointName
        : undefined;
  if (typeof template !== 'string') return undefined;
  const parts = template.split('{group}');
  if (!key.includes('*') || parts.length === 1) return { key, template, shared };
  // The first `{group}` captures the name, any other must repeat it.
  const source = parts
    .map(escapeRegex)
    .reduce((regex, part, index) => `${regex}${index === 1 ? '([a-zA-Z0-9-]+)' : '\\1'}${part}`);
  return { key, template, shared, groupOf: new RegExp(`^${source}$`) };
}

/** Two groups may be on one endpoint only when it is a multi-model endpoint to both. */
const mayShare = (a: { shared: boolean }, b: { shared: boolean }) => a.shared && b.shared;

/** The claim's key's claimant of `endpointName`: the group it configures there, if any. */
export function claimantOf(claim: EndpointClaim, endpointName: string, index: KeyIndex): Claimant | undefined {
  const { key, shared } = claim;
  if (claim.groupOf === undefined) {
    if (claim.template !== endpointName) return undefined;
    return key.includes('*') ? { key, shared } : { key, groupName: key, shared };
  }
  const groupName = claim.groupOf.exec(endpointName)?.[1];
  // Only a group the pattern itself configures: a name listed on its own, or won by another pattern, is not its.
  if (groupName === undefined || !groupNamePattern.test(groupName) || index.configuredBy(groupName) !== key) {
    return undefined;
  }
  return { key, groupName, shared };
}

/** `group g1`, `group churn-globex (pattern churn-*)`, or `the groups of pattern *-churn`. */
export function describeClaimant(claimant: Claimant): string {
  if (claimant.groupName === undefined) return `the groups of pattern ${claimant.key}`;
  return claimant.key === claimant.groupName
    ? `group ${claimant.groupName}`
    : `group ${claimant.groupName} (pattern ${claimant.key})`;
}

/**
 * The claims by endpoint, for a group's check when it is first resolved: one map look-up for the names,
 * and one regex per pattern, whatever the number of groups.
 */
export interface ClaimIndex {
  /** Another key's claimant of the endpoint the group `self` deploys to, if one claims it too. */
  otherClaimant(self: Claimant, endpointName: string): Claimant | undefined;
}

/** A claim of a fixed endpoint name as a look-up reads it: the key, and whether it is a multi-model claim. */
export type FixedClaim = readonly [key: string, shared: boolean];

/** The fixed names' claims a look-up can meet, in file order, by endpoint name (plain data: a bundle carries it). */
export type FixedClaimTable = Readonly<Record<string, readonly FixedClaim[]>>;

/**
 * The claims of fixed names that a look-up can find another claimant in, no more of them than it reads. A look-up
 * reads a name's claims in file order and stops at the first one that is not its own key's and not multi-model
 * like itself: that is one of the first two, or for a multi-model group the first that is not multi-model. A name
 * only one key claims is left out unless a pattern configures a group on it: else only that key looks it up, and
 * skips its own claim. So a policy that passes npm run check keeps only its multi-model endpoints here.
 */
export function fixedClaimTable(claims: readonly EndpointClaim[], index: KeyIndex): FixedClaimTable {
  const byName = new Map<string, EndpointClaim[]>();
  for (const claim of claims) {
    if (claim.groupOf !== undefined) continue;
    const named = byName.get(claim.template);
    if (named === undefined) byName.set(claim.template, [claim]);
    else named.push(claim);
  }
  const templated = claims.filter((claim) => claim.groupOf !== undefined);
  const table: [string, FixedClaim[]][] = [];
  for (const [endpointName, named] of byName) {
    const patternGroupThere = templated.some((claim) => claimantOf(claim, endpointName, index) !== undefined);
    if (named.length < 2 && !patternGroupThere) continue;
    const firstUnshared = named.find((claim) => !claim.shared);
    const read = named.filter((claim, position) => position < 2 || claim === firstUnshared);
    table.push([endpointName, read.map((claim): FixedClaim => [claim.key, claim.shared])]);
  }
  // fromEntries defines own properties: an endpoint named __proto__ is a name like any other.
  return Object.fromEntries(table);
}

/** The claim index over a table of the fixed names' claims and the patterns' templated claims (few). */
export function claimIndexOf(fixed: FixedClaimTable, templated: readonly EndpointClaim[], index: KeyIndex): ClaimIndex {
  return {
    otherClaimant(self, endpointName) {
      const named = Object.hasOwn(fixed, endpointName) ? (fixed[endpointName] ?? []) : [];
      const claims = [
        ...named.map(([key, shared]): EndpointClaim => ({ key, template: endpointName, shared })),
        ...templated,
      ];
      for (const claim of claims) {
        if (claim.key === self.key || mayShare(claim, self)) continue;
        const claimant = claimantOf(claim, endpointName, index);
        if (claimant !== undefined) return claimant;
      }
      return undefined;
    },
  };
}

export function indexClaims(claims: readonly EndpointClaim[], index: KeyIndex): ClaimIndex {
  const templated = claims.filter((claim) => claim.groupOf !== undefined);
  return claimIndexOf(fixedClaimTable(claims, index), templated, index);
}

/** Two keys on one endpoint: `claimant` (for `claim`'s key) came second in the file, `other` first. */
export interface EndpointConflict {
  readonly claim: EndpointClaim;
  readonly endpointName: string;
  readonly claimant: Claimant;
  readonly other: Claimant;
}

/** Every pair of keys (in file order) whose groups would share an endpoint, found without listing groups. */
export function endpointConflicts(claims: readonly EndpointClaim[], index: KeyIndex): EndpointConflict[] {
  const conflicts: EndpointConflict[] = [];
  const earlier: EndpointClaim[] = [];
  // A fixed name meets the earlier same names and every earlier pattern; a pattern meets everything earlier.
  // A multi-model claim meets only the names that are not multi-model: thousands of groups may share one endpoint.
  const earlierFixed = new Map<string, { all: EndpointClaim[]; unshared: EndpointClaim[] }>();
  const earlierTemplated: EndpointClaim[] = [];
  for (const claim of claims) {
    const fixed = claim.groupOf === undefined;
    const sameName = fixed ? earlierFixed.get(claim.template) : undefined;
    const candidates = fixed
      ? [...((claim.shared ? sameName?.unshared : sameName?.all) ?? []), ...earlierTemplated]
      : earlier;
    for (const other of candidates) {
      if (mayShare(claim, other)) continue;
      const conflict = conflictBetween(claim, other, index);
      if (conflict !== undefined) conflicts.push(conflict);
    }
    earlier.push(claim);
    if (!fixed) earlierTemplated.push(claim);
    else if (sameName === undefined)
      earlierFixed.set(claim.template, { all: [claim], unshared: claim.shared ? [] : [claim] });
    else {
      sameName.all.push(claim);
      if (!claim.shared) sameName.unshared.push(claim);
    }
  }
  return conflicts;
}

function conflictBetween(claim: EndpointClaim, other: EndpointClaim, index: KeyIndex): EndpointConflict | undefined {
  // A fixed name on either side: does the other key configure a group there?
  const fixedSide = claim.groupOf === undefined ? claim : other.groupOf === undefined ? other : undefined;
  if (fixedSide !== undefined) {
    const endpointName = fixedSide.template;
    const claimant = claimantOf(claim, endpointName, index);
    const otherClaimant = claimantOf(other, endpointName, index);
    return claimant === undefined || otherClaimant === undefined
      ? undefined
      : { claim, endpointName, claimant, other: otherClaimant };
  }
  // Two templates: search the names both can give.
  const found = sharedEndpoint(templateOf(claim), templateOf(other), index);
  return found === undefined
    ? undefined
    : {
        claim,
        endpointName: found.endpointName,
        claimant: { key: claim.key, groupName: found.groupNames[0], shared: claim.shared },
        other: { key: other.key, groupName: found.groupNames[1], shared: other.shared },
      };
}

function templateOf(claim: EndpointClaim): TemplateClaim {
  const [prefix = '', suffix = ''] = claim.template.split('{group}');
  return { pattern: claim.key, prefix, suffix };
}
