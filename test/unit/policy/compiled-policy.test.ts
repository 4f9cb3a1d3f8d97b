import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import { compilePolicy, parseCompiledPolicy } from '#shared/policy/compiled-policy.ts';
import type { Policy } from '#shared/policy/load-policy.ts';
import { parsePolicyDocument } from '#shared/policy/policy-document.ts';
import { parsePolicyYaml } from '#shared/policy/policy-yaml.ts';
import { endpointEntry, lookedUpGroup, policyKey } from '../../support/policy-arbitraries.ts';

const defaults = {
  executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
  instanceType: 'ml.m5.large',
  initialInstanceCount: 1,
  approval: { mode: 'manual' },
  rollout: { strategy: 'canary', steps: [10, 100], bakeMinutes: 10 },
};

/** The policy as a bundle reads it: compiled at package time, read back at a cold start. */
const bundled = (raw: unknown) => parseCompiledPolicy(compilePolicy(raw, 'test.yml'), 'test.yml (bundled)');

/** What a look-up gives, or the message it throws (a group invalid in the file). */
function outcome(policy: Policy, groupName: string) {
  try {
    return { lookup: policy.lookup(groupName) };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

describe('the compiled policy (what the bundles carry)', () => {
  const demo = parsePolicyYaml(readFileSync('examples/demo.config.yml', 'utf8'));

  it('gives each group the policy the checked document gives: listed by name, by pattern, multi-model, batch', () => {
    // Prepare
    const checked = parsePolicyDocument(demo, 'examples/demo.config.yml');
    const compiled = bundled(demo);
    // Groups of the patterns (*-churn, multi-model; *-assistant, inference components), and names none configures,
    // some of them names of Object.prototype's properties.
    const others = ['acme-churn', 'globex-assistant', 'unknown-group', 'constructor', '__proto__', 'toString'];

    // Assess
    expect(compiled.explicitGroups).toEqual(checked.explicitGroups);
    expect(compiled.patterns.map((pattern) => pattern.pattern)).toEqual(
      checked.patterns.map((pattern) => pattern.pattern),
    );
    for (const groupName of [...checked.explicitGroups, ...others]) {
      expect(compiled.lookup(groupName), groupName).toEqual(checked.lookup(groupName));
      expect(compiled.configuredBy(groupName), groupName).toBe(checked.configuredBy(groupName));
    }
    expect(compiled.group('acme-churn')?.endpointName).toBe('customers-mme/acme-churn');
    expect(compiled.lookup('constructor')).toEqual({ kind: 'not configured' });
  });

  it('refuses both groups of an endpoint claimed twice, and says why', () => {
    const policy = bundled({
      defaults,
      modelPackageGroups: { 'churn-*': { endpointName: '{group}-prod' }, x: { endpointName: 'churn-globex-prod' } },
    });

    expect(policy.lookup('churn-globex')).toEqual({
      kind: 'endpoint claimed twice',
      endpointName: 'churn-globex-prod',
      claimant: { key: 'churn-*', groupName: 'churn-globex', shared: false },
      other: { key: 'x', groupName: 'x', shared: false },
      reason: 'endpoint churn-globex-prod is claimed by group churn-globex (pattern churn-*) and by group x',
    });
    expect(policy.lookup('x')).toMatchObject({ kind: 'endpoint claimed twice', other: { key: 'churn-*' } });
    expect(policy.group('churn-acme')?.endpointName).toBe('churn-acme-prod');
  });

  it('refuses a group named on another group’s endpoint, and one on a multi-model endpoint many groups share', () => {
    const multiModel = { endpointName: 'customers-mme', modelPrefix: 's3://models/churn/' };
    const shops = Object.fromEntries(Array.from({ length: 100 }, (_, index) => [`shop-${index}`, { multiModel }]));
    const policy = bundled({
      defaults,
      modelPackageGroups: {
        ...shops,
        fraud: { endpointName: 'fraud-prod' },
        'fraud-eu': { endpointName: 'fraud-prod' },
        intruder: { endpointName: 'customers-mme' },
      },
    });

    expect(policy.lookup('fraud-eu')).toMatchObject({ kind: 'endpoint claimed twice', other: { key: 'fraud' } });
    expect(policy.lookup('fraud')).toMatchObject({ kind: 'endpoint claimed twice', other: { key: 'fraud-eu' } });
    expect(policy.lookup('intruder')).toMatchObject({ kind: 'endpoint claimed twice', other: { key: 'shop-0' } });
    expect(policy.lookup('shop-99')).toMatchObject({ kind: 'endpoint claimed twice', other: { key: 'intruder' } });
  });

  it('carries only the endpoints more than one key can reach: none for groups each on an endpoint of its own', () => {
    const multiModel = { endpointName: 'customers-mme', modelPrefix: 's3://models/churn/' };
    const groups = Object.fromEntries([
      ...Array.from({ length: 1000 }, (_, index) => [`shop-${index}`, { endpointName: `shop-${index}-prod` }]),
      ...Array.from({ length: 1000 }, (_, index) => [`churn-${index}`, { multiModel }]),
    ]);

    const { fixedClaims } = JSON.parse(compilePolicy({ defaults, modelPackageGroups: groups }, 'test.yml'));

    // The multi-model endpoint's first two claims are all a look-up reads.
    expect(fixedClaims).toEqual({
      'customers-mme': [
        ['churn-0', true],
        ['churn-1', true],
      ],
    });
  });

  it('reads a group’s entry only when the group is first looked up', () => {
    // Prepare: an entry no look-up of it could read.
    const compiled = JSON.parse(
      compilePolicy(
        {
          defaults,
          modelPackageGroups: { fraud: { endpointName: 'fraud-prod' }, churn: { endpointName: 'churn-prod' } },
        },
        'test.yml',
      ),
    );
    compiled.groups.churn = '{not json';

    // Act
    const policy = parseCompiledPolicy(JSON.stringify(compiled), 'bundle');

    // Assess
    expect(policy.group('fraud')?.endpointName).toBe('fraud-prod');
    expect(() => policy.group('churn')).toThrow(SyntaxError);
  });

  it('refuses at start a bundle that holds no compiled policy (an older build’s document)', () => {
    expect(() => parseCompiledPolicy(JSON.stringify(demo), 'bundle')).toThrow(
      /^bundle: not a compiled policy \(package it again\):\nformat: /,
    );
  });

  it('refuses to compile a document of the wrong shape, naming the path', () => {
    const compiling = () => compilePolicy({ modelPackageGroups: { 'bad name!': {} } }, 'test.yml');
    expect(compiling).toThrow(BadInputError);
    expect(compiling).toThrow(/^test\.yml:\nmodelPackageGroups\.bad name!: /);
  });

  it('looks up every group as the document does, whatever keys and endpoints the policy has', () => {
    const key = policyKey;
    const endpoint = endpointEntry;
    const groupName = lookedUpGroup;
    fc.assert(
      fc.property(
        fc.dictionary(key, endpoint, { maxKeys: 6 }),
        fc.array(groupName, { maxLength: 6 }),
        (groups, names) => {
          const raw = { defaults, modelPackageGroups: groups };
          const document = parsePolicyDocument(raw, 'test.yml', 'on use');
          const compiled = bundled(raw);
          for (const name of names) expect(outcome(compiled, name), name).toEqual(outcome(document, name));
        },
      ),
    );
  });
});
