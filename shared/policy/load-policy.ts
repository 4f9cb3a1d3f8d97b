import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { BadInputError } from '#shared/errors.ts';
import { type Policy, parsePolicyDocument } from './policy-document.ts';

export type { Policy } from './policy-document.ts';

/** Validates the policy text (YAML); every problem is reported with its key path, all at once. */
export function parsePolicy(text: string, sourceName: string): Policy {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new BadInputError(`${sourceName}: not valid YAML: ${(error as Error).message}`);
  }
  return parsePolicyDocument(raw, sourceName);
}

export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new BadInputError(`cannot read the policy file ${path}: ${(error as Error).message}`);
  }
  return parsePolicy(text, path);
}
