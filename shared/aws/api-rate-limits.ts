// SageMaker throttles its control plane per account and operation; a tick that reconciles hundreds of
// endpoints at once would meet ThrottlingException on every call. Each operation gets a token bucket
// in this container, so calls are spaced before AWS has to refuse them (the SDK's adaptive retries
// still back off if it does). Conservative rates: reads 10/s, lists 5/s, writes 2/s, each with that
// burst. https://docs.aws.amazon.com/sagemaker/latest/dg/regions-quotas.html
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { TokenBucket } from '#shared/runtime/token-bucket.ts';

export const apiRatesPerSecond = { read: 10, list: 5, write: 2 } as const;

function ratePerSecond(operation: string): number {
  if (/^(Describe|Get)/.test(operation)) return apiRatesPerSecond.read;
  if (/^List/.test(operation)) return apiRatesPerSecond.list;
  return apiRatesPerSecond.write;
}

/** One bucket per operation, for the life of the container; `enabled` is asked at each call. */
export function perOperationRateLimit(
  enabled: () => boolean = () => true,
): InitializeMiddleware<object, MetadataBearer> {
  const buckets = new Map<string, TokenBucket>();
  return (next, context) => async (args) => {
    if (!enabled()) return next(args);
    const operation = String(context.commandName).replace(/Command$/, '');
    let bucket = buckets.get(operation);
    if (bucket === undefined) {
      const rate = ratePerSecond(operation);
      bucket = new TokenBucket(rate, rate);
      buckets.set(operation, bucket);
    }
    await bucket.take();
    return next(args);
  };
}

export function rateLimit(client: { middlewareStack: unknown }, enabled: () => boolean): void {
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(perOperationRateLimit(enabled), {
    step: 'initialize',
    name: 'perOperationRateLimit',
  });
}
