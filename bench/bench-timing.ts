// Timing for the benches: a command run in fresh processes, each printing its own elapsed ms last.
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

export const loadScript =
  'const t=process.hrtime.bigint();require(process.argv[1]);console.log(Number(process.hrtime.bigint()-t)/1e6)';

export interface Stats {
  median: number;
  min: number;
  max: number;
}

/** Runs `command` `runs` times in fresh processes; each prints its own elapsed ms as its last line. */
export function timeRuns(command: string, args: string[], runs: number, cwd: string, env: NodeJS.ProcessEnv): Stats {
  const samples: number[] = [];
  for (let i = 0; i < runs; i++) {
    const child = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
    if (child.error !== undefined) throw child.error;
    const ms = Number(child.stdout.trim().split('\n').at(-1));
    if (child.status !== 0 || !Number.isFinite(ms)) {
      throw new Error(`${command} exited ${child.status}: ${child.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    }
    samples.push(ms);
  }
  return statsOf(samples);
}

export function statsOf(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = sorted.length / 2;
  const at = (i: number): number => sorted[i] ?? Number.NaN;
  const median = sorted.length % 2 === 1 ? at(Math.floor(middle)) : (at(middle - 1) + at(middle)) / 2;
  return { median, min: at(0), max: at(sorted.length - 1) };
}
