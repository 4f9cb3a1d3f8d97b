// `npm run schemas`: the JSON Schemas this project publishes, generated from the zod schemas that validate the
// same documents, so an editor (yaml-language-server) and another tool see what the functions accept:
// - schemas/rollout.config.schema.json: the policy file. Every key, type, enum and pattern; `required` is left to
//   `npm run check`, since `defaults` may give any key of a group and cross-key rules (a strategy's steps, a
//   margin of 0) are refinements JSON Schema cannot say.
// - schemas/events/*.json: the detail of each decision event the stack puts on EventBridge (versioned).
// A test (test/unit/policy/json-schemas.test.ts) fails when a committed file differs from what this generates.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as z from 'zod/mini';
import { groupJsonSchema } from '#shared/policy/policy-keys.ts';
import {
  decisionDetailSchema,
  decisionTypes,
  detailSchemaVersion,
  eventSource,
} from '#shared/rollout/decision-events.ts';

type JsonSchema = Record<string, unknown>;

/** The schema without `required` anywhere: what defaults may fill in is checked by `npm run check`. */
function withoutRequired(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(withoutRequired);
  if (typeof schema !== 'object' || schema === null) return schema;
  return Object.fromEntries(
    Object.entries(schema)
      .filter(([key]) => key !== 'required' && key !== '$schema')
      .map(([key, value]) => [key, withoutRequired(value)]),
  );
}

export function policyJsonSchema(): JsonSchema {
  const group = withoutRequired(groupJsonSchema());
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/sagemaker-rollout/sagemaker-rollout/schemas/rollout.config.schema.json',
    title: 'sagemaker-rollout policy (rollout.config.yml)',
    description:
      'Which model package groups the stack manages and how: approval rules, the deployment target, the rollout. `defaults` is merged under every group. `npm run check` validates what this schema cannot: required keys after the merge, and rules across keys.',
    type: 'object',
    additionalProperties: false,
    required: ['modelPackageGroups'],
    properties: {
      defaults: { $ref: '#/$defs/group', description: 'Merged under every group (a group key wins).' },
      modelPackageGroups: {
        type: 'object',
        description: 'One key per model package group, or a pattern with * (customer-*).',
        propertyNames: { pattern: '^[a-zA-Z0-9*](-*[a-zA-Z0-9*]){0,62}$' },
        additionalProperties: { $ref: '#/$defs/group' },
      },
    },
    $defs: { group },
  };
}

/** A decision event's `detail`, with the source and detail-types it comes with. */
export function decisionDetailJsonSchema(): JsonSchema {
  const detail = z.toJSONSchema(decisionDetailSchema, { io: 'output' }) as JsonSchema;
  return {
    ...detail,
    $id: `https://github.com/sagemaker-rollout/sagemaker-rollout/schemas/events/decision-detail.v${detailSchemaVersion}.schema.json`,
    title: `sagemaker-rollout decision event detail, schema version ${detailSchemaVersion}`,
    description: `The detail of every event with source ${eventSource} on the account's default EventBridge bus. One shape for every detail-type; a field that changes meaning or goes away bumps schemaVersion, a new field does not.`,
    'x-source': eventSource,
    'x-detail-types': Object.values(decisionTypes),
  };
}

const root = fileURLToPath(new URL('..', import.meta.url));

/** Each published schema by its path from the repository's root. */
export function publishedSchemas(): Record<string, JsonSchema> {
  return {
    'schemas/rollout.config.schema.json': policyJsonSchema(),
    [`schemas/events/decision-detail.v${detailSchemaVersion}.schema.json`]: decisionDetailJsonSchema(),
  };
}

export function schemaText(schema: JsonSchema): string {
  return `${JSON.stringify(schema, null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const [path, schema] of Object.entries(publishedSchemas())) {
    writeFileSync(`${root}${path}`, schemaText(schema));
    console.log(`wrote ${path}`);
  }
}
