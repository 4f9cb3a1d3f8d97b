// `npm run bench -- --policy-scale [--groups 10,10000] [--runs N] [--check] [--package]`: what the number of
// groups in the policy costs. For each size a fleet policy (demo/fleet-seed.ts, every group listed by name):
// the policy-resources.cjs resolvers serverless.yml calls, the advance bundle built with serverless.yml's
// esbuild options and its cold load (`require` in fresh processes), the bundled policy's own start and first
// look-up (of the last group) in fresh processes; with --check, `npm run check-policy`; with --package,
// `serverless package` (7 esbuild builds: the slowest, and noisy on a shared machine).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { fleetGroup, fleetPolicyYaml } from '../demo/fleet-seed.ts';
import { loadEnv, loadScript, statsOf, timeRuns } from './bench-timing.ts';
import { readServerless, root } from './serverless-build.ts';

const run = promisify(execFile);
const argValue = (flag: string) =>
  process.argv.includes(flag) ? process.argv[process.argv.indexOf(flag) + 1] : undefined;
const sizes = (argValue('--groups') ?? '10,10000').split(',').map(Number);
const runs = Number(argValue('--runs') ?? 10);
if (sizes.some((size) => !Number.isInteger(size) || size < 1))
  throw new Error('--groups: whole numbers, comma-separated');

/** The resolvers serverless.yml names (`${file(./build/serverless/policy-resources.cjs):...}`). */
const resolverNames = [
  'policyDocumentLiteral',
  'modelPackageResources',
  'modelPrefixResources',
  'executionRoleArns',
  'deliveryPipelineResources',
];
const policyResources = createRequire(import.meta.url)('../build/serverless/policy-resources.cjs') as Record<
  string,
  () => unknown
>;

const secondsSince = (started: number) => (performance.now() - started) / 1000;

/**
 * A bundle that does what a handler's start and first event do with the policy, timed from inside: the
 * compiled policy read (lambda-handler.ts) and one group looked up, the last of the file.
 */
async function lookupProbe(size: number, workDir: string): Promise<string> {
  const outfile = path.join(workDir, `lookup-${size}.js`);
  const contents = [
    "import { parseCompiledPolicy } from './shared/policy/compiled-policy.ts';",
    'const started = process.hrtime.bigint();',
    "const policy = parseCompiledPolicy(process.env.ROLLOUT_POLICY_DOCUMENT ?? '', 'bundle');",
    `if (policy.lookup(${JSON.stringify(fleetGroup(size - 1))}).kind !== 'configured') process.exit(1);`,
    'console.log(Number(process.hrtime.bigint() - started) / 1e6);',
  ].join('\n');
  const { options } = readServerless();
  await build({ ...options, stdin: { contents, resolveDir: root, loader: 'ts' }, outfile, logLevel: 'error' });
  return outfile;
}

async function sizeRow(size: number, workDir: string) {
  const policyFile = path.join(workDir, `fleet-${size}.config.yml`);
  writeFileSync(policyFile, fleetPolicyYaml(size));
  process.env.ROLLOUT_POLICY_FILE = policyFile;

  // As serverless resolves them: one call per variable, in one process.
  const resolveStarted = performance.now();
  for (const name of resolverNames) policyResources[name]?.();
  const resolveSeconds = secondsSince(resolveStarted);

  const { options } = readServerless();
  const outfile = path.join(workDir, `advance-${size}`, 'handler.js');
  const buildStarted = performance.now();
  await build({
    ...options,
    absWorkingDir: root,
    entryPoints: ['functions/advance/handler.ts'],
    outfile,
    logLevel: 'error',
  });
  const buildSeconds = secondsSince(buildStarted);
  const probe = await lookupProbe(size, workDir);

  let checkSeconds: number | undefined;
  if (process.argv.includes('--check')) {
    const started = performance.now();
    await run('npx', ['tsx', 'build/check-policy.ts', policyFile], { cwd: root, maxBuffer: 64 * 2 ** 20 });
    checkSeconds = secondsSince(started);
  }
  let packageSeconds: number | undefined;
  if (process.argv.includes('--package')) {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'dummy',
      AWS_SECRET_ACCESS_KEY: 'dummy',
      // serverless-esbuild leaves a folder per function there; the work folder is removed at the end.
      TMPDIR: workDir,
    };
    delete env.AWS_ENDPOINT_URL;
    const started = performance.now();
    await run(
      'npx',
      ['serverless', 'package', '--stage', 'bench', '--package', path.join(workDir, `package-${size}`)],
      {
        cwd: root,
        env,
      },
    );
    packageSeconds = secondsSince(started);
  }
  return {
    size,
    resolveSeconds,
    buildSeconds,
    bundleKB: statSync(outfile).size / 1024,
    outfile,
    probe,
    checkSeconds,
    packageSeconds,
  };
}

const workDir = mkdtempSync(path.join(os.tmpdir(), 'sagemaker-rollout-bench-policy-'));
try {
  console.log(`machine: ${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, node ${process.version}`);
  const built = [];
  for (const size of sizes) built.push(await sizeRow(size, workDir));
  // One run of each size in turn, not all of one size and then the next: a machine whose load changes while
  // the bench runs (a shared one) then weighs on every size alike.
  const loadSamples = built.map((): number[] => []);
  const lookupSamples = built.map((): number[] => []);
  for (let run = 0; run < runs; run += 1) {
    built.forEach(({ outfile, probe }, index) => {
      const load = timeRuns(process.execPath, ['-e', loadScript, outfile], 1, path.dirname(outfile), loadEnv);
      loadSamples[index]?.push(load.median);
      lookupSamples[index]?.push(timeRuns(process.execPath, [probe], 1, workDir, loadEnv).median);
    });
  }
  const rows = built.map((row, index) => ({
    ...row,
    load: statsOf(loadSamples[index] ?? []),
    lookup: statsOf(lookupSamples[index] ?? []),
  }));
  const seconds = (value: number | undefined) => (value === undefined ? '-' : value.toFixed(1));
  const table = [
    [
      'groups',
      'resolvers s',
      'esbuild s',
      'advance KB',
      `load ms (median of ${runs})`,
      'min',
      'max',
      `policy start + first look-up ms (median)`,
      'check-policy s',
      'package s',
    ],
    ...rows.map((row) => [
      String(row.size),
      row.resolveSeconds.toFixed(2),
      row.buildSeconds.toFixed(2),
      row.bundleKB.toFixed(0),
      row.load.median.toFixed(0),
      row.load.min.toFixed(0),
      row.load.max.toFixed(0),
      row.lookup.median.toFixed(1),
      seconds(row.checkSeconds),
      seconds(row.packageSeconds),
    ]),
  ];
  const widths = table[0]?.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length))) ?? [];
  for (const row of table) {
    console.log(
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
        .join('  '),
    );
  }
} finally {
  rmSync(workDir, { recursive: true, force: true });
}
