/**
 * What production does to a rollout next to the tested paths: late and future events, an alarm that
 * fires and clears between two ticks with its event lost, a tick, an alarm and a person at the same
 * moment, a final action that keeps failing, a group taken out of the policy mid-rollout. The real
 * handlers against the emulator; races are interleaved deterministically at each write of one side.
 */
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { CreateModelCommand, DescribeModelCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { advanceRollouts } from '#functions/advance/advance.ts';
import { rollBackOnAlarm } from '#functions/rollback/rollback.ts';
import { type AwsWrite, liveWriter, type Writer } from '#shared/aws/aws-writes.ts';
import { listRolloutHistory } from '#shared/aws/rollout-store.ts';
import type { Policy } from '#shared/policy/policy-document.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { planHash } from '#shared/rollout/rollout-plan.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import { alarmStateChange, scheduledTick } from '../../cli/event-builders.ts';
import { abortRollout, promoteRollout, rolloutStatus } from '../../cli/operator-commands.ts';
import { countFunctionCalls } from '../../demo/call-counter.ts';
import { subscribeToNotices } from '../../demo/notice-inbox.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { samplePolicyWith } from '../support/policy-variants.ts';
import { endpointName, rolloutStory } from '../support/rollout-story.ts';

const cloudwatch = new CloudWatchClient({});
const sagemaker = new SageMakerClient({});
const policyAlarm = 'fraud-prod-5xx';
const challenger = 'fraud-detector-2';
const alice = 'arn:aws:sts::123456789012:assumed-role/oncall/alice';

let local: LocalStack;
let story: ReturnType<typeof rolloutStory>;
const localStack = useLocalStack();
beforeEach(() => {
  local = localStack();
  story = rolloutStory(local);
});

const setAlarm = (name: string, state: 'ALARM' | 'OK') =>
  cloudwatch.send(new SetAlarmStateCommand({ AlarmName: name, StateValue: state, StateReason: `test: ${state}` }));

/**
 * A context as a Lambda invocation has it, on the story's clock: it may wait for SageMaker (here the
 * emulator finishing its updates), and `writer` sees every write.
 */
function invocation(writer: Writer = liveWriter(), policy: Policy = local.policy): RunContext {
  return {
    ...local.context(writer),
    policy,
    pause: () => local.emulator.settle(),
    wallClockMs: () => Date.parse(story.now()),
  };
}

/** v1 serving, v2 baking at 10% with its bake over: the next tick takes the step to 50%. */
async function canaryDueToStep() {
  await story.establishIncumbent();
  await story.approved(await story.registerApproved());
  for (let count = 0; count < 20; count += 1) {
    await story.settle();
    const rollout = await story.record();
    if (rollout?.phase === 'Baking' && rollout.bakeStartedAt !== undefined) break;
    await story.tick();
  }
  for (const name of (await story.record())?.watchedAlarms ?? []) await setAlarm(name, 'OK');
  story.wait(10);
}

/** The weights a write gives the challenger, in percent, or undefined when it sets no weights. */
function challengerShare(write: AwsWrite): number | undefined {
  if (write.operation !== 'UpdateEndpointWeightsAndCapacities') return undefined;
  const desired = (write.input as { DesiredWeightsAndCapacities: { VariantName: string; DesiredWeight?: number }[] })
    .DesiredWeightsAndCapacities;
  const weights = desired.filter((variant) => variant.DesiredWeight !== undefined);
  if (weights.length === 0) return undefined;
  const total = weights.reduce((sum, variant) => sum + (variant.DesiredWeight ?? 0), 0);
  return ((weights.find((variant) => variant.VariantName === challenger)?.DesiredWeight ?? 0) / total) * 100;
}

describe('time only moves forward', () => {
  it('a late tick never starts a bake before the record says its step began', async () => {
    await canaryDueToStep();
    await story.tick(); // the step to 50% (one instance each: no capacity to add first)
    await story.settle();
    const requested = await story.record();
    expect(requested?.stepIndex).toBe(1);
    expect(requested?.bakeStartedAt).toBeUndefined();

    // A tick from nine minutes ago, delivered only now (EventBridge retried it): the 50% split is in place.
    const late = new Date(Date.parse(story.now()) - 9 * 60_000).toISOString();
    await advanceRollouts(scheduledTick(late), invocation());
    const baking = await story.record();

    expect(Date.parse(baking?.bakeStartedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(requested?.phaseSince ?? ''));
    const next = await story.tick();
    expect(next.outcome).toMatch(/baking: [01] of 10 min/);
    expect((await story.record())?.stepIndex).toBe(1);
  });

  it('an event dated in the future never pushes the bake or the deadline out of reach', async () => {
    await canaryDueToStep();
    await story.tick();
    await story.settle();
    expect((await story.record())?.bakeStartedAt).toBeUndefined();

    await advanceRollouts(scheduledTick('2099-01-01T00:00:00Z'), invocation());
    const baking = await story.record();

    // Capped at the wall clock (here the story's), plus the five minutes of skew it tolerates.
    expect(Date.parse(baking?.bakeStartedAt ?? '')).toBeLessThanOrEqual(Date.parse(story.now()) + 5 * 60_000);
    for (const entry of baking?.history ?? []) expect(entry.at < '2099').toBe(true);
    story.wait(16);
    await story.tick();
    expect((await story.record())?.stepIndex).toBe(2);
  });
});

describe('a lost alarm event', () => {
  it('rolls back on an alarm that went to ALARM and back to OK between two ticks, naming when', async () => {
    await canaryDueToStep();
    story.wait(-9); // mid-bake
    await setAlarm(policyAlarm, 'ALARM');
    await setAlarm(policyAlarm, 'OK'); // and its event never reached the rollback function

    await story.tick();

    const rollout = await story.record();
    expect(rollout?.phase).toBe('RollingBack');
    expect(rollout?.reason).toMatch(
      /^alarm fraud-prod-5xx went to ALARM at \S+ and is OK now \(its state change reached no function\): test: ALARM$/,
    );
    expect((await story.tickUntil(['RolledBack'])).rollbackCause).toBe('alarm');
  });

  it('after the functions were down 40 minutes while an alarm fired and cleared, the first tick rolls back, never steps', async () => {
    await canaryDueToStep(); // its bake is over: a tick would take it to 50%
    // The functions are down (no tick, no alarm event reaches them) while the policy alarm fires and clears.
    await setAlarm(policyAlarm, 'ALARM');
    await setAlarm(policyAlarm, 'OK');
    story.wait(40);

    await story.tick();

    const rollout = await story.record();
    expect(rollout?.phase).toBe('RollingBack');
    expect(rollout?.stepIndex).toBe(0);
    expect(rollout?.reason).toContain('its state change reached no function');
    expect(await desiredChallengerShare()).toBe(0);
    expect((await story.tickUntil(['RolledBack'])).rollbackCause).toBe('alarm');
  });

  it('does not roll back on changes that never reached ALARM, and reads their history once', async () => {
    const counted = await countFunctionCalls();
    await canaryDueToStep(); // every watched alarm went from INSUFFICIENT_DATA to OK meanwhile
    counted.reset();

    await story.tick();
    const histories = counted.calls.filter((call) => call.operation === 'DescribeAlarmHistory').length;
    await story.settle();
    counted.reset();
    await story.tick();

    const rollout = await story.record();
    expect(rollout?.phase).toBe('Baking');
    expect(rollout?.stepIndex).toBe(1);
    expect(histories).toBe(rollout?.watchedAlarms.length);
    expect(counted.calls.filter((call) => call.operation === 'DescribeAlarmHistory')).toEqual([]);
    expect(Object.keys(rollout?.alarmTransitionsSeen ?? {}).sort()).toEqual([...(rollout?.watchedAlarms ?? [])].sort());
  });
});

/** A writer that logs what each side wrote (only writes that succeeded) and runs `interleave` once at a chosen write. */
function interleavingWriter(
  side: string,
  log: { side: string; write: AwsWrite }[],
  at: { index: number; when: 'before' | 'after' } | undefined,
  interleave: () => Promise<void>,
): Writer {
  const live = liveWriter();
  let count = 0;
  return {
    ...live,
    async write(write, send) {
      const index = count;
      count += 1;
      if (at?.index === index && at.when === 'before') await interleave();
      const result = await live.write(write, send);
      log.push({ side, write });
      if (at?.index === index && at.when === 'after') await interleave();
      return result;
    },
  };
}

/** The challenger's share as SageMaker is told to serve it now (Desired weights: what it converges to). */
async function desiredChallengerShare(): Promise<number> {
  const variants = (await story.endpoint()).ProductionVariants ?? [];
  const total = variants.reduce((sum, variant) => sum + (variant.DesiredWeight ?? variant.CurrentWeight ?? 0), 0);
  const mine = variants.find((variant) => variant.VariantName === challenger);
  return mine === undefined ? 0 : ((mine.DesiredWeight ?? mine.CurrentWeight ?? 0) / total) * 100;
}

describe('a tick, an alarm and a person at the same moment', () => {
  const guard = `sagemaker-rollout-fraud-prod-${challenger}-5xx`;
  // The tick that moves the weights to 50% writes its record, the weights, then its event: the alarm
  // fires (and its rollback runs) before each of those writes, or after the tick has ended.
  const interleavings = [
    { index: 0, moment: 'before the tick records its step' },
    { index: 1, moment: 'between the record and the weights' },
    { index: 2, moment: 'once the weights are sent' },
    { index: 3, moment: 'after the tick' },
  ];

  it.each(interleavings)(
    'the recorded rollback wins when the alarm fires $moment, with no tick to repair it',
    async (at) => {
      await canaryDueToStep();
      const log: { side: string; write: AwsWrite }[] = [];
      let fired = false;
      const fire = async () => {
        fired = true;
        await setAlarm(guard, 'ALARM');
        const rollback = invocation(interleavingWriter('rollback', log, undefined, async () => {}));
        await rollBackOnAlarm(alarmStateChange(guard, 'ALARM', story.now()), rollback);
      };
      story.wait(1);
      const tickWriter = interleavingWriter('tick', log, { index: at.index, when: 'before' }, fire);
      await advanceRollouts(scheduledTick(story.now()), invocation(tickWriter));
      if (!fired) await fire();

      const recorded = log.findIndex(
        (entry) =>
          entry.side === 'rollback' &&
          entry.write.operation === 'PutItem' &&
          (entry.write.input as { Item?: { phase?: string } }).Item?.phase === 'RollingBack',
      );
      const raisedAfter = log
        .slice(recorded === -1 ? log.length : recorded)
        .filter((entry) => entry.side === 'tick' && (challengerShare(entry.write) ?? 0) > 10);
      expect(raisedAfter).toEqual([]);
      expect(await desiredChallengerShare()).toBe(0);
      const rollout = await story.record();
      expect(['RollingBack', 'RolledBack']).toContain(rollout?.phase);
      expect(rollout?.rollbackCause).toBe('alarm');
    },
  );

  it('abort wins over a promote that writes first: it decides again from the promoted record', async () => {
    await canaryDueToStep();
    story.wait(-9);
    const log: { side: string; write: AwsWrite }[] = [];
    const promote = async () => {
      await promoteRollout(invocation(), endpointName, alice, 'launch', story.now());
    };
    await abortRollout(
      invocation(interleavingWriter('abort', log, { index: 0, when: 'before' }, promote)),
      endpointName,
      alice,
      'customer complaint',
      story.now(),
    );

    const rollout = await story.record();
    expect(rollout?.promotedBy).toBe(alice);
    expect(['RollingBack', 'RolledBack']).toContain(rollout?.phase);
    expect(rollout?.rollbackCause).toBe('operator');
    expect(rollout?.reason).toBe(`aborted by ${alice}: customer complaint`);
  });

  it('abort wins over a tick that steps first, and a promote that comes second is refused', async () => {
    await canaryDueToStep();
    const log: { side: string; write: AwsWrite }[] = [];
    const tick = async () => {
      await advanceRollouts(scheduledTick(story.now()), invocation());
    };
    story.wait(1);
    await abortRollout(
      invocation(interleavingWriter('abort', log, { index: 0, when: 'before' }, tick)),
      endpointName,
      alice,
      'bad numbers',
      story.now(),
    );

    expect((await story.record())?.rollbackCause).toBe('operator');
    await expect(promoteRollout(invocation(), endpointName, alice, 'now', story.now())).rejects.toThrow(
      /is (RollingBack|RolledBack)|no active rollout/,
    );
    expect(await desiredChallengerShare()).toBe(0);
  });
});

describe('deadlines everywhere, abort always possible', () => {
  it('ends a rollback whose final action keeps failing at its deadline, says what failed, and lets the queue go on', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await canaryDueToStep();
    story.wait(-9);
    // The stack may not reject packages (an IAM policy changed under it): every try is denied.
    await local.emulator.inject({
      service: 'sagemaker',
      operation: 'UpdateModelPackage',
      error: 'AccessDeniedException',
      status: 400,
      times: 1000,
    });
    await setAlarm(policyAlarm, 'ALARM');
    await story.alarm(policyAlarm);
    const v3 = await story.registerApproved();
    await story.approved(v3); // queued behind the rollback
    await story.settle();
    for (let count = 0; count < 5; count += 1) {
      await story.tick();
      await story.settle();
    }
    expect((await story.record())?.phase).toBe('RollingBack');
    await notices.received();

    story.wait(60);
    await story.tick();

    expect(await story.queued()).toBeUndefined();
    const received = await notices.received();
    const failedNotice = received.find((notice) => /with final actions that failed/.test(notice.subject));
    expect(failedNotice?.subject).toBe('fraud-prod: fraud-detector v2 RolledBack, with final actions that failed');
    expect(failedNotice?.message).toMatch(/rejectPackage \(AccessDeniedException: /);
    // The queued v3 started in the same tick, on the incumbent the rollback verified.
    const rollout = await story.record();
    expect(rollout?.packageVersion).toBe(3);
    expect(['Starting', 'Deploying']).toContain(rollout?.phase);
    const earlier = await listRolloutHistory(local.context().settings.rolloutsTableName, endpointName, 5);
    const v2 = earlier.flatMap((entry) =>
      entry.kind === 'rollout' && entry.rollout.packageVersion === 2 ? [entry.rollout] : [],
    );
    expect(v2.map((rollout) => rollout.phase)).toEqual(['RolledBack']);
  });

  it('aborts a rollout whose group left the policy back to the incumbent, on the policy it started with', async () => {
    await canaryDueToStep();
    story.wait(-9);
    const withoutGroup: Policy = {
      ...local.policy,
      group: (name) => (name === 'fraud-detector' ? undefined : local.policy.group(name)),
      configuredBy: (name) => (name === 'fraud-detector' ? undefined : local.policy.configuredBy(name)),
    };

    // Left alone by the schedule: a group that is not configured is never acted on...
    await advanceRollouts(scheduledTick(story.now()), invocation(liveWriter(), withoutGroup));
    expect((await story.record())?.phase).toBe('Baking');
    // ...but a person's abort is carried out.
    await abortRollout(invocation(liveWriter(), withoutGroup), endpointName, alice, 'group removed', story.now());

    expect(await desiredChallengerShare()).toBe(0);
    for (let count = 0; count < 5 && (await story.record())?.phase === 'RollingBack'; count += 1) {
      await story.settle();
      story.wait(1);
      await advanceRollouts(scheduledTick(story.now()), invocation(liveWriter(), withoutGroup));
    }
    const rollout = await story.record();
    expect(rollout?.phase).toBe('RolledBack');
    expect(rollout?.reason).toBe(`aborted by ${alice}: group removed`);
    expect((await story.endpoint()).ProductionVariants?.map((variant) => variant.VariantName)).toEqual([
      'fraud-detector-1',
    ]);
  });

  it('tells people at once when a watched alarm is in ALARM as a version would start', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    await story.establishIncumbent();
    await notices.received();
    await setAlarm(policyAlarm, 'ALARM');

    await story.approved(await story.registerApproved());

    expect((await notices.received()).map((notice) => notice.subject)).toEqual([
      'fraud-prod: fraud-detector v2 is waiting: alarm fraud-prod-5xx is in ALARM',
    ]);
    await story.tick();
    expect(await notices.received()).toEqual([]);
    expect((await story.record())?.waitingFor).toBe('alarm fraud-prod-5xx is in ALARM before the rollout started');
  });
});

describe('names the stack creates', () => {
  it('never reuses nor deletes a model of the name it wants that it did not create, and touches nothing', async () => {
    const incumbent = await story.establishIncumbent();
    // The team made a model by hand with the very name the stack would give v2's model.
    await sagemaker.send(
      new CreateModelCommand({
        ModelName: 'fraud-prod-v2',
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
        PrimaryContainer: { ModelPackageName: incumbent },
      }),
    );
    const endpointBefore = await story.endpoint();

    await story.approved(await story.registerApproved());

    const rollout = await story.record();
    expect(rollout?.phase).toBe('Failed');
    expect(rollout?.reason).toMatch(
      /^cannot roll out: a model named fraud-prod-v2 exists that this stack did not create \(it has no stack tag\)/,
    );
    const theirs = await sagemaker.send(new DescribeModelCommand({ ModelName: 'fraud-prod-v2' }));
    expect(theirs.PrimaryContainer?.ModelPackageName).toBe(incumbent);
    expect((await story.endpoint()).EndpointConfigName).toBe(endpointBefore.EndpointConfigName);
  });
});

describe('a policy edited while a rollout runs', () => {
  it('does not re-target the running rollout: it finishes on the plan it started with, and status says so', async () => {
    await canaryDueToStep();
    const planned = await story.record();
    expect(planned?.plan?.group.rollout.steps).toEqual([10, 50, 100]);
    // The team deploys a policy with other steps mid-rollout. Read live, step index 1 would be 100%.
    const edited = samplePolicyWith((raw) => {
      const group = raw.modelPackageGroups['fraud-detector'];
      if (group !== undefined) group.rollout = { ...(group.rollout as object), steps: [25, 100], bakeMinutes: 60 };
    });

    await advanceRollouts(scheduledTick(story.now()), invocation(liveWriter(), edited));

    expect(await desiredChallengerShare()).toBe(50);
    const rollout = await story.record();
    expect(rollout).toMatchObject({ phase: 'Baking', stepIndex: 1 });
    expect(rollout?.plan?.hash).toBe(planned?.plan?.hash);
    const lines = await rolloutStatus(invocation(liveWriter(), edited), endpointName);
    expect(lines.join('\n')).toContain(
      `plan      the policy changed since this rollout started (plan ${planned?.plan?.hash}, policy now ${planHash(edited.group('fraud-detector') as GroupPolicy)}): it finishes on its plan`,
    );
    expect(lines.join('\n')).toContain('step 2 of 3 (50%)');
    // The policy as it was says nothing changed.
    expect((await rolloutStatus(invocation(), endpointName)).join('\n')).not.toContain('policy changed');
  });
});
