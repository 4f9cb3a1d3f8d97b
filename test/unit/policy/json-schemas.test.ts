// The published JSON Schemas: what `npm run schemas` generates from the zod schemas is what is committed, and
// they accept what the functions accept and refuse a typo where it is.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { transitionEvents } from '#shared/rollout/decision-events.ts';
import { publishedSchemas, schemaText } from '../../../build/policy-json-schema.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';

const compile = (path: string) =>
  new Ajv2020({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(path, 'utf8')));

describe('the published JSON Schemas', () => {
  it('are what npm run schemas generates (run it after changing a zod schema)', () => {
    for (const [path, schema] of Object.entries(publishedSchemas())) {
      expect(readFileSync(path, 'utf8'), path).toBe(schemaText(schema));
    }
  });

  it('accept every policy of the repository, and refuse a misspelt key at its place', () => {
    const validate = compile('schemas/rollout.config.schema.json');
    const policies = ['examples/demo.config.yml', 'test/fixtures/analysis.config.yml', 'demo/live.config.yml'];
    for (const file of policies) {
      expect(validate(parseYaml(readFileSync(file, 'utf8'), { merge: true })), file).toBe(true);
    }
    const misspelt = {
      modelPackageGroups: { 'fraud-detector': { endpointName: 'fraud-prod', rollout: { bakeMinuts: 10 } } },
    };
    expect(validate(misspelt)).toBe(false);
    expect(validate.errors).toContainEqual(
      expect.objectContaining({
        instancePath: '/modelPackageGroups/fraud-detector/rollout',
        params: { additionalProperty: 'bakeMinuts' },
      }),
    );
    expect(validate({ modelPackageGroups: { 'bad name!': {} } })).toBe(false);
  });

  it("describe each decision event's detail as the stack makes it", () => {
    const validate = compile('schemas/events/decision-detail.v1.schema.json');
    const before = rolloutRecord({
      endpointName: 'fraud-prod',
      groupName: 'fraud-detector',
      packageVersion: 2,
      phase: 'Baking',
    });
    const after = { ...before, phase: 'RolledBack' as const, reason: 'alarm fraud-prod-5xx' };
    const events = transitionEvents(before, after, '2026-12-03T09:00:00Z', () => 50);
    expect(events.length).toBeGreaterThan(0);
    for (const event of events) expect(validate(event.detail), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...events[0]?.detail, schemaVersion: '2' })).toBe(false);
  });
});
