// Build-time validation of the policy (`npm run check`): the same parser the functions run at start.
import { parseArgs } from 'node:util';
import { BadInputError } from '#shared/errors.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';

const { positionals } = parseArgs({ allowPositionals: true });
const file = positionals[0] ?? process.env.ROLLOUT_POLICY_FILE ?? 'rollout.config.yml';
try {
  const policy = loadPolicyFile(file);
  const patterns = policy.patterns.map((pattern) => pattern.pattern);
  console.log(
    `${file}: valid, ${policy.explicitGroups.length} model package group(s): ${policy.explicitGroups.join(', ')}` +
      (patterns.length > 0 ? `; patterns: ${patterns.join(', ')}` : ''),
  );
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = error instanceof BadInputError ? 2 : 1;
}
