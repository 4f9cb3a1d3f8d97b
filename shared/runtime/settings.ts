/**
 * The environment, read once when the module loads. A missing variable fails the cold start,
 * not the first event, so a broken deployment is visible at once.
 */
function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

/** When a tick has more endpoints than fit one invocation, it hands them to workers through a queue. */
export interface FanOut {
  readonly queueName: string;
  /** Up to this many endpoints a tick reconciles itself; above, every endpoint goes to the workers. */
  readonly inlineEndpoints: number;
  /** Endpoints per queue message, so per worker invocation. */
  readonly endpointsPerWorker: number;
  /**
   * The tick's messages become visible spread over this many seconds (SQS DelaySeconds), so that the workers'
   * reads, which share one rate budget, come through the minute rather than all in its first seconds.
   */
  readonly spreadSeconds: number;
}

export interface Settings {
  /** The stack's stage (`prod`, `local` for the emulator's): what the commands in notices name (rollout/command-line.ts). */
  readonly stage: string;
  /** `<service>-<stage>`: the value of the tag on what the stack creates (shared/rollout/stack-ownership.ts). */
  readonly stackName: string;
  /** `/<service>/<stage>`: where the SSM parameters clients read live (target-model/<group>, batch-model/<group>). */
  readonly parameterPrefix: string;
  readonly rolloutsTableName: string;
  readonly notificationsTopicArn: string;
  /** Absent: every tick reconciles all endpoints itself (replay, tests without workers). */
  readonly fanOut?: FanOut;
}

function wholeNumberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1)
    throw new Error(`environment variable ${name} must be a whole number >= 1`);
  return value;
}

// A tick reads about 10 endpoints a second under SageMaker's rate limits (shared/aws/api-rate-limits.ts):
// 300 fit the advance function's 55 s with room; 100 per worker take a worker about 10 s.
export const defaultFanOut = { inlineEndpoints: 300, endpointsPerWorker: 100, spreadSeconds: 30 } as const;

/**
 * The stage from the parameter prefix, `/<service>/<stage>` (serverless.yml sets it from `${sls:stage}`): the
 * one variable that carries the stage on its own (a service name may hold hyphens, so the stack name does not).
 */
export function stageOfParameterPrefix(parameterPrefix: string): string {
  const stage = /^\/[^/]+\/([^/]+)$/.exec(parameterPrefix)?.[1];
  if (stage === undefined)
    throw new Error(`environment variable ROLLOUT_PARAMETER_PREFIX must be /<service>/<stage>, got ${parameterPrefix}`);
  return stage;
}

export function readSettings(): Settings {
  const queueName = process.env.RECONCILE_QUEUE_NAME;
  const parameterPrefix = requiredEnv('ROLLOUT_PARAMETER_PREFIX');
  return {
    stage: stageOfParameterPrefix(parameterPrefix),
    stackName: requiredEnv('ROLLOUT_STACK_NAME'),
    parameterPrefix,
    rolloutsTableName: requiredEnv('ROLLOUTS_TABLE_NAME'),
    notificationsTopicArn: requiredEnv('NOTIFICATIONS_TOPIC_ARN'),
    ...(queueName === undefined || queueName === ''
      ? {}
      : {
          fanOut: {
            queueName,
            inlineEndpoints: wholeNumberEnv('ROLLOUT_INLINE_ENDPOINTS', defaultFanOut.inlineEndpoints),
            endpointsPerWorker: wholeNumberEnv('ROLLOUT_ENDPOINTS_PER_WORKER', defaultFanOut.endpointsPerWorker),
            spreadSeconds: defaultFanOut.spreadSeconds,
          },
        }),
  };
}

/**
 * ROLLOUT_AWS_CALL_TIMEOUT_MS: how long one AWS call may wait for an answer, overriding each service's
 * default (shared/aws/client-options.ts). Tests shorten it to exercise calls that time out.
 */
function readCallTimeoutOverride(): number | undefined {
  const raw = process.env.ROLLOUT_AWS_CALL_TIMEOUT_MS;
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(
      `environment variable ROLLOUT_AWS_CALL_TIMEOUT_MS must be a whole number of milliseconds, got ${raw}`,
    );
  }
  return value;
}

export const awsCallTimeoutOverrideMs = readCallTimeoutOverride();

/**
 * ROLLOUT_RATE_LIMITS=on|off: whether SageMaker and CloudWatch calls are spaced to their API rate limits
 * (shared/aws/api-rate-limits.ts). On against AWS; off against an emulator (AWS_ENDPOINT_URL), whose
 * compressed minutes the real rates would stretch, unless asked for (the scale bench does). Read at the
 * first call, when the endpoint is known, not when the module loads (a local run sets it after imports).
 */
let rateLimits: boolean | undefined;

export function apiRateLimited(): boolean {
  if (rateLimits !== undefined) return rateLimits;
  const raw = process.env.ROLLOUT_RATE_LIMITS;
  if (raw !== undefined && raw !== '' && raw !== 'on' && raw !== 'off') {
    throw new Error(`environment variable ROLLOUT_RATE_LIMITS must be on or off, got ${raw}`);
  }
  rateLimits = raw === undefined || raw === '' ? process.env.AWS_ENDPOINT_URL === undefined : raw === 'on';
  return rateLimits;
}
