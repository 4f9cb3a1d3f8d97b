/**
 * `npm run bench [-- --runs N] [-- --json]`: bundle size and cold-load time of every function in
 * serverless.yml, built with the esbuild options serverless.yml gives serverless-esbuild, next to
 * the boto3 baseline (import boto3 + create a SageMaker client) in fresh Python processes.
 * `-- --scale`, `-- --policy-scale` and `-- --evidence` run the other benches instead (see the end of the file).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { loadEnv, loadScript, type Stats, timeRuns } from './bench-timing.ts';
import { readServerless, root } from './serverless-build.ts';

const baselineScript =
  "import time; t=time.perf_counter(); import boto3; boto3.client('sagemaker', region_name='us-east-1'); print((time.perf_counter()-t)*1000)";

interface Row {
  name: string;
  entry: string;
  bundleKB: number;
  gzipKB: number;
  loadMs: Stats;
}

async function measure(name: string, entry: string, options: BuildOptions, runs: number, dir: string): Promise<Row> {
  const outfile = path.join(dir, name, 'handler.js');
  await build({ ...options, absWorkingDir: root, entryPoints: [entry], outfile, logLevel: 'error' });
  const bytes = readFileSync(outfile);
  const kb = (n: number): number => Math.round((n / 1024) * 10) / 10;
  const loadMs = timeRuns(process.execPath, ['-e', loadScript, outfile], runs, path.dirname(outfile), loadEnv);
  return { name, entry, bundleKB: kb(bytes.length), gzipKB: kb(gzipSync(bytes).length), loadMs };
}

function baseline(runs: number): { command: string; loadMs?: Stats; unavailable?: string } {
  const command = `python3 -c "${baselineScript}"`;
  try {
    return { command, loadMs: timeRuns('python3', ['-c', baselineScript], runs, root, loadEnv) };
  } catch (error) {
    return { command, unavailable: error instanceof Error ? error.message : String(error) };
  }
}

function argValue(flag: string): string | undefined {
  const i = process.argv.indexOf(flag);
  return i === -1 ? undefined : process.argv[i + 1];
}

async function main(): Promise<void> {
  const runs = Number(argValue('--runs') ?? 10);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const json = process.argv.includes('--json');
  const { functions, options } = readServerless();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sagemaker-rollout-bench-'));
  const rows: Row[] = [];
  try {
    for (const { name, entry } of functions) {
      rows.push(await measure(name, entry, options, runs, dir));
      if (name === 'approve' && options.mainFields !== undefined) {
        const { mainFields: _, ...defaults } = options;
        rows.push(await measure(`${name} (esbuild default mainFields)`, entry, defaults, runs, dir));
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const python = baseline(runs);
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version };

  if (json) {
    console.log(JSON.stringify({ machine, runs, esbuild: options, functions: rows, baseline: python }, null, 2));
    return;
  }
  const ms = (s: Stats): string[] => [s.median, s.min, s.max].map((n) => n.toFixed(1));
  const table = [
    ['function', 'bundle KB', 'gzip KB', 'load median ms', 'min', 'max'],
    ...rows.map((r) => [r.name, r.bundleKB.toFixed(1), r.gzipKB.toFixed(1), ...ms(r.loadMs)]),
    ...(python.loadMs ? [['boto3 baseline', '', '', ...ms(python.loadMs)]] : []),
  ];
  const widths = table[0]?.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length))) ?? [];
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
  // The compiled-in policy is long: show its size, not its text.
  const shown = {
    ...options,
    define: Object.keys(options.define ?? {}).map((key) => `${key} (${options.define?.[key]?.length} chars)`),
  };
  console.log(`esbuild: ${JSON.stringify(shown)}; ${runs} fresh processes each; gzip is a proxy for the zip\n`);
  const pad = (cell: string, c: number): string =>
    c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0);
  for (const row of table) console.log(row.map(pad).join('  '));
  if (python.unavailable !== undefined) console.log(`\nboto3 baseline unavailable: ${python.unavailable}`);
}

// --scale: the fleet and the policy at 10 to 1000 groups (bench/bench-scale.ts). --policy-scale: what the
// policy's size costs packaging, check-policy and a cold start (bench/bench-policy-scale.ts). --evidence: the
// sequential rule against the threshold rule on simulated canaries (bench/bench-evidence.ts). None runs without its flag.
if (process.argv.includes('--scale')) await import('./bench-scale.ts');
else if (process.argv.includes('--policy-scale')) await import('./bench-policy-scale.ts');
else if (process.argv.includes('--evidence')) await import('./bench-evidence.ts');
else await main();
