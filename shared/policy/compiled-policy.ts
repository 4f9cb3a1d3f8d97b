// The policy as every bundle carries it (serverless.yml custom.esbuild.define, via policy-resources.cjs): compiled
// at package time so that a cold start costs the same at 10 groups as at 10,000. Each key's entry stays JSON text
// until a group of that key is looked up; which fixed endpoint names more than one key claims is worked out here,
// once, so a look-up checks its endpoint with one map read instead of reading every entry.
import * as z from 'zod/mini';
import { BadInputError, describeZodError } from '#shared/errors.ts';
import { claimIndexOf, claimOf, fixedClaimTable } from './endpoint-claims.ts';
import {
  isPlainObject,
  keysOf,
  mergedEntry,
  type PlainObject,
  type Policy,
  type PolicyEntries,
  policyOver,
} from './group-lookups.ts';
import { policyFileSchema } from './policy-schema.ts';

/** Names the form, so that a bundle holding anything else (an older build's raw document) fails at start. */
const compiledFormat = 'sagemaker-rollout compiled policy 1';

const compiledPolicySchema = z.strictObject({
  format: z.literal(compiledFormat),
  defaults: z.record(z.string(), z.unknown()),
  // Checked one entry at a time, when it is looked up: checking all at start is what this form avoids.
  groups: z.custom<Readonly<Record<string, unknown>>>(isPlainObject, 'expected an object'),
  patterns: z.array(z.string()),
  // A policy that passes npm run check has entries only for its multi-model endpoints: small.
  fixedClaims: z.record(z.string(), z.array(z.tuple([z.string(), z.boolean()]))),
});

/**
 * The document compiled: the file's shape checked (policyFileSchema), each key's own entry as JSON text in file
 * order, the patterns, and the table of fixed endpoint names that more than one key can reach (endpoint-claims.ts).
 * Groups are not validated here: npm run check does that, and a Lambda validates a group when first used.
 */
export function compilePolicy(raw: unknown, sourceName: string): string {
  const file = policyFileSchema.safeParse(raw);
  if (!file.success) throw new BadInputError(`${sourceName}:\n${describeZodError(file.error)}`);
  const { defaults, modelPackageGroups } = file.data;
  const keyList = Object.keys(modelPackageGroups);
  const patterns = keyList.filter((key) => key.includes('*'));
  const { keys } = keysOf({
    has: (key) => Object.hasOwn(modelPackageGroups, key),
    explicitGroups: () => keyList.filter((key) => !key.includes('*')),
    patternKeys: patterns,
  });
  const claims = keyList.flatMap(
    (key) => claimOf(key, mergedEntry(defaults, modelPackageGroups[key] as PlainObject)) ?? [],
  );
  // What compiledPolicySchema reads back at a cold start (the tests read every group back through it).
  return JSON.stringify({
    format: compiledFormat,
    defaults,
    groups: Object.fromEntries(Object.entries(modelPackageGroups).map(([key, own]) => [key, JSON.stringify(own)])),
    patterns,
    fixedClaims: fixedClaimTable(claims, keys),
  });
}

/**
 * The policy from its compiled form: `explicitGroups`, `patterns` and the claims are read from the table, and a
 * group's entry is parsed, merged and validated the first time the group is looked up.
 */
export function parseCompiledPolicy(text: string, sourceName: string): Policy {
  const parsed = compiledPolicySchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new Error(`${sourceName}: not a compiled policy (package it again):\n${describeZodError(parsed.error)}`);
  }
  const { defaults, groups, patterns, fixedClaims } = parsed.data;
  let explicitGroups: readonly string[] | undefined;
  const entries: PolicyEntries = {
    has: (key) => Object.hasOwn(groups, key),
    entryOf(key) {
      const text = groups[key];
      const own: unknown = typeof text === 'string' ? JSON.parse(text) : undefined;
      if (!isPlainObject(own))
        throw new Error(`${sourceName}: modelPackageGroups.${key} is not compiled (package it again)`);
      return mergedEntry(defaults, own);
    },
    explicitGroups: () => {
      explicitGroups ??= Object.keys(groups).filter((key) => !key.includes('*'));
      return explicitGroups;
    },
    patternKeys: patterns,
    // The patterns' templates come from their entries (a few); the fixed names' claims from the table.
    claims: (keys) =>
      claimIndexOf(
        fixedClaims,
        patterns
          .flatMap((key) => claimOf(key, entries.entryOf(key)) ?? [])
          .filter((claim) => claim.groupOf !== undefined),
        keys,
      ),
  };
  return policyOver(entries, keysOf(entries));
}
