// Build-time validation of the policy (`npm run check`): the same parser the functions run at start.
import { parseArgs } from 'node:util';
import { BadInputError } from '#shared/errors.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import { evidenceFloor } from '#shared/rollout/evidence-planner.ts';

const { positionals } = parseArgs({ allowPositionals: true });
const file = positionals[0] ?? process.env.ROLLOUT_POLICY_FILE ?? 'rollout.config.yml';
try {
  const policy = loadPolicyFile(file);
  const patterns = policy.patterns.map((pattern) => pattern.pattern);
  console.log(
    `${file}: valid, ${policy.explicitGroups.length} model package group(s): ${policy.explicitGroups.join(', ')}` +
      (patterns.length > 0 ? `; patterns: ${patterns.join(', ')}` : ''),
  );
  // What a sequential analysis needs at the least, whatever the traffic; the planner times it on the endpoint's.
  for (const groupName of policy.explicitGroups) {
    const analysis = policy.group(groupName)?.rollout.analysis;
    if (analysis?.method !== 'sequential') continue;
    console.log(
      `  evidence ${groupName}: at least ${evidenceFloor(analysis).join('; ')} (alpha ${analysis.alpha}); rollout plan-evidence ${groupName} times it at the endpoint's traffic`,
    );
  }
} catch (error) {
  console.error((error as Error).message);
  process.exitCode = error instanceof BadInputError ? 2 : 1;
}
