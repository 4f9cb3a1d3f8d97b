import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { beforeEach, describe, expect, it } from 'vitest';
import { deployApprovedPackage } from '#functions/deploy/deploy.ts';
import { type AwsWrite, liveWriter, type Writer } from '#shared/aws/aws-writes.ts';
import { listRolloutHistory } from '#shared/aws/rollout-store.ts';
import { alarmStateChange, modelPackageEvent } from '../../cli/event-builders.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { endpointName, rolloutStory } from '../support/rollout-story.ts';
import { sampleEvent } from '../support/sample-events.ts';

let local: LocalStack;
let story: ReturnType<typeof rolloutStory>;
const cloudwatch = new CloudWatchClient({});
const sagemaker = new SageMakerClient({});
const guard5xx = (version: number) => `sagemaker-rollout-fraud-prod-fraud-detector-${version}-5xx`;

async function setAlarm(alarmName: string, state: 'ALARM' | 'OK') {
  await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: state, StateReason: 'test' }));
}

async function alarmExists(alarmName: string) {
  const described = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [alarmName] }));
  return (described.MetricAlarms ?? []).length > 0;
}

async function exists(describe: () => Promise<unknown>) {
  return describe().then(
    () => true,
    () => false,
  );
}

/** Runs the challenger to the step where it serves `percent`, InService. */
async function bakeUntilServing(percent: number) {
  for (let count = 0; count < 40; count += 1) {
    await story.settle();
    const endpoint = await story.endpoint();
    const traffic = await story.traffic();
    if (endpoint.EndpointStatus === 'InService' && Object.values(traffic).at(-1) === percent) return;
    await story.tick();
  }
  throw new Error(`never served ${percent}%`);
}

const localStack = useLocalStack();
beforeEach(() => {
  local = localStack();
  story = rolloutStory(local);
});

describe('deploy, advance and complete', () => {
  it('creates the endpoint for a first version and records a completed first deployment', async () => {
    const first = await story.registerApproved();
    const report = await story.approved(first);

    expect(report.outcome).toBe('started: creating the endpoint');
    expect((await story.endpoint()).EndpointStatus).toBe('Creating');
    const completed = await story.tickUntil(['Completed']);
    expect(completed.history.map((entry) => entry.phase)).toEqual(['Starting', 'Creating', 'Completed']);
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
    // What the stack creates carries its tag, so the functions' IAM policy lets them update it later.
    const tags = await sagemaker.send(new ListTagsCommand({ ResourceArn: (await story.endpoint()).EndpointArn }));
    expect(tags.Tags).toEqual([{ Key: 'sagemaker-rollout:stack', Value: 'sagemaker-rollout-local' }]);
  });

  it('rolls an approved version out 10 -> 50 -> 100 beside the incumbent, then retires the old variant', async () => {
    await story.establishIncumbent();
    const challenger = await story.registerApproved();

    await story.approved(challenger);
    // The update is in flight: the incumbent keeps serving everything until SageMaker finishes it.
    expect((await story.endpoint()).EndpointStatus).toBe('Updating');
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
    expect(await alarmExists(guard5xx(2))).toBe(true);

    await bakeUntilServing(10);
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 90, 'fraud-detector-2': 10 });
    await bakeUntilServing(50);
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 50, 'fraud-detector-2': 50 });
    const done = await story.tickUntil(['Completed']);

    expect(await story.traffic()).toEqual({ 'fraud-detector-2': 100 });
    expect((await story.endpoint()).EndpointConfigName).toBe('fraud-prod-v2-final');
    expect(done.history.map((entry) => entry.note)).toEqual([
      'approved',
      'deploying beside the incumbent at 10%',
      'baking at 10%',
      'step 2 of 3: 50%',
      'step 3 of 3: 100%',
      'finalizing: the new version alone',
      'completed: the new version serves all traffic',
    ]);
    // Each step baked its full 10 minutes before the next.
    const stepTimes = done.history.filter((entry) => entry.phase === 'Baking').map((entry) => Date.parse(entry.at));
    for (let index = 1; index < stepTimes.length; index += 1) {
      expect((stepTimes[index] ?? 0) - (stepTimes[index - 1] ?? 0)).toBeGreaterThanOrEqual(10 * 60_000);
    }
    expect(await alarmExists(guard5xx(2))).toBe(false);
    // The canary config is gone; the previous version's model and config stay for a manual rollback.
    expect(
      await exists(() =>
        sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'fraud-prod-v2-canary' })),
      ),
    ).toBe(false);
    expect(
      await exists(() =>
        sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'fraud-prod-v1-final' })),
      ),
    ).toBe(true);
    expect(await exists(() => sagemaker.send(new DescribeModelCommand({ ModelName: 'fraud-prod-v1' })))).toBe(true);
  });

  it('keeps only the configured number of previous versions', async () => {
    await story.establishIncumbent();
    for (let version = 2; version <= 4; version += 1) {
      await story.approved(await story.registerApproved());
      // Retention is what is tested, not the bakes: ten minutes a tick, not one (a third of the calls).
      for (let tick = 0; tick < 30 && (await story.record())?.phase !== 'Completed'; tick += 1) {
        await story.settle();
        story.wait(9);
        await story.tick();
      }
      expect((await story.record())?.phase).toBe('Completed');
    }
    // keepPreviousVersions: 2 -> v4 serves, v3 and v2 are kept, v1 is cleaned up.
    expect(await exists(() => sagemaker.send(new DescribeModelCommand({ ModelName: 'fraud-prod-v1' })))).toBe(false);
    expect(await exists(() => sagemaker.send(new DescribeModelCommand({ ModelName: 'fraud-prod-v2' })))).toBe(true);
    expect((await story.record())?.retainedVersions.map((version) => version.packageVersion)).toEqual([4, 3, 2]);
  });
});

