import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const scratch = mkdtempSync(join(tmpdir(), 'sagemaker-rollout-check-policy-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The tool in a tsx process of its own, as `npm run check-policy` runs it: its exit code and output. */
const checkPolicy = (...args: string[]) =>
  promisify(execFile)('npx', ['tsx', 'build/check-policy.ts', ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );

describe('npm run check (build/check-policy.ts)', () => {
  it('refuses the starter rollout.config.yml until its endpoint and execution role are filled in, naming both', async () => {
    // Act: no file named, so the default, the user's own policy.
    const starter = await checkPolicy();

    // Assess: exit code 2 is bad input; each placeholder by its key path, with the form it expects.
    expect(starter.code).toBe(2);
    expect(starter.stderr).toMatch(/^rollout\.config\.yml/);
    expect(starter.stderr).toContain(
      'modelPackageGroups.your-model-package-group.endpointName: expected a SageMaker endpoint name',
    );
    // The role is the defaults' (reported at the group that inherits it, or at defaults).
    expect(starter.stderr).toContain(
      '.executionRoleArn: expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
    );
  }, 30_000);

  it('accepts the demo policy, examples/demo.config.yml, listing its groups', async () => {
    const demo = await checkPolicy('examples/demo.config.yml');

    expect(demo).toMatchObject({ code: 0, stderr: '' });
    expect(demo.stdout).toMatch(/^examples\/demo\.config\.yml: valid, 6 model package group\(s\): fraud-detector, /);
  }, 30_000);

  // Runs the tool in a tsx process of its own: seconds on a busy machine, hence the longer timeout.
  it('refuses a policy whose keys would put two groups on one endpoint, naming both keys and the endpoint', async () => {
    // Prepare
    const file = join(scratch, 'shared-endpoints.config.yml');
    writeFileSync(
      file,
      [
        'defaults:',
        '  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution',
        '  instanceType: ml.m5.large',
        '  initialInstanceCount: 1',
        '  approval: { mode: manual }',
        '  rollout: { strategy: canary, steps: [10, 100], bakeMinutes: 10 }',
        'modelPackageGroups:',
        '  "churn-*": { endpointName: "{group}-prod" }',
        '  x: { endpointName: churn-globex-prod }',
        '  "legacy-*": { endpointName: "churn-{group}" }',
        '',
      ].join('\n'),
    );

    // Act
    const failure = await promisify(execFile)('npx', ['tsx', 'build/check-policy.ts', file]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );

    // Assess: exit code 2 is bad input, every problem at once.
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain(
      'modelPackageGroups.x.endpointName: endpoint churn-globex-prod is already used by group churn-globex (pattern churn-*)',
    );
    expect(failure?.stderr).toContain(
      'modelPackageGroups.legacy-*.endpointName: endpoint churn-legacy-prod of its group legacy-prod is already used by group churn-legacy (pattern churn-*)',
    );
  }, 30_000);
});
