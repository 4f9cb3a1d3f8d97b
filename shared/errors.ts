import type * as z from 'zod/mini';

/**
 * Input that can never succeed however often it is retried: a malformed event, an invalid policy.
 * The message names the field, so the person reading the log knows what to fix.
 */
export class BadInputError extends Error {
  override readonly name = 'BadInputError';
}

/** Another writer changed the rollout record first; the caller re-reads and decides again. */
export class RaceLostError extends Error {
  override readonly name = 'RaceLostError';
}

/** `a.b[0].c` from a zod issue path, the way people write paths in YAML and JSON. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text === '' ? '(root)' : text;
}

/** One line per problem, each starting with the path of the field at fault. */
export function describeZodError(error: z.core.$ZodError, pathPrefix: readonly PropertyKey[] = []): string {
  return error.issues
    .flatMap((issue) => {
      const path = [...pathPrefix, ...issue.path];
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${formatIssuePath([...path, key])}: unknown key`);
      }
      return [`${formatIssuePath(path)}: ${issue.message}`];
    })
    .join('\n');
}
