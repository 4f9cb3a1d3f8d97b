// The keys a group of the policy may have at each place, read from the JSON Schema of the zod schema that
// validates it (the one `npm run schemas` publishes): what "did you mean" chooses from. Build-time and CLI only.
import * as z from 'zod/mini';
import { groupPolicySchema } from './policy-schema.ts';

type JsonSchema = {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
};

let groupSchema: JsonSchema | undefined;

/** The JSON Schema of a group, as the policy's input (before defaults are filled in). */
export function groupJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(groupPolicySchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}

/** The schemas a value at this place may match: an object's, or each alternative's. */
function alternatives(schema: JsonSchema): JsonSchema[] {
  return [schema, ...(schema.anyOf ?? []).flatMap(alternatives), ...(schema.oneOf ?? []).flatMap(alternatives)];
}

/** The keys known at `within` (a path inside a group); undefined where no object with named keys is. */
export function groupKeysAt(within: readonly (string | number)[]): readonly string[] | undefined {
  groupSchema ??= groupJsonSchema() as JsonSchema;
  let places: JsonSchema[] = [groupSchema];
  for (const segment of within) {
    places = places.flatMap(alternatives).flatMap((place) => {
      if (typeof segment === 'number') return place.items === undefined ? [] : [place.items];
      const next = place.properties?.[segment];
      return next === undefined ? [] : [next];
    });
  }
  const keys = places.flatMap(alternatives).flatMap((place) => Object.keys(place.properties ?? {}));
  return keys.length === 0 ? undefined : [...new Set(keys)];
}
