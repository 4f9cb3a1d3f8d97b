// SageMaker and CloudWatch throttle their APIs per account, Region and operation; a tick that reconciles
// thousands of endpoints through many workers would meet ThrottlingException on every call. Each call
// takes its operation's budget first (rate-budget.ts): in Lambda one budget for the whole account, counted
// in the rollouts table, so that N workers together stay within the quota, not N times it; elsewhere a
// token bucket in the process. The SDK's adaptive retries still back off if AWS throttles anyway.
//
// The rates:
// - CloudWatch publishes its own (CloudWatch service quotas, "API requests"): DescribeAlarms 9 transactions a
//   second, GetMetricData 50, DescribeAlarmHistory, DeleteAlarms and PutMetricAlarm 3 each.
//   https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_limits.html
// - SageMaker publishes no table of per-operation API rates: an account's are in Service Quotas
//   (`aws service-quotas list-aws-default-service-quotas --service-code sagemaker`) and throttling answers
//   ThrottlingException (API Reference, Common Errors). So conservative rates: reads 10 a second, lists 5,
//   writes 2, each with that burst. https://docs.aws.amazon.com/sagemaker/latest/dg/regions-quotas.html
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { localRateBudget, type RateBudget, sharedRateBudget, tableLeases } from './rate-budget.ts';

export const apiRatesPerSecond = { read: 10, list: 5, write: 2 } as const;

export const cloudWatchRatesPerSecond: Readonly<Record<string, number>> = {
  DescribeAlarms: 9,
  GetMetricData: 50,
  DescribeAlarmHistory: 3,
  DeleteAlarms: 3,
  PutMetricAlarm: 3,
};

export type ThrottledService = 'sagemaker' | 'cloudwatch';

/** The rate an operation is held to; undefined: not held (CloudWatch operations the functions rarely call). */
export function ratePerSecond(service: ThrottledService, operation: string): number | undefined {
  if (service === 'cloudwatch') return cloudWatchRatesPerSecond[operation];
  if (/^(Describe|Get)/.test(operation)) return apiRatesPerSecond.read;
  if (/^List/.test(operation)) return apiRatesPerSecond.list;
  return apiRatesPerSecond.write;
}

/** The rollback function's calls wait for no budget: they are few, and the incumbent must serve again now. */
const exempt: RateBudget = { take: async () => undefined };

/**
 * ROLLOUT_RATE_BUDGET: `shared` across the account (the default in Lambda, where the stack's table is; the
 * scale bench asks for it against the emulator), `local` to this process (the default elsewhere, so that a
 * replay or a dry run writes nothing), or `exempt` (the rollback function: an alarm's rollback never waits
 * behind a tick's steps; AWS's throttling, retried by the SDK, is all that spaces it).
 */
export function chooseBudget(env: NodeJS.ProcessEnv = process.env): RateBudget {
  const asked = env.ROLLOUT_RATE_BUDGET;
  if (asked === 'exempt') return exempt;
  if (asked !== undefined && asked !== '' && asked !== 'shared' && asked !== 'local') {
    throw new Error(`environment variable ROLLOUT_RATE_BUDGET must be shared, local or exempt, got ${asked}`);
  }
  const table = env.ROLLOUTS_TABLE_NAME;
  const inLambda = env.AWS_LAMBDA_FUNCTION_NAME !== undefined && env.AWS_LAMBDA_FUNCTION_NAME !== '';
  const shared = asked === 'shared' || (asked !== 'local' && inLambda);
  return shared && table !== undefined && table !== '' ? sharedRateBudget(tableLeases(table)) : localRateBudget();
}

let accountBudget: RateBudget | undefined;

/** Each call waits for its operation's budget; `enabled` is asked at each call, the budget chosen at the first. */
export function perOperationRateLimit(
  service: ThrottledService,
  enabled: () => boolean = () => true,
  budget: () => RateBudget = () => {
    accountBudget ??= chooseBudget();
    return accountBudget;
  },
): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    if (!enabled()) return next(args);
    const operation = String(context.commandName).replace(/Command$/, '');
    const rate = ratePerSecond(service, operation);
    if (rate !== undefined) await budget().take(`${service}:${operation}`, rate);
    return next(args);
  };
}

export function rateLimit(client: { middlewareStack: unknown }, service: ThrottledService, enabled: () => boolean) {
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(perOperationRateLimit(service, enabled), {
    step: 'initialize',
    name: 'perOperationRateLimit',
  });
}
