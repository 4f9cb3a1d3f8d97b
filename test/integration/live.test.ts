// `rollout local` as a person runs it: the stack against the emulator on a real clock, a canary moving
// by itself, an alarm fired from another terminal, the rollback on screen. The test waits for lines of
// output, never for a time.
import { type ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const policy = 'test/fixtures/live-fast.config.yml';
let live: ChildProcessWithoutNullStreams | undefined;
afterAll(() => {
  live?.kill('SIGTERM');
});

/** Collects the live process's output and answers when a line matching `pattern` has appeared. */
function outputOf(child: ChildProcessWithoutNullStreams) {
  let text = '';
  const waiting: { pattern: RegExp; resolve: (line: string) => void; reject: (error: Error) => void }[] = [];
  const check = () => {
    for (const waiter of [...waiting]) {
      const line = text.split('\n').find((candidate) => waiter.pattern.test(candidate));
      if (line === undefined) continue;
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve(line);
    }
  };
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    check();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  // The process ending before the line appears fails the wait at once, with what it printed.
  child.on('exit', (code) => {
    for (const waiter of waiting.splice(0))
      waiter.reject(new Error(`exited ${code} before ${waiter.pattern}:\n${text}`));
  });
  return {
    text: () => text,
    line: (pattern: RegExp) =>
      new Promise<string>((resolve, reject) => {
        waiting.push({ pattern, resolve, reject });
        check();
      }),
  };
}

describe('rollout local', () => {
  it('moves a canary on a real clock; an alarm fired from another terminal rolls it back', async () => {
    live = spawn('node', [
      'bin/rollout.mjs',
      'local',
      '--port',
      '0',
      '--tick-seconds',
      '0.5',
      '--max-ticks',
      '120',
      '--config',
      policy,
    ]);
    const output = outputOf(live);

    const banner = await output.line(/^sagemaker-rollout live: the emulator on (http:\/\/127\.0\.0\.1:\d+)/);
    const endpointUrl = /(http:\/\/127\.0\.0\.1:\d+)/.exec(banner)?.[1] ?? '';
    await output.line(/^\d\d:\d\d:\d\d {2}v2 Baking step 1\/3 +v1 █+░* +90% {2}v2 █+░* +10%/);
    const fired = await run('node', ['bin/rollout.mjs', 'local', 'alarm', 'fraud-prod-5xx', '--config', policy], {
      env: { ...process.env, AWS_ENDPOINT_URL: endpointUrl },
    });
    const rolledBack = await output.line(/v2 RolledBack/);

    // The rollback function takes the event: it acts at once, or on the next tick if SageMaker is mid-update.
    expect(fired.stdout).toMatch(/^fraud-prod-5xx is ALARM: rollback: fraud-prod: /);
    expect(rolledBack).toMatch(/v1 █{20} 100% {2}fraud-prod-5xx=ALARM$/);
    expect(output.text()).not.toMatch(/v2 Baking step 2\/3/);
  }, 90_000);
});
