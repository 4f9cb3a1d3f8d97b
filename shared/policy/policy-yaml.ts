// The policy's YAML read into plain values, in linear time. `yaml`'s own check for duplicate keys compares each
// key with every earlier key of its map: at 10,000 groups under modelPackageGroups that is most of the parse
// (1.8 s of 2.3 s on a 2-core AMD EPYC). Build-time and CLI only (check-policy, the CLI, policy-resources.cjs):
// the functions' bundles carry the policy compiled, never YAML (compiled-policy.ts).
import { isMap, isScalar, isSeq, type Node, parse, parseDocument } from 'yaml';

/** Whether some map holds one scalar key twice; may say yes where `yaml` would not (NaN), never the reverse. */
function hasRepeatedKey(node: Node | null): boolean {
  if (isSeq(node)) return node.items.some((item) => hasRepeatedKey(item as Node | null));
  if (!isMap(node)) return false;
  const keys = new Set<unknown>();
  for (const pair of node.items) {
    if (isScalar(pair.key)) {
      if (keys.has(pair.key.value)) return true;
      keys.add(pair.key.value);
    }
    if (hasRepeatedKey(pair.value as Node | null)) return true;
  }
  return false;
}

/**
 * The document's value, as `parse` from `yaml` gives it. Only a text that is clean (no error, no warning, no key
 * twice in a map) takes the fast way; any other is parsed again by `parse` itself, which throws or warns exactly
 * as it always did, so problems are reported as before.
 */
export function parsePolicyYaml(text: string): unknown {
  const document = parseDocument(text, { uniqueKeys: false });
  const clean = document.errors.length === 0 && document.warnings.length === 0;
  if (!clean || hasRepeatedKey(document.contents)) return parse(text);
  return document.toJS();
}
