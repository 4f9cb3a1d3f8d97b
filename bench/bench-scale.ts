// `npm run bench -- --scale [--sizes 10,100,1000]`: how the stack behaves as the fleet grows.
//  1. Active canaries seeded into the emulator (demo/fleet-seed.ts), then through the real routing and
//     handlers: a quiet tick, an alarm's rollback, a tick that steps every canary. Calls and bytes are
//     what the functions' clients sent and received (they do not depend on the machine); the times are
//     against the emulator on loopback, not AWS, whose rate limits set the floor (printed beside them).
//  2. The packaged stack with 2 and with 1000 groups in the policy: package time, template size, the
//     largest role's inline policies against IAM's quota, and a bundle's size and cold load.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { prepareLocalEnvironment } from '../cli/local-environment.ts';
import { startEmulator } from '../emulator/launch.ts';

const sizesArg = process.argv[process.argv.indexOf('--sizes') + 1];
const sizes = (process.argv.includes('--sizes') ? (sizesArg ?? '') : '10,100,1000').split(',').map(Number);
if (sizes.some((size) => !Number.isInteger(size) || size < 2))
  throw new Error('--sizes: whole numbers >= 2, comma-separated');

const emulator = await startEmulator({ updateSeconds: 3600 });
prepareLocalEnvironment({ endpointUrl: emulator.endpointUrl, quiet: true });
// Loaded after the environment is set: the clients and the logger read it.
const { countFunctionCalls } = await import('../demo/call-counter.ts');
const { fleetAlarm, fleetPolicyYaml, seedFleet } = await import('../demo/fleet-seed.ts');
const { replayEvent } = await import('../cli/replay.ts');
const { readStackDefinition, stackSettings } = await import('../cli/stack-definition.ts');
const { createLocalResources } = await import('../demo/local-resources.ts');
const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
const { alarmStateChange, minutesAfterStart, scheduledTick } = await import('../cli/event-builders.ts');
const { apiRatesPerSecond } = await import('#shared/aws/api-rate-limits.ts');
const { defaultFanOut } = await import('#shared/runtime/settings.ts');
const { inlinePolicyCharacters, inlinePolicyQuota, roleOf } = await import('../build/iam-size.ts');
const { loadEnv, loadScript, timeRuns } = await import('./bench-timing.ts');

const run = promisify(execFile);
const workDir = mkdtempSync(path.join(os.tmpdir(), 'sagemaker-rollout-bench-scale-'));
const counter = await countFunctionCalls();
const stack = readStackDefinition();
const settings = stackSettings(stack);

interface Measured {
  readonly ms: number;
  /** CPU time of this process (the functions' own work: the emulator runs in another). */
  readonly cpuMs: number;
  readonly calls: number;
  readonly kilobytes: number;
  readonly heapMB: number;
}

