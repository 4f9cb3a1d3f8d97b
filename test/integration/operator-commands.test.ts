import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateModelPackageGroupCommand,
  DeleteTagsCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveWriter, type Writer } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import { historyLines } from '../../cli/history-page.ts';
import { readHistoryView } from '../../cli/history-records.ts';
import {
  abortRollout,
  pauseRollout,
  promoteRollout,
  resumeRollout,
  rolloutStatus,
  rolloutStatusViews,
} from '../../cli/operator-commands.ts';
import {
  describeGroup,
  groupCoverage,
  listRegistryGroups,
  readOwnerships,
  tagEndpoint,
} from '../../cli/registry-groups.ts';
import { subscribeToDecisionEvents } from '../../demo/event-inbox.ts';
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
    const [view] = await rolloutStatusViews(local.context(), endpointName);

    expect(all).toEqual([expect.stringMatching(/^fraud-prod: v2 Baking step 1 since 2026-11-25T09:0\dZ?/)]);
    const guard = 'sagemaker-rollout-fraud-prod-fraud-detector-2';
    expect(view).toMatchObject({
      endpointName: 'fraud-prod',
      groupName: 'fraud-detector',
      liveVersion: 1,
      rollingOutVersion: 2,
      phase: 'Baking',
      step: { index: 1, of: 3, percent: 10 },
      traffic: [
        { variant: 'fraud-detector-1', version: 1, weightPercent: 90, instanceCount: 1 },
        { variant: 'fraud-detector-2', version: 2, weightPercent: 10, instanceCount: 1 },
      ],
      alarms: [
        { name: 'fraud-prod-5xx', state: 'INSUFFICIENT_DATA' },
        { name: `${guard}-5xx`, state: 'INSUFFICIENT_DATA' },
        { name: `${guard}-latency`, state: 'INSUFFICIENT_DATA' },
      ],
      // The bake started at 09:02 and lasts 10 minutes.
      nextStepAt: '2026-11-25T09:12:00Z',
      waitingFor: null,
      // The bake's end and the policy's 60 minutes.
      deadlineAt: '2026-11-25T10:12:00Z',
      earlier: [{ version: 1, phase: 'Completed', reason: null }],
    });
    const times = view?.history.map((entry) => Date.parse(entry.at)) ?? [];
    expect(times).toEqual([...times].sort((left, right) => left - right));
    expect(view?.history.at(-1)).toEqual({
      at: '2026-11-25T09:02:00Z',
      phase: 'Baking',
      note: 'baking at 10%',
      actor: 'sagemaker-rollout',
    });
    expect(one.slice(0, 6)).toEqual([
      'fraud-prod (fraud-detector): live v1, rolling out v2',
      '  phase     Baking step 1 of 3 (10%) since 2026-11-25T09:02:00Z',
      '  traffic   fraud-detector-1 (v1) 90% on 1 instance(s), fraud-detector-2 (v2) 10% on 1 instance(s)',
      `  alarms    fraud-prod-5xx INSUFFICIENT_DATA, ${guard}-5xx INSUFFICIENT_DATA, ${guard}-latency INSUFFICIENT_DATA`,
      '  next step 2026-11-25T09:12:00Z',
      '  deadline  2026-11-25T10:12:00Z (no progress by then: it rolls back and fails)',
    ]);
    expect(one).toContain('  earlier   v1 Completed');
  });

  it('status says what a paused rollout waits for, and who paused it, on one clock', async () => {
    await canaryAtTenPercent();
    story.wait(3);
    await pauseRollout(local.context(), endpointName, 'arn:aws:iam::123456789012:user/alice', story.now());

    const [view] = await rolloutStatusViews(local.context(), endpointName);

    expect(view).toMatchObject({ paused: true, nextStepAt: null, waitingFor: 'paused', deadlineAt: null });
    expect(view?.history.at(-1)).toMatchObject({
      phase: 'Baking',
      note: 'paused by arn:aws:iam::123456789012:user/alice',
      actor: 'arn:aws:iam::123456789012:user/alice',
    });
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

describe('rollout promote', () => {
  const cloudwatch = new CloudWatchClient({});
  const alice = 'arn:aws:iam::123456789012:user/alice';

  async function setAlarms(state: 'OK' | 'ALARM', names?: string[]) {
    const rollout = await story.record();
    for (const AlarmName of names ?? [...(rollout?.watchedAlarms ?? []), ...(rollout?.guardAlarms ?? [])]) {
      await cloudwatch.send(new SetAlarmStateCommand({ AlarmName, StateValue: state, StateReason: 'test' }));
    }
  }

  it('takes a canary at 10% to 100% step by step without bakes, and finalizes; events say who and why', async () => {
    const events = await subscribeToDecisionEvents();
    await canaryAtTenPercent();
    await setAlarms('OK');

    await promoteRollout(local.context(), endpointName, alice, 'the launch needs v2 today', story.now());
    const done = await story.tickUntil(['Completed', 'RolledBack', 'Failed'], 12);

    expect(done.phase).toBe('Completed');
    expect(done.promotedBy).toBe(alice);
    // No step waited for its 10-minute bake.
    expect(Date.parse(done.phaseSince) - Date.parse(done.history[0]?.at ?? '')).toBeLessThan(10 * 60_000);
    expect(await story.traffic()).toEqual({ 'fraud-detector-2': 100 });
    expect(done.history.find((entry) => entry.note.startsWith('promoted'))).toMatchObject({
      note: `promoted by ${alice}: the launch needs v2 today`,
      actor: alice,
    });
    const shares = (done.trafficChanges ?? []).map((change) => {
      const total = Object.values(change.weights).reduce((sum, weight) => sum + weight, 0);
      return ((change.weights['fraud-detector-2'] ?? 0) / total) * 100;
    });
    // 10%, then each remaining step at once, then the final config with v2 alone.
    expect(shares).toEqual([10, 50, 100, 100]);
    const received = (await events.received()).filter((event) => event.detail.packageVersion === 2);
    expect(received.map((event) => event.detailType)).toEqual([
      'Rollout Started',
      'Rollout Promoted',
      'Rollout Step Advanced',
      'Rollout Step Advanced',
      'Rollout Completed',
    ]);
    expect(received[1]).toMatchObject({
      source: 'sagemaker-rollout',
      detail: {
        schemaVersion: '1',
        endpointName: 'fraud-prod',
        groupName: 'fraud-detector',
        phase: 'Baking',
        actor: alice,
        rolloutId: done.rolloutId,
      },
    });
    expect(received.slice(2, 4).map((event) => event.detail.trafficPercent)).toEqual([50, 100]);
  });

  it('refuses while an alarm is not OK, naming it, and changes nothing', async () => {
    await canaryAtTenPercent();
    const before = await story.record();

    await expect(promoteRollout(local.context(), endpointName, alice, 'now', story.now())).rejects.toThrow(
      /not promoted: fraud-prod-5xx is INSUFFICIENT_DATA, .*; promote needs every alarm OK/,
    );
    expect(await story.record()).toEqual(before);
  });

  it('loses a race with an alarm: the rollback wins, nothing is promoted', async () => {
    await canaryAtTenPercent();
    await setAlarms('OK');
    const guard = 'sagemaker-rollout-fraud-prod-fraud-detector-2-5xx';
    const live = liveWriter();
    let raced = false;
    // The alarm's rollback lands between promote's read of the record and its write.
    const racing: Writer = {
      ...live,
      async write(write, send) {
        if (!raced && write.service === 'dynamodb') {
          raced = true;
          await setAlarms('ALARM', [guard]);
          await story.alarm(guard);
        }
        return live.write(write, send);
      },
    };

    await expect(promoteRollout(local.context(racing), endpointName, alice, 'now', story.now())).rejects.toThrow(
      'the rollout changed while this command ran',
    );
    const after = await story.record();
    expect(after?.phase).toBe('RollingBack');
    expect(after?.promotedBy).toBeUndefined();
    expect((await story.tickUntil(['RolledBack'])).reason).toMatch(
      /^alarm sagemaker-rollout-fraud-prod-fraud-detector-2-5xx/,
    );
  });

  it('refuses what it cannot promote: no active rollout, an empty reason', async () => {
    await story.establishIncumbent();
    await expect(promoteRollout(local.context(), endpointName, alice, 'x', story.now())).rejects.toThrow(
      'endpoint fraud-prod: no active rollout',
    );
    await expect(promoteRollout(local.context(), endpointName, alice, ' ', story.now())).rejects.toThrow(
      '--reason must not be empty',
    );
  });
});

describe('rollout history', () => {
  it("charts each version's share from the records: v1 alone, v2's steps, then v3 rolled back by its alarm", async () => {
    await canaryAtTenPercent();
    await story.tickUntil(['Completed']);
    const v3 = await story.registerApproved();
    await story.approved(v3);
    await story.settle();
    await story.tick();
    await story.alarm('fraud-prod-5xx');
    await story.tickUntil(['RolledBack']);

    const view = await readHistoryView(local.context(), endpointName);

    expect(view.rollouts.map((rollout) => `v${rollout.version} ${rollout.phase}`)).toEqual([
      'v1 Completed',
      'v2 Completed',
      'v3 RolledBack',
    ]);
    expect(view.traffic.map((point) => point.shares)).toEqual([
      // v1's first deployment: all of the traffic, without weights.
      { v1: 100 },
      { v1: 90, v2: 10 },
      { v1: 50, v2: 50 },
      { v1: 0, v2: 100 },
      // The final config: v2 alone.
      { v2: 100 },
      { v2: 90, v3: 10 },
      { v2: 100, v3: 0 },
    ]);
    expect(view.marks.filter((mark) => mark.kind === 'alarm').map((mark) => mark.label)).toEqual([
      'v3: alarm fraud-prod-5xx',
    ]);
    const times = view.entries.map((entry) => Date.parse(entry.at));
    expect(times).toEqual([...times].sort((left, right) => left - right));
    expect(historyLines(view).join('\n')).toContain('fraud-prod-5xx');
  });
});

describe('rollout groups', () => {
  const sagemaker = new SageMakerClient({});

  async function report() {
    const groups = groupCoverage(local.policy, await listRegistryGroups());
    const owners = await readOwnerships(groups, local.context().settings.stackName);
    return { lines: groups.map((group, index) => describeGroup(group, owners[index])), owners };
  }

  it('shows how the policy sees each registry group and whether the stack may manage its endpoint', async () => {
    await story.establishIncumbent();
    await sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'legacy-model' }));

    const { lines } = await report();

    expect(lines).toEqual([
      'fraud-detector: configured by name, endpoint fraud-prod managed by this stack',
      'legacy-model: not configured (never touched)',
      'search-ranker: configured by name, but the registry has no such group',
      'pricing-model: configured by name, but the registry has no such group',
      'transcriber: configured by name, but the registry has no such group',
      'nightly-scoring: configured by name, but the registry has no such group',
      'churn-model: configured by name, but the registry has no such group',
    ]);
  });

  it('tags an endpoint the team created, once, and then reports it managed', async () => {
    await story.establishIncumbent();
    const arn = (await story.endpoint()).EndpointArn;
    // As if the team had created the endpoint: no stack tag.
    await sagemaker.send(new DeleteTagsCommand({ ResourceArn: arn, TagKeys: ['sagemaker-rollout:stack'] }));
    const before = await report();
    expect(before.lines[0]).toBe(
      'fraud-detector: configured by name, endpoint fraud-prod not tagged sagemaker-rollout:stack: the stack cannot update it (npx rollout groups --tag-endpoints)',
    );

    const writer = liveWriter();
    for (const owner of before.owners)
      if (owner?.kind === 'untagged') await tagEndpoint(writer, owner.arn, 'sagemaker-rollout-local');

    expect(writer.performed).toHaveLength(1);
    expect((await report()).lines[0]).toBe(
      'fraud-detector: configured by name, endpoint fraud-prod managed by this stack',
    );
    expect((await sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags).toEqual([
      { Key: 'sagemaker-rollout:stack', Value: 'sagemaker-rollout-local' },
    ]);
  });
});
