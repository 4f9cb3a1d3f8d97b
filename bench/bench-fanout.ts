// `tsx bench/bench-fanout.ts [--rollouts 1000] [--latency 75] [--json]`: a tick's real fan-out at scale, on the
// emulator. The active canaries are seeded (demo/fleet-seed.ts), every AWS call answers late as AWS's would
// (SageMaker `--latency` ms, CloudWatch 30, DynamoDB 8, injected by the emulator), the rate limits are on, and:
//   1. advance (in this process) lists the active rollouts and sends their messages to the reconcile queue;
//   2. as many worker processes as serverless.yml gives reconcile-worker (maximumConcurrency) each receive a
//      message at a time and run the real reconcile-worker on it with Lambda's 55 s, as Lambda's SQS poller
//      would. Each process has its own clients and budgets, as each Lambda container does.
// A message older than the queue's MessageRetentionPeriod when a worker reaches it is counted as expired and
// not run: SQS would have deleted it (API_SetQueueAttributes, MessageRetentionPeriod).
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
// Two ticks: a quiet one mid-bake, and one past the bake in which every canary steps. Printed: wall time of
// each tick (advance's start to the last message done), calls per rollout (all processes), endpoints visited,
// deferred and in error, messages expired. Written to run unchanged against an earlier commit (bench-scale.ts
// --compare), so it uses only what both have: the handlers, the seed, the emulator and the call counter.
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { parse as parseYaml } from 'yaml';
import { prepareLocalEnvironment } from '../cli/local-environment.ts';
import { startEmulator } from '../emulator/launch.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const argValue = (flag: string, fallback: string) => {
  const index = process.argv.indexOf(flag);
  return index === -1 ? fallback : (process.argv[index + 1] ?? fallback);
};
const rollouts = Number(argValue('--rollouts', '1000'));
const sagemakerLatencyMs = Number(argValue('--latency', '75'));
if (!Number.isInteger(rollouts) || rollouts < 2) throw new Error('--rollouts: a whole number >= 2');
if (!Number.isFinite(sagemakerLatencyMs) || sagemakerLatencyMs < 0) throw new Error('--latency: milliseconds >= 0');

/** What one worker process reports of the messages it ran since the last report. */
export interface WorkerReport {
  readonly messages: number;
  readonly expired: number;
  readonly visited: number;
  readonly deferred: number;
  readonly errors: number;
  readonly calls: Record<string, number>;
}

export interface TickResult {
  readonly label: string;
  readonly wallSeconds: number;
  readonly messages: number;
  readonly expired: number;
  readonly visited: number;
  readonly deferred: number;
  readonly errors: number;
  readonly calls: number;
  readonly callsByOperation: Record<string, number>;
}

export interface FanoutResult {
  readonly commit: string;
  readonly rollouts: number;
  readonly workers: number;
  readonly retentionSeconds: number;
  readonly latencyMs: { readonly sagemaker: number; readonly cloudwatch: number; readonly dynamodb: number };
  readonly ticks: readonly TickResult[];
}

/** serverless.yml's reconcile-worker concurrency and the queue's retention, `${param:x, default}` resolved to its default. */
function stackFanOut(): { workers: number; retentionSeconds: number } {
  const doc = parseYaml(readFileSync(path.join(root, 'serverless.yml'), 'utf8'), { merge: true });
  const value = (raw: unknown) => Number(/^\$\{param:\w+, *(\d+)\}$/.exec(String(raw))?.[1] ?? raw);
  const workers = value(doc.functions['reconcile-worker'].events[0].sqs.maximumConcurrency);
  const retentionSeconds = value(doc.resources.Resources.ReconcileQueue.Properties.MessageRetentionPeriod);
  return { workers, retentionSeconds };
}

const latency = { sagemaker: sagemakerLatencyMs, cloudwatch: 30, dynamodb: 8 };
const slowed: Record<string, readonly string[]> = {
  sagemaker: [
    'DescribeEndpoint',
    'DescribeEndpointConfig',
    'UpdateEndpointWeightsAndCapacities',
    'DescribeModelPackage',
    'ListTags',
  ],
  monitoring: ['DescribeAlarms', 'DescribeAlarmHistory', 'PutMetricAlarm', 'GetMetricData'],
  dynamodb: ['Query', 'BatchGetItem', 'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'],
};

function add(into: Record<string, number>, from: Record<string, number>) {
  for (const [operation, count] of Object.entries(from)) into[operation] = (into[operation] ?? 0) + count;
}

