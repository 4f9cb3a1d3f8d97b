// `npm run bench -- --scale [--rollouts 1000] [--groups 10000] [--compare <commit>]`: how the stack behaves as
// the fleet grows, each figure from this checkout and, with --compare, from an earlier commit in the same run
// (a git worktree of it, the two benches below copied in), so a change is shown before and after on one machine:
//  1. Cold load of every function, interleaved with the boto3 baseline (bench/bench.ts of each checkout).
//  2. The policy at `--groups` explicit groups: `check-policy`, `serverless package`, and the packaged advance
//     function's cold load with it beside the same with the demo policy, interleaved with boto3.
//  3. The fan-out at `--rollouts` active canaries, through SQS on the emulator (bench/bench-fanout.ts).
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FanoutResult } from './bench-fanout.ts';
import { loadEnv, loadScript, type TimedCommand, timeInterleaved } from './bench-timing.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const argValue = (flag: string): string | undefined => {
  const index = process.argv.indexOf(flag);
  return index === -1 ? undefined : process.argv[index + 1];
};
const rollouts = Number(argValue('--rollouts') ?? 1000);
const groups = Number(argValue('--groups') ?? 10_000);
const compareWith = argValue('--compare');
// `--only fanout`: the fan-out alone (the other parts take ten minutes).
const only = argValue('--only');
if (only !== undefined && only !== 'fanout') throw new Error('--only: fanout is the one part that runs alone');
if (!Number.isInteger(rollouts) || rollouts < 301) throw new Error('--rollouts: a whole number above 300 (a fan-out)');
if (!Number.isInteger(groups) || groups < 2) throw new Error('--groups: a whole number >= 2');

const workDir = mkdtempSync(path.join(os.tmpdir(), 'sagemaker-rollout-bench-scale-'));
const baselineScript =
  "import time; t=time.perf_counter(); import boto3; boto3.client('sagemaker', region_name='us-east-1'); print((time.perf_counter()-t)*1000)";

interface Checkout {
  readonly label: string;
  readonly dir: string;
}

/** The earlier commit as a worktree beside this one, sharing its node_modules, with this checkout's benches. */
function earlierCheckout(commit: string): Checkout {
  const dir = path.join(workDir, `checkout-${commit}`);
  execFileSync('git', ['worktree', 'add', '--detach', '-q', dir, commit], { cwd: root });
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  // The benches, and the emulator's queue as deployed (its visibility timeout): the harness, not the code measured.
  for (const file of ['bench/bench-fanout.ts', 'bench/fanout-worker.ts', 'demo/local-resources.ts']) {
    cpSync(path.join(root, file), path.join(dir, file));
  }
  return { label: commit, dir };
}

function removeCheckout(checkout: Checkout): void {
  execFileSync('git', ['worktree', 'remove', '--force', checkout.dir], { cwd: root });
}

/** The JSON a script prints: all of its output, or its last line (earlier benches print it indented). */
async function printedJson<T>(checkout: Checkout, args: string[]): Promise<T> {
  const { stdout } = await run('npx', ['tsx', ...args], { cwd: checkout.dir, maxBuffer: 64 * 2 ** 20 });
  const text = stdout.trim();
  try {
    return JSON.parse(text) as T;
  } catch {
    return JSON.parse(text.split('\n').at(-1) ?? 'null') as T;
  }
}

async function seconds(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return (performance.now() - started) / 1000;
}

/** The fleet policy of demo/fleet-seed.ts at `count` groups (imported from this checkout: the same file for both). */
async function fleetPolicy(count: number): Promise<string> {
  const file = path.join(workDir, `fleet-${count}.config.yml`);
  if (!existsSync(file)) {
    const { fleetPolicyYaml } = await import('../demo/fleet-seed.ts');
    writeFileSync(file, fleetPolicyYaml(count, { deliveryPipelines: true }));
  }
  return file;
}

interface PolicyFigures {
  readonly checkSeconds: number;
  readonly packageSeconds: number;
  /** The packaged advance function's entry with the demo policy and with `groups` groups, in the zip's folder. */
  readonly advanceEntries: readonly [string, string];
}

