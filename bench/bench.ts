/**
 * `npm run bench [-- --runs N] [-- --json]`: bundle size and cold-load time of every function in
 * serverless.yml, built with the esbuild options serverless.yml gives serverless-esbuild, interleaved
 * round by round with the boto3 baseline (import boto3 + create a SageMaker client) in fresh processes.
 * `-- --scale` and `-- --evidence` run the other benches instead (see the end of the file).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { parse as parseYaml } from 'yaml';
import { loadEnv, loadScript, type Stats, type Timed, type TimedCommand, timeInterleaved } from './bench-timing.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * The custom.esbuild keys that are esbuild options; `exclude` is checked separately (nothing external) and
 * `outputFileExtension` (serverless-esbuild's) becomes esbuild's outExtension.
 */
const esbuildKeys = [
  'bundle',
  'minify',
  'sourcemap',
  'target',
  'platform',
  'format',
  'splitting',
  'banner',
  'mainFields',
] as const;

const baselineScript =
  "import time; t=time.perf_counter(); import boto3; boto3.client('sagemaker', region_name='us-east-1'); print((time.perf_counter()-t)*1000)";

interface Built {
  name: string;
  entry: string;
  file: string;
  /** Every file of the function: its entry and all its chunks. */
  bundleKB: number;
  gzipKB: number;
  /** The entry and the chunks it imports statically: what a cold start loads. */
  loadedKB: number;
}

interface Row extends Omit<Built, 'file'> {
  loadMs: Stats;
  processMs: Stats;
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
    const known = ['exclude', 'define', 'outputFileExtension', ...esbuildKeys];
    if (!known.includes(key)) {
      console.error(`warning: custom.esbuild.${key} is not applied by the bench`);
    }
  }
  // esbuild validates the option types itself and names the bad one.
  const options = Object.fromEntries(esbuildKeys.filter((k) => k in custom).map((k) => [k, custom[k]])) as BuildOptions;
  if (custom.define !== undefined) options.define = resolveDefine(record(custom.define, 'custom.esbuild.define'));
  if (options.format !== 'esm' || custom.outputFileExtension !== '.mjs') {
    throw new Error('bench loads bundles with import(): custom.esbuild needs format esm and outputFileExtension .mjs');
  }
  options.outExtension = { '.js': '.mjs' };

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

/** The output files a cold start loads: the entry and, transitively, what it imports statically. */
function loadedAtStart(outputs: Metafile['outputs'], entryFile: string): string[] {
  const loaded = new Set<string>();
  const visit = (file: string) => {
    if (loaded.has(file)) return;
    loaded.add(file);
    for (const imported of outputs[file]?.imports ?? []) {
      if (imported.kind === 'import-statement' && !imported.external) visit(imported.path);
    }
  };
  visit(entryFile);
  return [...loaded];
}

const kb = (n: number): number => Math.round((n / 1024) * 10) / 10;

async function buildFunction(name: string, entry: string, options: BuildOptions, dir: string): Promise<Built> {
  const outdir = path.join(dir, name);
  const { metafile } = await build({
    ...options,
    absWorkingDir: root,
    entryPoints: { handler: entry },
    outdir,
    metafile: true,
    logLevel: 'error',
  });
  const outputs = metafile.outputs;
  // The handler's own output: with splitting, each dynamically imported module is an entry point of its own too.
  const entryFile = Object.keys(outputs).find((file) => outputs[file]?.entryPoint === entry);
  if (entryFile === undefined) throw new Error(`${name}: esbuild wrote no entry`);
  const files = Object.keys(outputs);
  const bytes = Buffer.concat(files.map((file) => readFileSync(path.join(root, file))));
  const loadedBytes = loadedAtStart(outputs, entryFile).reduce((sum, file) => sum + (outputs[file]?.bytes ?? 0), 0);
  return {
    name,
    entry,
    file: path.join(root, entryFile),
    bundleKB: kb(bytes.length),
    gzipKB: kb(gzipSync(bytes).length),
    loadedKB: kb(loadedBytes),
  };
}

const baselineCommand = `python3 -c "${baselineScript}"`;

