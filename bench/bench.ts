/**
 * `npm run bench [-- --runs N] [-- --json]`: bundle size and cold-load time of every function in
 * serverless.yml, built with the esbuild options serverless.yml gives serverless-esbuild, next to
 * the boto3 baseline (import boto3 + create a SageMaker client) in fresh Python processes.
 * `-- --scale` and `-- --evidence` run the other benches instead (see the end of the file).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { loadEnv, loadScript, type Stats, timeRuns } from './bench-timing.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The custom.esbuild keys that are esbuild options; `exclude` is checked separately (nothing external). */
const esbuildKeys = ['bundle', 'minify', 'sourcemap', 'target', 'platform', 'format', 'mainFields'] as const;

const baselineScript =
  "import time; t=time.perf_counter(); import boto3; boto3.client('sagemaker', region_name='us-east-1'); print((time.perf_counter()-t)*1000)";

interface Row {
  name: string;
  entry: string;
  bundleKB: number;
  gzipKB: number;
  loadMs: Stats;
}

function record(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`serverless.yml: ${where} is not a mapping`);
  }
  return value as Record<string, unknown>;
}

/** The `${file(./build/serverless/policy-resources.cjs):name}` values of custom.esbuild.define, as serverless resolves them. */
function resolveDefine(define: Record<string, unknown>): Record<string, string> {
  // The bundles carry the demo's policy unless told otherwise: the root's rollout.config.yml is a starter.
  process.env.ROLLOUT_POLICY_FILE ??= path.join(root, 'examples/demo.config.yml');
  const resources = createRequire(import.meta.url)('../build/serverless/policy-resources.cjs') as Record<
    string,
    () => string
  >;
  return Object.fromEntries(
    Object.entries(define).map(([key, value]) => {
      const name = /^\$\{file\(\.\/build\/serverless\/policy-resources\.cjs\):(\w+)\}$/.exec(String(value))?.[1];
      const resolve = name === undefined ? undefined : resources[name];
      if (resolve === undefined)
        throw new Error(`custom.esbuild.define.${key}: the bench resolves only policy-resources.cjs values`);
      return [key, resolve()];
    }),
  );
}

function readServerless(): { functions: { name: string; entry: string }[]; options: BuildOptions } {
  const doc = record(parseYaml(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { merge: true }), 'the file');
  const custom = record(record(doc.custom, 'custom').esbuild, 'custom.esbuild');
  const exclude = custom.exclude ?? [];
  if (!Array.isArray(exclude) || exclude.length > 0) {
    throw new Error('serverless.yml: custom.esbuild.exclude must be [] (the bench bundles everything)');
  }
  for (const key of Object.keys(custom)) {
    if (key !== 'exclude' && key !== 'define' && !(esbuildKeys as readonly string[]).includes(key)) {
      console.error(`warning: custom.esbuild.${key} is not applied by the bench`);
    }
  }
  // esbuild validates the option types itself and names the bad one.
  const options = Object.fromEntries(esbuildKeys.filter((k) => k in custom).map((k) => [k, custom[k]])) as BuildOptions;
  if (custom.define !== undefined) options.define = resolveDefine(record(custom.define, 'custom.esbuild.define'));
  if (options.format !== 'cjs') {
    throw new Error('bench loads bundles with require(): custom.esbuild.format must be cjs');
  }

  const functions = Object.entries(record(doc.functions, 'functions')).map(([name, definition]) => {
    const handler = record(definition, `functions.${name}`).handler;
    if (typeof handler !== 'string') throw new Error(`serverless.yml: functions.${name}.handler is not a string`);
    const base = handler.slice(0, handler.lastIndexOf('.'));
    const entry = ['.ts', '.js'].map((ext) => base + ext).find((file) => existsSync(path.join(root, file)));
    if (entry === undefined) throw new Error(`functions.${name}: no ${base}.ts or ${base}.js`);
    return { name, entry };
  });
  return { functions, options };
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

// --scale: the fleet and the policy at 10 to 1000 groups (bench/bench-scale.ts). --evidence: the sequential
// rule against the threshold rule on simulated canaries (bench/bench-evidence.ts). Neither runs without its flag.
if (process.argv.includes('--scale')) await import('./bench-scale.ts');
else if (process.argv.includes('--evidence')) await import('./bench-evidence.ts');
else await main();
