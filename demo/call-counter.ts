// Counts the AWS calls (and the bytes they answered) that the functions' own clients make, the way a
// counting proxy in front of the emulator would: calls and bytes do not depend on the machine's noise.
import type { DeserializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';

export interface CountedCall {
  readonly operation: string;
  /** Bytes of the response body, from its Content-Length (0 when AWS sends none). */
  readonly bytes: number;
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
  // Every client the functions build, now or on first use (shared/aws/lazy-client.ts), loaded after the
  // environment is set.
  const { onEveryClient } = await import('#shared/aws/lazy-client.ts');
  onEveryClient((client) => {
    (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(counter, {
      step: 'deserialize',
      name: 'functionCallCounter',
      override: true,
    });
  });
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
