// Timing for the benches: commands run in fresh processes, each printing its own elapsed ms last; the
// process's whole life is timed too. Interleaved, round by round, so that the machine's drift (another job
// starting, the CPU's clock) falls on every command alike and their ratios hold.
import { spawnSync } from 'node:child_process';

/** What a handler module reads from the environment at load, as in Lambda, with logging silenced. */
export const loadEnv: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '',
  ROLLOUT_STACK_NAME: 'sagemaker-rollout-bench',
  ROLLOUT_PARAMETER_PREFIX: '/sagemaker-rollout/bench',
  ROLLOUTS_TABLE_NAME: 'sagemaker-rollout-bench-rollouts',
  NOTIFICATIONS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:sagemaker-rollout-bench-notifications',
  AWS_REGION: 'us-east-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

/**
 * Loads the bundle as Lambda's runtime does, an ES module (.mjs) by import() and a CommonJS one (.js, earlier
 * commits' bundles) by require(), and prints the ms it took.
 */
export const loadScript =
  'const t=process.hrtime.bigint();const f=process.argv[1];const done=()=>console.log(Number(process.hrtime.bigint()-t)/1e6);' +
  'if(f.endsWith(".mjs"))import(require("node:url").pathToFileURL(f)).then(done);else{require(f);done()}';

export interface Stats {
  median: number;
  min: number;
  max: number;
}

export interface Timed {
  /** What the process measured itself: the load alone. */
  readonly inProcess: Stats;
  /** The process's life, start to exit, as the parent saw it. */
  readonly wholeProcess: Stats;
}

export interface TimedCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
}

function stats(samples: number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const at = (i: number): number => sorted[i] ?? Number.NaN;
  const median = sorted.length % 2 === 1 ? at(Math.floor(middle)) : (at(middle - 1) + at(middle)) / 2;
  return { median, min: at(0), max: at(sorted.length - 1) };
}

function runOnce({ command, args, cwd, env }: TimedCommand): { inProcess: number; wholeProcess: number } {
  const started = performance.now();
  const child = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
  const wholeProcess = performance.now() - started;
  if (child.error !== undefined) throw child.error;
  const inProcess = Number(child.stdout.trim().split('\n').at(-1));
  if (child.status !== 0 || !Number.isFinite(inProcess)) {
    throw new Error(`${command} exited ${child.status}: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  }
  return { inProcess, wholeProcess };
}

/** Runs every command once a round, `rounds` times, in the order given; a command that fails throws. */
export function timeInterleaved(commands: readonly TimedCommand[], rounds: number): Timed[] {
  const samples = commands.map(() => ({ inProcess: [] as number[], wholeProcess: [] as number[] }));
  for (let round = 0; round < rounds; round++) {
    commands.forEach((command, index) => {
      const { inProcess, wholeProcess } = runOnce(command);
      samples[index]?.inProcess.push(inProcess);
      samples[index]?.wholeProcess.push(wholeProcess);
    });
  }
  return samples.map((sample) => ({ inProcess: stats(sample.inProcess), wholeProcess: stats(sample.wholeProcess) }));
}

/** One command `runs` times in fresh processes. */
export function timeRuns(command: string, args: string[], runs: number, cwd: string, env: NodeJS.ProcessEnv): Stats {
  return (timeInterleaved([{ command, args, cwd, env }], runs)[0] as Timed).inProcess;
}
