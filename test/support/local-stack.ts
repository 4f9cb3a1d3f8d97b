import { afterAll, beforeAll, beforeEach } from 'vitest';
import { liveWriter, type Writer } from '#shared/aws/aws-writes.ts';
import { loadPolicyFile, type Policy } from '#shared/policy/load-policy.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import { type ReplayReport, replayEvent, replayEventFile } from '../../cli/replay.ts';
import { readStackDefinition, type StackDefinition, stackSettings } from '../../cli/stack-definition.ts';
import { createLocalResources } from '../../demo/local-resources.ts';
import { type EmulatorHandle, startEmulator } from '../../emulator/launch.ts';
import { sampleEventPath } from './sample-events.ts';

export interface LocalStack {
  readonly emulator: EmulatorHandle;
  readonly stack: StackDefinition;
  readonly policy: Policy;
  readonly context: (writer?: Writer) => RunContext;
  /** Empties the emulator and recreates the stack's table and topic. */
  reset(): Promise<void>;
  /** Replays a file of events/ through serverless.yml's routing and the real handler. */
  replay(name: string, options?: { dryRun?: boolean }): Promise<ReplayReport>;
  replayFile(path: string, options?: { dryRun?: boolean }): Promise<ReplayReport>;
  /** Sends an event object through the same routing and handler. */
  send(event: unknown): Promise<ReplayReport>;
}

/**
 * One emulator per test file. AWS SDK clients read AWS_ENDPOINT_URL when they first send,
 * so setting it here, before any request, points the handlers' module-scope clients at it.
 */
export async function startLocalStack(policyFile = 'examples/demo.config.yml'): Promise<LocalStack> {
  // Nothing settles by itself: tests call emulator.settle() where time would pass.
  const emulator = await startEmulator({ updateSeconds: 3600 });
  process.env.AWS_ENDPOINT_URL = emulator.endpointUrl;
  const stack = readStackDefinition();
  const policy = loadPolicyFile(policyFile);
  const settings = stackSettings(stack);
  await createLocalResources(stack);
  const setup = (dryRun = false) => ({ routes: stack.routes, policy, settings, dryRun });
  const replayFile = (path: string, options: { dryRun?: boolean } = {}) => replayEventFile(path, setup(options.dryRun));
  return {
    emulator,
    stack,
    policy,
    context: (writer = liveWriter()) => ({ policy, settings, writer }),
    async reset() {
      await emulator.reset();
      await createLocalResources(stack);
    },
    replayFile,
    send: (event) => replayEvent(event, setup()),
    replay: (name, options) => replayFile(sampleEventPath(name), options),
  };
}

/**
 * One emulator for the calling test file: started before its tests, reset before each, stopped after.
 * Returns a getter for the stack, valid inside tests and hooks.
 */
export function useLocalStack(policyFile?: string): () => LocalStack {
  let local: LocalStack | undefined;
  beforeAll(async () => {
    local = await startLocalStack(policyFile);
  });
  afterAll(async () => {
    await local?.emulator.stop();
  });
  beforeEach(async () => {
    await local?.reset();
  });
  return () => {
    if (local === undefined) throw new Error('the local stack has not started');
    return local;
  };
}
