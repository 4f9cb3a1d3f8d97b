import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Claimant,
  claimantOf,
  claimOf,
  type EndpointClaim,
  indexClaims,
  type KeyIndex,
} from '#shared/policy/endpoint-claims.ts';
import { instantiate, keysOf, mergedEntry, type PlainObject } from '#shared/policy/group-lookups.ts';
import { endpointEntry, lookedUpGroup, policyKey } from '../../support/policy-arbitraries.ts';

/** Another key's claimant of the endpoint, every claim read in file order: what the index must answer. */
function everyClaimRead(
  claims: readonly EndpointClaim[],
  index: KeyIndex,
  self: Claimant,
  endpointName: string,
): Claimant | undefined {
  const fixed = claims.filter((claim) => claim.groupOf === undefined && claim.template === endpointName);
  const templated = claims.filter((claim) => claim.groupOf !== undefined);
  for (const claim of [...fixed, ...templated]) {
    if (claim.key === self.key || (claim.shared && self.shared)) continue;
    const claimant = claimantOf(claim, endpointName, index);
    if (claimant !== undefined) return claimant;
  }
  return undefined;
}

describe('the claim index (one group per endpoint, checked at a look-up)', () => {
  it('answers for every group as reading every claim would, though it keeps only the claims a look-up can meet', () => {
    const key = policyKey;
    const entry = endpointEntry;
    const groupName = lookedUpGroup;
    fc.assert(
      fc.property(fc.dictionary(key, entry, { maxKeys: 8 }), fc.array(groupName, { maxLength: 8 }), (groups, names) => {
        // Prepare: the claims and keys as policy-document.ts makes them.
        const keyList = Object.keys(groups);
        const { keys } = keysOf({
          has: (name) => Object.hasOwn(groups, name),
          explicitGroups: () => keyList.filter((name) => !name.includes('*')),
          patternKeys: keyList.filter((name) => name.includes('*')),
        });
        const entryOf = (name: string) => mergedEntry({}, groups[name] as PlainObject);
        const claims = keyList.flatMap((name) => claimOf(name, entryOf(name)) ?? []);
        const index = indexClaims(claims, keys);

        for (const name of names) {
          // Act: the endpoint a look-up of the group checks, as group-lookups.ts resolves it.
          const configuredBy = keys.configuredBy(name);
          if (configuredBy === undefined) continue;
          // A key's `{group}` stands for the name only in a pattern.
          const merged = configuredBy === name ? entryOf(name) : instantiate(entryOf(configuredBy), name);
          const own = merged as { endpointName?: string; multiModel?: PlainObject };
          const endpointName = String(own.multiModel?.endpointName ?? own.endpointName);
          const self = { key: configuredBy, groupName: name, shared: own.multiModel !== undefined };

          // Assess
          expect(index.otherClaimant(self, endpointName), name).toEqual(
            everyClaimRead(claims, keys, self, endpointName),
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});