async function packageAdvance(
  checkout: Checkout,
  name: string,
  policyFile: string,
): Promise<{ s: number; entry: string }> {
  const packageDir = path.join(workDir, `package-${checkout.label}-${name}`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'dummy',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    ROLLOUT_POLICY_FILE: policyFile,
    // serverless-esbuild leaves a folder per function in TMPDIR: the work folder is removed at the end.
    TMPDIR: workDir,
  };
  delete env.AWS_ENDPOINT_URL;
  const s = await seconds(() =>
    run('npx', ['serverless', 'package', '--stage', 'bench', '--package', packageDir], { cwd: checkout.dir, env }),
  );
  const unpacked = path.join(packageDir, 'advance');
  await run('unzip', ['-q', path.join(packageDir, 'advance.zip'), '-d', unpacked]);
  const folder = path.join(unpacked, 'functions/advance');
  const entry = readdirSync(folder).find((file) => /^handler\.(mjs|js)$/.test(file));
  if (entry === undefined) throw new Error(`${checkout.label}: no advance handler in the package`);
  return { s, entry: path.join(folder, entry) };
}

async function policyFigures(checkout: Checkout): Promise<PolicyFigures> {
  const large = await fleetPolicy(groups);
  const checkSeconds = await seconds(() => run('npx', ['tsx', 'build/check-policy.ts', large], { cwd: checkout.dir }));
  const demo = await packageAdvance(checkout, 'demo', path.join(checkout.dir, 'examples/demo.config.yml'));
  const fleet = await packageAdvance(checkout, `fleet-${groups}`, large);
  return { checkSeconds, packageSeconds: fleet.s, advanceEntries: [demo.entry, fleet.entry] };
}

interface ColdLoad {
  readonly functions: readonly { name: string; loadMs: { median: number } }[];
  readonly baseline: { loadMs?: { median: number } };
}

function printTable(table: string[][]) {
  const widths = table[0]?.map((_, column) => Math.max(...table.map((row) => (row[column] ?? '').length))) ?? [];
  for (const row of table) {
    console.log(
      row
        .map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0)))
        .join('  '),
    );
  }
}

const ratio = (ms: number | undefined, baseline: number | undefined) =>
  ms === undefined || baseline === undefined ? '' : `${(ms / baseline).toFixed(2)}x`;

async function main() {
  const here: Checkout = { label: 'this checkout', dir: root };
  const checkouts = compareWith === undefined ? [here] : [earlierCheckout(compareWith), here];
  try {
    const machine = `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, node ${process.version}`;
    const commits = checkouts.map((checkout) =>
      checkout === here
        ? 'this checkout'
        : execFileSync('git', ['rev-parse', '--short', compareWith ?? ''], { cwd: root, encoding: 'utf8' }).trim(),
    );
    console.log(`machine: ${machine}; ${commits.join(' against ')}\n`);

    if (only === undefined) await coldLoadAndPolicy(checkouts, commits);
    await fanOut(checkouts, commits);
  } finally {
    for (const checkout of checkouts) if (checkout !== here) removeCheckout(checkout);
    rmSync(workDir, { recursive: true, force: true });
  }
}

