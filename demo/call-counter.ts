// Counts the AWS calls (and the bytes they answered) that the functions' own clients make, the way a
// counting proxy in front of the emulator would: calls and bytes do not depend on the machine's noise.
import type { DeserializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';

export interface CountedCall {
  readonly operation: string;
  /** Bytes of the response body, from its Content-Length (0 when AWS sends none). */
  readonly bytes: number;
}

/** The clients every function builds at module scope, loaded after the environment is set. */
export async function functionClients() {
  return [
    (await import('#shared/aws/sagemaker.ts')).sagemaker,
    (await import('#shared/aws/store.ts')).dynamodb,
    (await import('#shared/aws/cloudwatch.ts')).cloudwatch,
    (await import('#shared/aws/notify.ts')).sns,
    (await import('#shared/aws/evaluation-report.ts')).s3,
    (await import('#shared/aws/codepipeline.ts')).codepipeline,
    (await import('#shared/aws/autoscaling.ts')).autoscaling,
    (await import('#shared/aws/reconcile-queue.ts')).sqs,
    (await import('#shared/aws/decision-bus.ts')).eventbridge,
    (await import('#shared/aws/parameters.ts')).ssm,
    (await import('#shared/aws/invocations.ts')).sagemakerRuntime,
  ];
}

/** Starts counting every call of the functions' clients; `calls` is what was counted since `reset`. */
export async function countFunctionCalls() {
  const calls: CountedCall[] = [];
  const counter: DeserializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
    const result = await next(args);
    const headers = (result.response as { headers?: Record<string, string> }).headers ?? {};
    calls.push({
      operation: String(context.commandName).replace(/Command$/, ''),
      bytes: Number(headers['content-length'] ?? 0),
    });
    return result;
  };
  for (const client of await functionClients()) {
    (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(counter, {
      step: 'deserialize',
      name: 'functionCallCounter',
      override: true,
    });
  }
  return {
    calls,
    reset: () => {
      calls.length = 0;
    },
    /** The calls made before the first call of `operation` (undefined when none was made). */
    before: (operation: string) => {
      const index = calls.findIndex((call) => call.operation === operation);
      return index === -1 ? undefined : calls.slice(0, index);
    },
  };
}
