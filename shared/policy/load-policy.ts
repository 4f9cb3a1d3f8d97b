import { readFileSync } from 'node:fs';
import { BadInputError } from '#shared/errors.ts';
import { type Policy, parsePolicyDocument } from './policy-document.ts';
import { groupKeysAt } from './policy-keys.ts';
import { locateProblems } from './policy-problems.ts';
import { parsePolicyYaml } from './policy-yaml.ts';

export type { Policy } from './policy-document.ts';

/**
 * Validates the policy text (YAML); every problem is reported with its key path and its line, all at once, an
 * unknown key with the known one it likely misspells (policy-problems.ts).
 */
export function parsePolicy(text: string, sourceName: string): Policy {
  let raw: unknown;
  try {
    raw = parsePolicyYaml(text);
  } catch (error) {
    throw new BadInputError(`${sourceName}: not valid YAML: ${(error as Error).message}`);
  }
  try {
    return parsePolicyDocument(raw, sourceName);
  } catch (error) {
    if (!(error instanceof BadInputError)) throw error;
    const [header, ...problems] = error.message.split('\n');
    const located = locateProblems(problems, { text, raw, knownKeys: groupKeysAt });
    throw new BadInputError([header, ...located].join('\n'));
  }
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