function python3Available(): string | undefined {
  const probe = spawnSync('python3', ['-c', 'import boto3'], { encoding: 'utf8' });
  if (probe.error !== undefined) return probe.error.message;
  return probe.status === 0 ? undefined : probe.stderr.trim().split('\n').at(-1);
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
  let python: { command: string; loadMs?: Stats; processMs?: Stats; unavailable?: string };
  try {
    const built: Built[] = [];
    for (const { name, entry } of functions) {
      built.push(await buildFunction(name, entry, options, dir));
      if (name === 'approve' && options.mainFields !== undefined) {
        const { mainFields: _, ...defaults } = options;
        built.push(await buildFunction(`${name} (esbuild default mainFields)`, entry, defaults, dir));
      }
    }
    const unavailable = python3Available();
    const load = (file: string): TimedCommand => ({
      command: process.execPath,
      args: ['-e', loadScript, file],
      cwd: path.dirname(file),
      env: loadEnv,
    });
    const baselineRun: TimedCommand = { command: 'python3', args: ['-c', baselineScript], cwd: root, env: loadEnv };
    const timed = timeInterleaved(
      [...(unavailable === undefined ? [baselineRun] : []), ...built.map((b) => load(b.file))],
      runs,
    );
    const [boto3, ...bundles] = unavailable === undefined ? timed : [undefined, ...timed];
    python =
      boto3 === undefined
        ? { command: baselineCommand, unavailable: unavailable ?? 'not run' }
        : { command: baselineCommand, loadMs: boto3.inProcess, processMs: boto3.wholeProcess };
    built.forEach(({ file: _, ...b }, index) => {
      const { inProcess, wholeProcess } = bundles[index] as Timed;
      rows.push({ ...b, loadMs: inProcess, processMs: wholeProcess });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const machine = { cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length, node: process.version };

  if (json) {
    console.log(JSON.stringify({ machine, runs, esbuild: options, functions: rows, baseline: python }, null, 2));
    return;
  }
  const ms = (s: Stats): string[] => [s.median, s.min, s.max].map((n) => n.toFixed(1));
  const ratio = (mine: Stats, theirs: Stats | undefined) =>
    theirs === undefined ? '' : `${(mine.median / theirs.median).toFixed(2)}x`;
  const table = [
    [
      'function',
      'bundle KB',
      'gzip KB',
      'loaded at start KB',
      'load median ms',
      'min',
      'max',
      'x boto3',
      'process median ms',
      'x boto3',
    ],
    ...rows.map((r) => [
      r.name,
      r.bundleKB.toFixed(1),
      r.gzipKB.toFixed(1),
      r.loadedKB.toFixed(1),
      ...ms(r.loadMs),
      ratio(r.loadMs, python.loadMs),
      r.processMs.median.toFixed(1),
      ratio(r.processMs, python.processMs),
    ]),
    ...(python.loadMs && python.processMs
      ? [['boto3 baseline', '', '', '', ...ms(python.loadMs), '1.00x', python.processMs.median.toFixed(1), '1.00x']]
      : []),
  ];
  const widths = table[0]?.map((_, c) => Math.max(...table.map((row) => (row[c] ?? '').length))) ?? [];
  console.log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node}`);
  // The compiled-in policy is long: show its size, not its text.
  const shown = {
    ...options,
    define: Object.keys(options.define ?? {}).map((key) => `${key} (${options.define?.[key]?.length} chars)`),
  };
  console.log(
    `esbuild: ${JSON.stringify(shown)}; ${runs} rounds of fresh processes, boto3 and the bundles interleaved; ` +
      'bundle is every file of the function (gzip a proxy for its zip), loaded at start the entry and the chunks it imports statically\n',
  );
  const pad = (cell: string, c: number): string =>
    c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0);
  for (const row of table) console.log(row.map(pad).join('  '));
  if (python.unavailable !== undefined) console.log(`\nboto3 baseline unavailable: ${python.unavailable}`);
}

// --scale: cold load, the policy at 10,000 groups and the fan-out at 1,000 rollouts, optionally against an earlier
// commit (bench/bench-scale.ts); --evidence: the sequential rule against the threshold rule on simulated canaries
// (bench/bench-evidence.ts). Neither runs without its flag.
if (process.argv.includes('--scale')) await import('./bench-scale.ts');
else if (process.argv.includes('--evidence')) await import('./bench-evidence.ts');
else await main();
