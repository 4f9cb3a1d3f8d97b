// How every AWS client of the functions retries and times out. AWS documents throttling and 5xx as
// transient; the SDK retries them with exponential backoff and jitter (standard mode), and adaptive mode
// also slows the client down once it is throttled. A call that times out may still have happened on
// AWS's side: the reconciler decides from what it reads next, never from the call's fate.
// https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html
//
// The timeout is enforced: @smithy/node-http-handler 4.x only logs a warning when `requestTimeout` passes
// unless `throwOnRequestTimeout` is set; with it, the request is destroyed and rejected as a TimeoutError,
// which the SDK's retry strategy counts as transient, so a hung call is given up on and tried again within
// the invocation instead of holding it until Lambda's own timeout.
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { awsCallTimeoutOverrideMs } from '#shared/runtime/settings.ts';

interface ServiceTuning {
  readonly retryMode: 'standard' | 'adaptive';
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** How long one attempt may wait for an answer. */
  readonly requestTimeoutMs: number;
}

const tuning = {
  // SageMaker's control plane throttles at a few calls a second per account: adaptive mode spaces the
  // calls of a tick that reconciles many endpoints once the first throttling answer arrives. Its calls
  // answer in about a second; 8 s an attempt lets six hung attempts and their backoff (about 3 s) end
  // within the functions' 60 s (serverless.yml), so the invocation fails with the SDK's TimeoutError
  // rather than by Lambda's timeout.
  sagemaker: { retryMode: 'adaptive', maxAttempts: 6, requestTimeoutMs: 8_000 },
  dynamodb: { retryMode: 'standard', maxAttempts: 6, requestTimeoutMs: 5_000 },
  cloudwatch: { retryMode: 'standard', maxAttempts: 5, requestTimeoutMs: 10_000 },
  autoscaling: { retryMode: 'standard', maxAttempts: 5, requestTimeoutMs: 10_000 },
  sns: { retryMode: 'standard', maxAttempts: 4, requestTimeoutMs: 10_000 },
  s3: { retryMode: 'standard', maxAttempts: 4, requestTimeoutMs: 10_000 },
  codepipeline: { retryMode: 'standard', maxAttempts: 4, requestTimeoutMs: 10_000 },
  sqs: { retryMode: 'standard', maxAttempts: 4, requestTimeoutMs: 10_000 },
  ssm: { retryMode: 'standard', maxAttempts: 5, requestTimeoutMs: 5_000 },
  events: { retryMode: 'standard', maxAttempts: 4, requestTimeoutMs: 5_000 },
  // A smoke test is one inference: a model loading into a multi-model endpoint takes seconds.
  'sagemaker-runtime': { retryMode: 'standard', maxAttempts: 2, requestTimeoutMs: 30_000 },
} as const satisfies Record<string, ServiceTuning>;

/**
 * In Lambda the role's credentials are in the environment ("Defined runtime environment variables":
 * AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), and the default chain would find them there
 * first anyway; reading them directly skips the chain's other providers (files, SSO, IMDS) and their loading.
 * Anywhere else (the CLI, the emulator, tests) the default chain stays.
 * https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export function lambdaCredentials(env: NodeJS.ProcessEnv = process.env) {
  const inLambda = env.AWS_LAMBDA_FUNCTION_NAME !== undefined && env.AWS_LAMBDA_FUNCTION_NAME !== '';
  const keysInEnv = Boolean(env.AWS_ACCESS_KEY_ID) && Boolean(env.AWS_SECRET_ACCESS_KEY);
  return inLambda && keysInEnv ? { credentials: fromEnv() } : {};
}

/** The options an adapter builds its client with; the SDK's own AWS_MAX_ATTEMPTS and AWS_RETRY_MODE win. */
export function clientOptions(service: keyof typeof tuning) {
  const { retryMode, maxAttempts, requestTimeoutMs } = tuning[service];
  return {
    ...lambdaCredentials(),
    ...(process.env.AWS_RETRY_MODE ? {} : { retryMode }),
    ...(process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts }),
    requestHandler: {
      connectionTimeout: 3_000,
      requestTimeout: awsCallTimeoutOverrideMs ?? requestTimeoutMs,
      throwOnRequestTimeout: true,
    },
  };
}