/** Runs `work` with the calls counted and the heap sampled every 10 ms (its peak above the start). */
async function measured(work: () => Promise<unknown>): Promise<Measured> {
  counter.reset();
  const heapAtStart = process.memoryUsage().heapUsed;
  let heapPeak = heapAtStart;
  const sampler = setInterval(() => {
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 10);
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  await work();
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  clearInterval(sampler);
  heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  const bytes = counter.calls.reduce((sum, call) => sum + call.bytes, 0);
  return {
    ms,
    cpuMs: (cpu.user + cpu.system) / 1000,
    calls: counter.calls.length,
    kilobytes: bytes / 1024,
    heapMB: (heapPeak - heapAtStart) / 2 ** 20,
  };
}

async function fleetRow(size: number) {
  await emulator.reset();
  await createLocalResources(stack);
  const policyFile = path.join(workDir, `fleet-${size}.config.yml`);
  writeFileSync(policyFile, fleetPolicyYaml(size));
  const setup = { routes: stack.routes, policy: loadPolicyFile(policyFile), settings, dryRun: false };
  const send = async (event: unknown) => {
    const report = await replayEvent(event, setup);
    if (report.status !== 'handled') throw new Error(report.outcome);
  };
  const seedStarted = performance.now();
  await seedFleet(settings, { from: 0, to: size }, minutesAfterStart(0), () => emulator.settle());
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const quiet = await measured(() => send(scheduledTick(minutesAfterStart(3))));
  counter.reset();
  await send(alarmStateChange(fleetAlarm(0), 'ALARM', minutesAfterStart(5)));
  const beforeWeights = counter.before('UpdateEndpointWeightsAndCapacities') ?? [];
  const rollback = {
    calls: beforeWeights.length,
    bytes: beforeWeights.reduce((sum, call) => sum + call.bytes, 0),
  };
  // Past the bake: every other canary steps from 50% to 100% in this tick.
  const stepping = await measured(() => send(scheduledTick(minutesAfterStart(11))));
  return { size, seedSeconds, quiet, rollback, stepping };
}

function printFleet(rows: Awaited<ReturnType<typeof fleetRow>>[]) {
  const perRollout = (value: number, size: number) => (value / size).toFixed(2);
  const table = [
    [
      'active',
      'quiet tick ms',
      'cpu ms',
      'calls/rollout',
      'KB/rollout',
      'heap MB',
      'stepping tick ms',
      'cpu ms',
      'calls/rollout',
      'heap MB',
      'rollback: calls, bytes before weights',
      'AWS floor s',
    ],
    ...rows.map(({ size, quiet, stepping, rollback }) => [
      String(size),
      quiet.ms.toFixed(0),
      quiet.cpuMs.toFixed(0),
      perRollout(quiet.calls, size),
      perRollout(quiet.kilobytes, size),
      quiet.heapMB.toFixed(1),
      stepping.ms.toFixed(0),
      stepping.cpuMs.toFixed(0),
      perRollout(stepping.calls, size),
      stepping.heapMB.toFixed(1),
      `${rollback.calls}, ${rollback.bytes}`,
      // A quiet tick's DescribeEndpoint calls at SageMaker's read rate.
      (size / apiRatesPerSecond.read).toFixed(0),
    ]),
  ];
  printTable(table);
  console.log(
    `seeding took ${rows.map((row) => `${row.seedSeconds.toFixed(0)} s for ${row.size}`).join(', ')}; ` +
      `above ${defaultFanOut.inlineEndpoints} active a tick hands ${defaultFanOut.endpointsPerWorker} endpoints a message to reconcile-worker`,
  );
}

/** The stack packaged with one policy; `name` names its files in the work folder. */
async function stackRow(label: string, name: string, policyYaml: string) {
  const packageDir = path.join(workDir, `package-${name}`);
  // TMPDIR: serverless-esbuild leaves a folder per function there; the work folder is removed at the end.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_ACCESS_KEY_ID: 'dummy',
    AWS_SECRET_ACCESS_KEY: 'dummy',
    TMPDIR: workDir,
  };
  delete env.AWS_ENDPOINT_URL;
  env.ROLLOUT_POLICY_FILE = path.join(workDir, `${name}.config.yml`);
  writeFileSync(env.ROLLOUT_POLICY_FILE, policyYaml);
  const started = performance.now();
  await run('npx', ['serverless', 'package', '--stage', 'bench', '--package', packageDir], { env });
  const packageSeconds = (performance.now() - started) / 1000;
  const templatePath = path.join(packageDir, 'cloudformation-template-update-stack.json');
  const resources = JSON.parse(readFileSync(templatePath, 'utf8')).Resources;
  const functions = stack.functionNames;
  const largestRole = Math.max(...functions.map((name) => inlinePolicyCharacters(roleOf(name, resources))));
  const unpacked = path.join(packageDir, 'advance');
  await run('unzip', ['-q', path.join(packageDir, 'advance.zip'), '-d', unpacked]);
  const bundle = path.join(unpacked, 'functions/advance/handler.mjs');
  const load = timeRuns(process.execPath, ['-e', loadScript, bundle], 5, unpacked, loadEnv);
  return {
    label,
    packageSeconds,
    templateKB: statSync(templatePath).size / 1024,
    resourceCount: Object.keys(resources).length,
    largestRole,
    bundleKB: statSync(bundle).size / 1024,
    loadMs: load.median,
  };
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

try {
  const machine = `${os.cpus()[0]?.model ?? 'unknown'}, ${os.cpus().length} cores, node ${process.version}`;
  console.log(`machine: ${machine}\n`);
  console.log('== active canaries, through the real handlers against the emulator (one invocation, no fan-out)');
  const rows = [];
  for (const size of sizes) rows.push(await fleetRow(size));
  printFleet(rows);

  console.log(`\n== the packaged stack (serverless package), IAM's quota ${inlinePolicyQuota} characters a role`);
  const stacks = [
    await stackRow('examples/demo.config.yml', 'demo', readFileSync('examples/demo.config.yml', 'utf8')),
    // Each with a delivery pipeline of its own: the largest a role gets.
    await stackRow('1000 groups, a pipeline each', 'fleet-1000', fleetPolicyYaml(1000, { deliveryPipelines: true })),
  ];
  printTable([
    [
      'policy',
      'package s',
      'template KB',
      'resources',
      'largest role chars',
      'advance bundle KB',
      'load ms (median of 5)',
    ],
    ...stacks.map((row) => [
      row.label,
      row.packageSeconds.toFixed(1),
      row.templateKB.toFixed(0),
      String(row.resourceCount),
      String(row.largestRole),
      row.bundleKB.toFixed(0),
      row.loadMs.toFixed(0),
    ]),
  ]);
} finally {
  await emulator.stop();
  rmSync(workDir, { recursive: true, force: true });
}