async function coldLoadAndPolicy(checkouts: readonly Checkout[], commits: readonly string[]) {
  console.log(
    '== cold load of every function, in-process, against boto3 (bench/bench.ts of each, 10 rounds interleaved)',
  );
  const cold: ColdLoad[] = [];
  for (const checkout of checkouts)
    cold.push(await printedJson<ColdLoad>(checkout, ['bench/bench.ts', '--json', '--runs', '10']));
  const names =
    cold
      .at(-1)
      ?.functions.map((row) => row.name)
      .filter((name) => !name.includes('(')) ?? [];
  printTable([
    ['function', ...commits.flatMap((commit) => [`${commit} ms`, 'x boto3'])],
    ...names.map((name) => [
      name,
      ...cold.flatMap((result) => {
        const ms = result.functions.find((row) => row.name === name)?.loadMs.median;
        return [ms?.toFixed(1) ?? '-', ratio(ms, result.baseline.loadMs?.median)];
      }),
    ]),
    ['boto3 baseline', ...cold.flatMap((result) => [result.baseline.loadMs?.median.toFixed(1) ?? '-', '1.00x'])],
  ]);

  console.log(`\n== the policy at ${groups.toLocaleString('en')} groups (a delivery pipeline each)`);
  const figures: PolicyFigures[] = [];
  for (const checkout of checkouts) figures.push(await policyFigures(checkout));
  // Every packaged advance, with the demo policy and with the large one, interleaved with boto3.
  const entries = figures.flatMap((figure) => figure.advanceEntries);
  const commands: TimedCommand[] = [
    { command: 'python3', args: ['-c', baselineScript], cwd: root, env: loadEnv },
    ...entries.map((entry) => ({
      command: process.execPath,
      args: ['-e', loadScript, entry],
      cwd: path.dirname(entry),
      env: loadEnv,
    })),
  ];
  const [boto3, ...loads] = timeInterleaved(commands, 10);
  printTable([
    ['', ...commits],
    ['check-policy s', ...figures.map((figure) => figure.checkSeconds.toFixed(1))],
    ['serverless package s', ...figures.map((figure) => figure.packageSeconds.toFixed(1))],
    ...(['demo policy', `${groups.toLocaleString('en')} groups`] as const).map((policy, which) => [
      `advance cold load, ${policy}`,
      ...figures.map((_, index) => {
        const ms = loads[index * 2 + which]?.inProcess.median;
        return `${ms?.toFixed(1)} ms (${ratio(ms, boto3?.inProcess.median)})`;
      }),
    ]),
  ]);
  console.log(`boto3 baseline ${boto3?.inProcess.median.toFixed(1)} ms in the same rounds`);
}

async function fanOut(checkouts: readonly Checkout[], commits: readonly string[]) {
  console.log(
    `\n== a tick's fan-out at ${rollouts.toLocaleString('en')} active canaries, through SQS on the emulator (bench/bench-fanout.ts)`,
  );
  const fanouts: FanoutResult[] = [];
  for (const checkout of checkouts) {
    fanouts.push(
      await printedJson<FanoutResult>(checkout, ['bench/bench-fanout.ts', '--json', '--rollouts', String(rollouts)]),
    );
  }
  const first = fanouts[0];
  console.log(
    `latency injected: SageMaker ${first?.latencyMs.sagemaker} ms, CloudWatch ${first?.latencyMs.cloudwatch} ms, DynamoDB ${first?.latencyMs.dynamodb} ms a call; rate limits on`,
  );
  const rows: [string, (tick: FanoutResult['ticks'][number], result: FanoutResult) => string][] = [
    ['workers (reconcile-worker maximumConcurrency)', (_, result) => String(result.workers)],
    ['messages', (tick) => String(tick.messages)],
    ['wall time of the tick s', (tick) => tick.wallSeconds.toFixed(1)],
    ['calls per rollout', (tick) => (tick.calls / rollouts).toFixed(2)],
    ['  DescribeEndpoint per rollout', (tick) => ((tick.callsByOperation.DescribeEndpoint ?? 0) / rollouts).toFixed(2)],
    [
      '  UpdateEndpointWeightsAndCapacities',
      (tick) => String(tick.callsByOperation.UpdateEndpointWeightsAndCapacities ?? 0),
    ],
    ['  DynamoDB UpdateItem (budget leases)', (tick) => String(tick.callsByOperation.UpdateItem ?? 0)],
    ['visited', (tick) => String(tick.visited)],
    ['deferred to the next tick', (tick) => String(tick.deferred)],
    ['errors', (tick) => String(tick.errors)],
    ['messages expired', (tick) => String(tick.expired)],
  ];
  for (const [index, label] of (first?.ticks ?? []).map((tick, i) => [i, tick.label] as const)) {
    console.log(`\n${label}`);
    printTable([
      ['', ...commits],
      ...rows.map(([name, cell]) => [
        name,
        ...fanouts.map((result) => {
          const tick = result.ticks[index];
          return tick === undefined ? '-' : cell(tick, result);
        }),
      ]),
    ]);
  }
}

await main();