async function main(): Promise<FanoutResult> {
  const { workers, retentionSeconds } = stackFanOut();
  const emulator = await startEmulator({ updateSeconds: 3600 });
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'sagemaker-rollout-fanout-'));
  const children: ChildProcess[] = [];
  try {
    prepareLocalEnvironment({ endpointUrl: emulator.endpointUrl, quiet: true });
    // As in Lambda: calls spaced to the quotas, and the budget shared through the table where the code has one.
    process.env.ROLLOUT_RATE_LIMITS = 'on';
    process.env.ROLLOUT_RATE_BUDGET = 'shared';
    // The emulator answers a query of a thousand records in seconds on a busy 2-core machine, where DynamoDB takes
    // milliseconds: calls may wait 30 s here before the SDK gives up on them (AWS's own timeouts stay as they are).
    process.env.ROLLOUT_AWS_CALL_TIMEOUT_MS = '30000';
    const { countFunctionCalls } = await import('../demo/call-counter.ts');
    const { fleetPolicyYaml, seedFleet } = await import('../demo/fleet-seed.ts');
    const { readStackDefinition, stackSettings } = await import('../cli/stack-definition.ts');
    const { createLocalResources } = await import('../demo/local-resources.ts');
    const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
    const { minutesAfterStart, scheduledTick } = await import('../cli/event-builders.ts');
    const { advanceRollouts } = await import('#functions/advance/advance.ts');
    const { defaultFanOut } = await import('#shared/runtime/settings.ts');
    const stack = readStackDefinition();
    const settings = stackSettings(stack);
    process.env.ROLLOUTS_TABLE_NAME = settings.rolloutsTableName;
    const queueName = `${settings.stackName}-reconcile`;
    await createLocalResources(stack);
    const policyFile = path.join(workDir, 'fleet.config.yml');
    writeFileSync(policyFile, fleetPolicyYaml(rollouts));
    const seedStarted = performance.now();
    await seedFleet(settings, { from: 0, to: rollouts }, minutesAfterStart(0), () => emulator.settle());
    console.error(`seeded ${rollouts} canaries in ${((performance.now() - seedStarted) / 1000).toFixed(0)} s`);
    for (const [service, operations] of Object.entries(slowed)) {
      const delayMs = latency[service === 'monitoring' ? 'cloudwatch' : (service as 'sagemaker' | 'dynamodb')];
      for (const operation of operations) await emulator.inject({ service, operation, delayMs, times: 10_000_000 });
    }

    const counter = await countFunctionCalls();
    const reports: WorkerReport[] = [];
    let done = 0;
    const workerScript = path.join(root, 'bench/fanout-worker.ts');
    for (let index = 0; index < workers; index++) {
      const child = fork(workerScript, [], {
        execArgv: ['--import', 'tsx'],
        env: {
          ...process.env,
          ROLLOUT_POLICY_FILE: policyFile,
          FANOUT_QUEUE_NAME: queueName,
          FANOUT_RETENTION_SECONDS: String(retentionSeconds),
        },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      });
      child.on('message', (message: { kind: string; report?: WorkerReport }) => {
        if (message.kind === 'done') done += 1;
        if (message.kind === 'report' && message.report) reports.push(message.report);
      });
      children.push(child);
    }
    await Promise.all(
      children.map((child) => new Promise<void>((resolve) => child.once('message', (message) => message && resolve()))),
    );

    const context = {
      policy: loadPolicyFile(policyFile),
      settings: {
        ...settings,
        // The stack's own fan-out (settings.ts), every rollout handed to the workers.
        fanOut: { ...defaultFanOut, queueName, inlineEndpoints: Math.min(300, rollouts - 1) },
      },
      writer: (await import('#shared/aws/aws-writes.ts')).liveWriter(),
    };
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const queueDrained = async () => {
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl,
          AttributeNames: [
            'ApproximateNumberOfMessages',
            'ApproximateNumberOfMessagesNotVisible',
            'ApproximateNumberOfMessagesDelayed',
          ],
        }),
      );
      return Object.values(Attributes ?? {}).every((count) => count === '0');
    };
    const ticks: TickResult[] = [];
    for (const [label, minute] of [
      ['quiet (mid-bake)', 3],
      ['stepping (bake over)', 11],
    ] as const) {
      counter.reset();
      done = 0;
      const started = performance.now();
      const outcome = await advanceRollouts(scheduledTick(minutesAfterStart(minute)), context);
      const sent = Number(/handed to (\d+) workers/.exec(outcome.outcome)?.[1]);
      if (!Number.isInteger(sent)) throw new Error(`advance did not fan out: ${outcome.outcome.slice(0, 200)}`);
      // Until every message is done, or the queue holds none and the workers are idle: SQS deleted the rest,
      // expired past the queue's retention before a worker reached them.
      while (done < sent && !(await queueDrained())) await new Promise((resolve) => setTimeout(resolve, 500));
      const wallSeconds = (performance.now() - started) / 1000;
      reports.length = 0;
      for (const child of children) child.send({ kind: 'report' });
      while (reports.length < children.length) await new Promise((resolve) => setTimeout(resolve, 20));
      const callsByOperation: Record<string, number> = {};
      for (const call of counter.calls) add(callsByOperation, { [call.operation]: 1 });
      for (const report of reports) add(callsByOperation, report.calls);
      const sum = (key: keyof Omit<WorkerReport, 'calls'>) => reports.reduce((total, r) => total + r[key], 0);
      ticks.push({
        label,
        wallSeconds,
        messages: sent,
        expired: sum('expired') + (sent - done),
        visited: sum('visited'),
        deferred: sum('deferred'),
        errors: sum('errors'),
        calls: Object.values(callsByOperation).reduce((total, count) => total + count, 0),
        callsByOperation,
      });
      console.error(`${label}: ${wallSeconds.toFixed(1)} s`);
    }
    const commit = (await import('node:child_process'))
      .execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' })
      .trim();
    return { commit, rollouts, workers, retentionSeconds, latencyMs: latency, ticks };
  } finally {
    for (const child of children) child.kill();
    await emulator.stop();
    rmSync(workDir, { recursive: true, force: true });
  }
}

const result = await main();
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
else console.log(JSON.stringify(result, null, 2));
