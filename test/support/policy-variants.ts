import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Policy } from '#shared/policy/load-policy.ts';
import { parsePolicyDocument } from '#shared/policy/policy-document.ts';

/** The policy file as YAML reads it: groups by name, each a plain object a test may change. */
interface RawPolicy {
  defaults?: Record<string, unknown>;
  modelPackageGroups: Record<string, Record<string, unknown> & { approval: Record<string, unknown> }>;
}

/** The demo policy (examples/demo.config.yml) with a test's change, validated as any policy is. */
export function samplePolicyWith(change: (raw: RawPolicy) => void): Policy {
  const raw = parseYaml(readFileSync('examples/demo.config.yml', 'utf8')) as RawPolicy;
  change(raw);
  return parsePolicyDocument(raw, 'examples/demo.config.yml, changed by a test');
}
