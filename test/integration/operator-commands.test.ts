import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import { abortRollout, pauseRollout, resumeRollout, rolloutStatus } from '../../tools/operator-commands.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { endpointName, rolloutStory } from '../support/rollout-story.ts';

let local: LocalStack;
let story: ReturnType<typeof rolloutStory>;

/** A v2 canary serving 10% on top of v1. */
async function canaryAtTenPercent() {
  await story.establishIncumbent();
  const challenger = await story.registerApproved();
  await story.approved(challenger);
  await story.settle();
  await story.tick();
  expect(await story.traffic()).toEqual({ 'fraud-detector-1': 90, 'fraud-detector-2': 10 });
  return challenger;
}

const localStack = useLocalStack();
beforeEach(() => {
  local = localStack();
  story = rolloutStory(local);
});

describe('operator commands', () => {
  it('pause holds the current step however long it bakes; resume lets it go on', async () => {
    await canaryAtTenPercent();

    expect(await pauseRollout(local.context(), endpointName, 'alice', story.now())).toContain('(paused)');
    story.wait(60);
    await story.tick();
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 90, 'fraud-detector-2': 10 });

    await resumeRollout(local.context(), endpointName, 'alice', story.now());
    await story.tick();
    await story.settle();
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 50, 'fraud-detector-2': 50 });
    expect((await story.record())?.history.map((entry) => entry.note)).toContain('paused by alice');
  });

  it('an alarm still rolls a paused rollout back', async () => {
    await canaryAtTenPercent();
    await pauseRollout(local.context(), endpointName, 'alice', story.now());

    await new CloudWatchClient({}).send(
      new SetAlarmStateCommand({
        AlarmName: 'sagemaker-rollout-fraud-prod-fraud-detector-2-5xx',
        StateValue: 'ALARM',
        StateReason: 'test',
      }),
    );
    await story.tick();

    expect((await story.record())?.phase).toBe('RollingBack');
  });

  it('abort rolls back at once, records who and why, and leaves the package status to people', async () => {
    const challenger = await canaryAtTenPercent();

    const outcome = await abortRollout(local.context(), endpointName, 'bob', 'customer complaint', story.now());

    expect(outcome).toContain('RollingBack');
    const desired = (await story.endpoint()).ProductionVariants?.map((variant) => variant.DesiredWeight);
    expect(desired).toEqual([100, 0]);
    const rolledBack = await story.tickUntil(['RolledBack']);
    expect(rolledBack.reason).toBe('aborted by bob: customer complaint');
    expect((await story.packageStatus(challenger)).status).toBe('Approved');
  });

  it('status shows the active rollouts, and one endpoint with its history', async () => {
    await canaryAtTenPercent();

    const all = await rolloutStatus(local.context(), undefined);
    const one = await rolloutStatus(local.context(), endpointName);

    expect(all).toEqual([expect.stringMatching(/^fraud-prod: v2 Baking step 1 since 2026-11-25T09:0\dZ?/)]);
    expect(one[0]).toContain('fraud-prod: v2 Baking step 1');
    expect(one.join('\n')).toContain('deploying beside the incumbent at 10%');
    expect(one.join('\n')).toContain('earlier: v1 Completed');
  });

  it('refuses to pause an endpoint with no active rollout, naming it', async () => {
    await expect(pauseRollout(local.context(), 'no-such-endpoint', 'alice', story.now())).rejects.toThrow(
      BadInputError,
    );
    await expect(pauseRollout(local.context(), 'no-such-endpoint', 'alice', story.now())).rejects.toThrow(
      'endpoint no-such-endpoint: no active rollout',
    );
  });
});
