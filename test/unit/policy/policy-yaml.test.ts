import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { parsePolicyYaml } from '#shared/policy/policy-yaml.ts';

/** What reading the text gives: its value, or the message of what it throws. */
function read(reader: (text: string) => unknown, text: string) {
  try {
    return { value: reader(text) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('parsePolicyYaml (the policy text read in linear time)', () => {
  it('gives what yaml’s parse gives for the policies of the repository', () => {
    for (const file of ['examples/demo.config.yml', 'demo/live.config.yml', 'rollout.config.yml']) {
      const text = readFileSync(file, 'utf8');
      expect(parsePolicyYaml(text), file).toEqual(parse(text));
    }
  });

  it('refuses a key given twice in a map, at any depth and in flow maps, with yaml’s own message', () => {
    const twice = [
      'modelPackageGroups:\n  fraud: { endpointName: a }\n  churn: { endpointName: b }\n  fraud: { endpointName: c }\n',
      'modelPackageGroups:\n  fraud:\n    endpointName: a\n    rollout: { bakeMinutes: 5, bakeMinutes: 10 }\n',
      'defaults: { approval: { mode: manual } }\ndefaults: {}\n',
      'modelPackageGroups:\n  fraud:\n    rollout:\n      alarms:\n        - { name: a, name: b }\n',
    ];
    for (const text of twice) {
      const { error } = read(parsePolicyYaml, text);
      expect(error, text).toMatch(/^Map keys must be unique at line \d+, column \d+/);
      expect(error).toBe(read(parse, text).error);
    }
  });

  it('reports a text that is not YAML, or holds two documents, as yaml does', () => {
    for (const text of ['a: [1, 2\n', 'a: 1\n---\nb: 2\n', 'a:\n  - b\n c: 1\n']) {
      expect(read(parsePolicyYaml, text), text).toEqual(read(parse, text));
      expect(read(parsePolicyYaml, text).error).toBeDefined();
    }
  });

  it('reads any document as yaml’s parse does', () => {
    const value = fc.jsonValue({ maxDepth: 4 });
    fc.assert(
      fc.property(value, fc.boolean(), (document, flow) => {
        const text = stringify(document, { collectionStyle: flow ? 'flow' : 'block' });
        expect(read(parsePolicyYaml, text)).toEqual(read(parse, text));
      }),
    );
  });
});