describe('duplicates, order and queueing', () => {
  it('ignores a duplicate Approved event', async () => {
    await story.establishIncumbent();
    const challenger = await story.registerApproved();

    await story.approved(challenger);
    const duplicate = await story.approved(challenger);

    expect(duplicate.outcome).toBe('ignored: v2 is already Deploying');
    expect(duplicate.actions).toEqual([]);
  });

  it('ignores an approval that arrives after a newer version was rolled out', async () => {
    await story.establishIncumbent();
    const older = await story.registerApproved();
    const newer = await story.registerApproved();
    await story.approved(newer);
    await story.tickUntil(['Completed']);

    const late = await story.approved(older);

    expect(late.outcome).toBe('ignored: v2 is older than v3, which is already Completed');
    expect(await story.traffic()).toEqual({ 'fraud-detector-3': 100 });
  });

  it('never deploys a version that is not Approved now', async () => {
    await story.establishIncumbent();
    const pending = await story.registerApproved();
    await local.send(modelPackageEvent('Approved', pending, story.now()));
    const notApproved = await story.registerApproved().then(async (arn) => {
      await sagemaker.send(
        new (await import('@aws-sdk/client-sagemaker')).UpdateModelPackageCommand({
          ModelPackageArn: arn,
          ModelApprovalStatus: 'Rejected',
          ApprovalDescription: 'a human said no',
        }),
      );
      return arn;
    });
    const report = await story.approved(notApproved);
    expect(report.outcome).toBe('ignored: package is Rejected, not Approved');
  });

  it('lets exactly one of two approvals within a second start; the other is queued, or dropped if it is the older', async () => {
    await story.establishIncumbent();
    const [second, third] = [await story.registerApproved(), await story.registerApproved()];

    const outcomes = (await Promise.all([story.approved(second), story.approved(third)])).map(
      (report) => report.outcome,
    );

    const started = outcomes.filter((outcome) => outcome.startsWith('started: deploying beside the incumbent at 10%'));
    expect(started).toHaveLength(1);
    const active = await story.record();
    const other = outcomes.find((outcome) => !outcome.startsWith('started'));
    if (active?.packageVersion === 2) {
      expect(other).toMatch(/^queued behind v2 \((Starting|Deploying)\)$/);
      expect((await story.queued())?.packageVersion).toBe(3);
    } else {
      // Versions only move forward: v2 lost the race to v3 and will never be deployed.
      expect(other).toMatch(/^ignored: v2 is older than v3, which is already (Starting|Deploying)$/);
      expect(await story.queued()).toBeUndefined();
    }
    expect((await story.endpoint()).EndpointStatus).toBe('Updating');
  });

  it('queues approvals behind the active rollout; the newest queued version wins and starts when it ends', async () => {
    await story.establishIncumbent();
    const [second, third, fourth] = [
      await story.registerApproved(),
      await story.registerApproved(),
      await story.registerApproved(),
    ];
    await story.approved(second);
    expect((await story.approved(third)).outcome).toBe('queued behind v2 (Deploying)');

    await story.approved(fourth);

    expect((await story.queued())?.packageVersion).toBe(4);
    const history = await listRolloutHistory(local.context().settings.rolloutsTableName, endpointName, 10);
    const superseded = history.find((entry) => entry.kind === 'superseded');
    expect(superseded).toMatchObject({ packageVersion: 3, reason: expect.stringContaining('v4 was approved') });

    // When the active rollout ends, the queued version starts by itself, in the same tick.
    let next = await story.record();
    while (next?.packageVersion !== 4) {
      await story.settle();
      await story.tick();
      next = await story.record();
    }
    expect(next.history.slice(0, 2).map((entry) => entry.phase)).toEqual(['Starting', 'Deploying']);
    expect(await story.queued()).toBeUndefined();
    await story.tickUntil(['Completed']);
    expect(await story.traffic()).toEqual({ 'fraud-detector-4': 100 });
  });
});

