// The policy as data: validation and defaults. No YAML here, so the Lambda bundles (which receive the
// policy compiled in as JSON, see serverless.yml custom.esbuild.define) carry no YAML parser.
import { BadInputError, describeZodError } from '#shared/errors.ts';
import { type GroupPolicy, groupPolicySchema, policyFileSchema } from './policy-schema.ts';

export interface Policy {
  readonly groups: ReadonlyMap<string, GroupPolicy>;
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

/** Validates the policy document; every problem is reported with its key path, all at once. */
export function parsePolicyDocument(raw: unknown, sourceName: string): Policy {
  const file = policyFileSchema.safeParse(raw);
  if (!file.success) throw new BadInputError(`${sourceName}:\n${describeZodError(file.error)}`);

  const problems: string[] = [];
  const groups = new Map<string, GroupPolicy>();
  const groupByEndpoint = new Map<string, string>();
  for (const [groupName, own] of Object.entries(file.data.modelPackageGroups)) {
    const parsed = groupPolicySchema.safeParse(mergeUnder(file.data.defaults, own));
    if (!parsed.success) {
      problems.push(describeZodError(parsed.error, ['modelPackageGroups', groupName]));
      continue;
    }
    // One active rollout per endpoint: two groups on one endpoint would replace each other's variants.
    const otherGroup = groupByEndpoint.get(parsed.data.endpointName);
    if (otherGroup !== undefined) {
      problems.push(
        `modelPackageGroups.${groupName}.endpointName: endpoint ${parsed.data.endpointName} is already used by group ${otherGroup}`,
      );
    }
    groupByEndpoint.set(parsed.data.endpointName, groupName);
    groups.set(groupName, parsed.data);
  }
  if (problems.length > 0) throw new BadInputError(`${sourceName}:\n${problems.join('\n')}`);
  return { groups };
}