describe('rollback', () => {
  it('sends all traffic back to the incumbent at once when a guard alarm fires while baking, then rejects the package', async () => {
    await story.establishIncumbent();
    const challenger = await story.registerApproved();
    await story.approved(challenger);
    await bakeUntilServing(10);

    await setAlarm(guard5xx(2), 'ALARM');
    const report = await story.alarm(guard5xx(2));
    // The record says why, in CloudWatch's words from the alarm event.
    const eventReason = (sampleEvent('alarm-fraud-prod-5xx-alarm').detail.state as { reason: string }).reason;
    const firedBecause = `alarm ${guard5xx(2)} is in ALARM: ${eventReason}`;

    expect(report.function).toBe('rollback');
    expect(report.actions.map((action: AwsWrite) => action.operation)).toContain('UpdateEndpointWeightsAndCapacities');
    const desired = (await story.endpoint()).ProductionVariants?.map((variant) => [
      variant.VariantName,
      variant.DesiredWeight,
    ]);
    expect(desired).toEqual([
      ['fraud-detector-1', 100],
      ['fraud-detector-2', 0],
    ]);
    expect((await story.record())?.phase).toBe('RollingBack');

    const rolledBack = await story.tickUntil(['RolledBack']);
    // Rejected once the incumbent serves again (rejectOnRollback in examples/demo.config.yml).
    expect(await story.packageStatus(challenger)).toEqual({
      status: 'Rejected',
      description: `sagemaker-rollout rolled back fraud-prod: ${firedBecause}`,
    });
    expect(rolledBack.reason).toBe(firedBecause);
    expect((await story.endpoint()).EndpointConfigName).toBe('fraud-prod-v1-final');
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
    expect(await alarmExists(guard5xx(2))).toBe(false);

    // A rolled-back rollout never moves forward again, whatever happens next.
    await setAlarm('fraud-prod-5xx', 'OK').catch(() => undefined);
    story.wait(120);
    await story.tick();
    expect((await story.record())?.phase).toBe('RolledBack');
  });

  it('rolls back on an alarm event whose reason is 150 KB, storing it cut to 2,048 characters', async () => {
    await story.establishIncumbent();
    await story.approved(await story.registerApproved());
    await bakeUntilServing(10);
    const event = alarmStateChange('fraud-prod-5xx', 'ALARM', story.now());
    (event.detail.state as { reason: string }).reason = `Threshold Crossed: ${'x'.repeat(150 * 1024)}`;

    const report = await local.send(event);

    // Unbounded, the first write (reason and note: 300 KB) fitted DynamoDB's 400 KB and no later one did: the
    // rollback was never verified or finished, and the record was stuck in RollingBack.
    expect(report.status, report.outcome).toBe('handled');
    const rollingBack = await story.record();
    expect(rollingBack?.phase).toBe('RollingBack');
    expect(rollingBack?.reason).toHaveLength(2048);
    expect(rollingBack?.reason).toMatch(/^alarm fraud-prod-5xx is in ALARM: Threshold Crossed: x+…$/);
    expect(rollingBack?.history.at(-1)?.note.endsWith('x…')).toBe(true);
    const rolledBack = await story.tickUntil(['RolledBack']);
    expect(rolledBack.reason).toBe(rollingBack?.reason);
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
  });

  it('records the rollback while the endpoint is Updating and completes it once SageMaker accepts changes', async () => {
    await story.establishIncumbent();
    await story.approved(await story.registerApproved());
    expect((await story.endpoint()).EndpointStatus).toBe('Updating');

    await setAlarm('fraud-prod-5xx', 'ALARM');
    const report = await story.alarm('fraud-prod-5xx');

    // No endpoint call while Updating: SageMaker would refuse it. The record says what to finish.
    expect(report.actions.map((action: AwsWrite) => action.operation)).not.toContain(
      'UpdateEndpointWeightsAndCapacities',
    );
    expect((await story.record())?.phase).toBe('RollingBack');
    await story.tickUntil(['RolledBack']);
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
    expect((await story.endpoint()).EndpointConfigName).toBe('fraud-prod-v1-final');
  });

  it('rolls back from Finalizing by restoring the incumbent config, on the incumbent’s live instance count', async () => {
    await story.establishIncumbent();
    await story.approved(await story.registerApproved());
    await story.tickUntil(['Finalizing']);

    await setAlarm(guard5xx(2), 'ALARM');
    await story.alarm(guard5xx(2));
    const rolledBack = await story.tickUntil(['RolledBack']);

    expect(rolledBack.history.map((entry) => entry.phase).slice(-3)).toEqual([
      'Finalizing',
      'RollingBack',
      'RolledBack',
    ]);
    // The final update had landed, so the incumbent variant was gone: it comes back in a copy of its
    // config that starts it on the instances it had live, not on the config's initial count.
    const endpoint = await story.endpoint();
    expect(endpoint.EndpointConfigName).toBe('fraud-prod-v2-restore');
    const describe = (name: string) => sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
    const [restored, original] = await Promise.all([
      describe('fraud-prod-v2-restore'),
      describe('fraud-prod-v1-final'),
    ]);
    expect(restored.ProductionVariants).toEqual(original.ProductionVariants);
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
  });

  it('still stops the rollout when the alarm event was lost: the reconciler reads alarm states', async () => {
    await story.establishIncumbent();
    await story.approved(await story.registerApproved());
    await bakeUntilServing(10);

    await setAlarm(guard5xx(2), 'ALARM');
    await story.tick();

    expect((await story.record())?.phase).toBe('RollingBack');
    await story.tickUntil(['RolledBack']);
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
  });

  it('ignores OK transitions and alarms that watch nothing of ours', async () => {
    await story.establishIncumbent();
    await story.approved(await story.registerApproved());

    const ok = await story.alarm(guard5xx(2), 'OK');
    const unrelated = await local.send(sampleEvent('alarm-unrelated'));

    expect(ok).toMatchObject({ function: null, outcome: 'ignored: no rule matches this event' });
    expect(unrelated).toMatchObject({
      function: 'rollback',
      outcome: 'ignored: the alarm watches nothing of ours',
      actions: [],
    });
    expect((await story.record())?.phase).toBe('Deploying');
  });
});

describe('failures', () => {
  it.each([
    ['rollback', 'InService'],
    ['failed', 'Failed'],
  ] as const)(
    'ends the rollout as Failed when UpdateEndpoint fails (%s), and tells why',
    async (mode, endpointStatus) => {
      await story.establishIncumbent();
      await local.emulator.failNextUpdate(endpointName, mode, 'InsufficientInstanceCapacity for ml.m5.large');
      await story.approved(await story.registerApproved());

      const failed = await story.tickUntil(['Failed']);

      expect(failed.reason).toContain('InsufficientInstanceCapacity for ml.m5.large');
      expect((await story.endpoint()).EndpointStatus).toBe(endpointStatus);
      if (mode === 'rollback') {
        // SageMaker kept the old config: the incumbent still serves everything.
        expect((await story.endpoint()).EndpointConfigName).toBe('fraud-prod-v1-final');
        expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
      }
      expect(await alarmExists(guard5xx(2))).toBe(false);
      if (mode === 'rollback') {
        // Nothing of v2 serves: the model and config it created for the canary are gone too.
        await expect(sagemaker.send(new DescribeModelCommand({ ModelName: 'fraud-prod-v2' }))).rejects.toThrow(
          /Could not find/,
        );
        await expect(
          sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'fraud-prod-v2-canary' })),
        ).rejects.toThrow(/Could not find/);
      }
      story.wait(60);
      await story.tick();
      expect((await story.record())?.phase).toBe('Failed');
    },
  );

  it('repairs a crash between the record write and the endpoint update on the next tick', async () => {
    await story.establishIncumbent();
    const challenger = await story.registerApproved();
    // A writer that dies at the endpoint update, as a Lambda timing out there would.
    const live = liveWriter();
    const crashing: Writer = {
      ...live,
      write: (write, send) => {
        if (write.operation === 'UpdateEndpoint') return Promise.reject(new Error('Task timed out'));
        return live.write(write, send);
      },
    };
    await expect(
      deployApprovedPackage(modelPackageEvent('Approved', challenger, story.now()), local.context(crashing)),
    ).rejects.toThrow('Task timed out');
    expect((await story.record())?.phase).toBe('Deploying');
    expect((await story.endpoint()).EndpointStatus).toBe('InService');

    const repair = await story.tick();

    expect(repair.outcome).toContain('repairing: re-sending the endpoint update');
    expect((await story.endpoint()).EndpointStatus).toBe('Updating');
    await story.tickUntil(['Baking']);
    expect((await story.endpoint()).EndpointConfigName).toBe('fraud-prod-v2-canary');
  });
});

describe('a failed final update', () => {
  it('takes the endpoint back to the incumbent rather than leaving the new version serving unguarded', async () => {
    await story.establishIncumbent();
    const challenger = await story.registerApproved();
    await story.approved(challenger);
    await story.tickUntil(['Baking']);
    for (let count = 0; count < 40 && (await story.record())?.phase === 'Baking'; count += 1) {
      await story.settle();
      await story.tick();
    }
    expect((await story.record())?.phase).toBe('Finalizing');
    await local.emulator.failNextUpdate(endpointName, 'rollback', 'ResourceLimitExceeded');

    // Back on the incumbent, the rollout ends Failed: a refused update says nothing of the model (rollout-outcome.ts).
    const rolledBack = await story.tickUntil(['Failed', 'RolledBack']);

    expect(rolledBack.phase).toBe('Failed');
    expect(rolledBack.history.map((entry) => entry.phase)).toContain('RollingBack');
    expect(rolledBack.rollbackCause).toBe('failed-update');
    expect(rolledBack.reason).toContain('ResourceLimitExceeded');
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 100 });
    // Not the model's fault: the package stays Approved for people to decide.
    expect((await story.packageStatus(challenger)).status).toBe('Approved');
  });
});
