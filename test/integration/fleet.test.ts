/**
 * Hundreds of active canaries, seeded straight into the emulator (demo/fleet-seed.ts): the alarm
 * reaction costs the same few calls and bytes whatever the fleet, a quiet tick about one call per
 * rollout, and a tick too large for one invocation is handed to workers through the queue.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateEndpointConfigCommand,
  DescribeEndpointConfigCommand,
  SageMakerClient,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { advanceRollouts } from '#functions/advance/advance.ts';
import { reconcileWork } from '#functions/reconcile-worker/reconcile-worker.ts';
import { readEndpointStates } from '#shared/aws/rollout-store.ts';
import { endpointReadDue } from '#shared/rollout/quiet-bake.ts';
import { alarmStateChange, endpointStateChange, minutesAfterStart, scheduledTick } from '../../cli/event-builders.ts';
import { type CountedCall, countFunctionCalls } from '../../demo/call-counter.ts';
import { fleetAlarm, fleetEndpoint, fleetPolicyYaml, seedFleet } from '../../demo/fleet-seed.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';

const fleetSize = 300;
const policyFile = join(tmpdir(), `sagemaker-rollout-fleet-${process.pid}.config.yml`);
writeFileSync(policyFile, fleetPolicyYaml(fleetSize));

let local: LocalStack;
let counter: Awaited<ReturnType<typeof countFunctionCalls>>;
const localStack = useLocalStack(policyFile);
beforeAll(async () => {
  counter = await countFunctionCalls();
});
afterAll(() => rmSync(policyFile, { force: true }));
beforeEach(() => {
  local = localStack();
});

const table = () => local.context().settings.rolloutsTableName;
const seed = (from: number, to: number, bakeStartedAt: string) =>
  seedFleet(local.context().settings, { from, to }, bakeStartedAt, () => local.emulator.settle());
const bytesOf = (calls: readonly CountedCall[]) => calls.reduce((sum, call) => sum + call.bytes, 0);

/** What the alarm event's reaction cost before its weights call: the calls and the bytes they read. */
async function reactionTo(index: number) {
  counter.reset();
  const report = await local.send(alarmStateChange(fleetAlarm(index), 'ALARM', minutesAfterStart(5)));
  expect(report.outcome).toContain(`${fleetEndpoint(index)}: rolling back`);
  const before = counter.before('UpdateEndpointWeightsAndCapacities');
  if (before === undefined) throw new Error('no weights were sent');
  return { operations: before.map((call) => call.operation), bytes: bytesOf(before) };
}

// Seeding 300 endpoints into the emulator takes ~15-20 s alone on a 2-core machine, and twice that beside
// another test file: these tests get a budget for the seed, not the default 30 s. What they measure is calls
// and bytes, never time.
const seedBudgetMs = 120_000;

describe('a fleet of active canaries', { timeout: seedBudgetMs }, () => {
  it('answers an alarm in the same few calls and bytes with 5 or 300 canaries active', async () => {
    await seed(0, 5, minutesAfterStart(0));
    const few = await reactionTo(2);
    await seed(5, fleetSize, minutesAfterStart(0));
    const many = await reactionTo(3);

    expect(few.operations).toEqual(['Query', 'Query', 'DescribeEndpoint', 'PutItem']);
    expect(many.operations).toEqual(few.operations);
    expect(Math.abs(many.bytes - few.bytes)).toBeLessThanOrEqual(few.bytes * 0.02);
  });

  it('reads each endpoint of a quiet tick of 300 only in its slot, one minute in five: a fifth of a call per rollout', async () => {
    await seed(0, fleetSize, minutesAfterStart(0));
    counter.reset();
    const now = minutesAfterStart(3);

    const report = await local.send(scheduledTick(now));

    const names = Array.from({ length: fleetSize }, (_, index) => fleetEndpoint(index));
    const due = names.filter((name) => endpointReadDue(name, now, 5));
    const lines = report.outcome.split(' | ');
    expect(lines.filter((line) => line.endsWith('(baking: 3 of 10 min)'))).toHaveLength(due.length);
    expect(lines.filter((line) => line.includes('(baking: 3 of 10 min, no alarm firing'))).toHaveLength(
      fleetSize - due.length,
    );
    const operations = counter.calls.map((call) => call.operation);
    expect(operations.filter((operation) => operation === 'DescribeEndpoint')).toHaveLength(due.length);
    expect(due.length).toBeGreaterThan(fleetSize / 10);
    expect(due.length).toBeLessThan(fleetSize / 3);
    expect(operations.filter((operation) => operation === 'DescribeAlarms')).toHaveLength(3); // 100 names a call
    expect(operations.length / fleetSize).toBeLessThanOrEqual(0.35);
  });

  it('sees a hand edit of an endpoint mid-bake at once through its state change event, and at its slot without it', async () => {
    await seed(0, 2, minutesAfterStart(0));
    const [edited, eventLost] = [fleetEndpoint(0), fleetEndpoint(1)];
    // Someone moves the endpoints to a config of their own between two ticks.
    const sagemaker = new SageMakerClient({});
    for (const endpointName of [edited, eventLost]) {
      const canary = await sagemaker.send(
        new DescribeEndpointConfigCommand({ EndpointConfigName: `${endpointName}-v2-canary` }),
      );
      const EndpointConfigName = `${endpointName}-by-hand`;
      await sagemaker.send(
        new CreateEndpointConfigCommand({ EndpointConfigName, ProductionVariants: canary.ProductionVariants }),
      );
      await sagemaker.send(new UpdateEndpointCommand({ EndpointName: endpointName, EndpointConfigName }));
    }
    await local.emulator.settle();

    const woken = await local.send(endpointStateChange(edited, 'UPDATING', minutesAfterStart(2)));
    expect(woken.outcome).toContain('changed outside sagemaker-rollout');

    // The other's event was lost: its quiet ticks wait, and its slot's tick reads it and stops the rollout.
    let minute = 2;
    while (!endpointReadDue(eventLost, minutesAfterStart(minute), 5)) {
      const quiet = await local.send(scheduledTick(minutesAfterStart(minute)));
      expect(quiet.outcome).toContain(`${eventLost}: Baking (baking: ${minute} of 10 min, no alarm firing`);
      minute += 1;
    }
    expect(minute).toBeLessThan(2 + 5);
    const read = await local.send(scheduledTick(minutesAfterStart(minute)));
    expect(read.outcome).toContain(`${eventLost}: Failed`);
    expect(read.outcome).toContain('changed outside sagemaker-rollout');
  });

  it('leaves to the next tick, untouched, the endpoints it has no time left for, and they step then', async () => {
    await seed(0, 20, minutesAfterStart(0));
    let startsLeft = 6;
    // Lambda's clock: plenty of time for six endpoints, then less than one reconcile needs.
    const remainingTimeMs = () => (startsLeft-- > 0 ? 50_000 : 5_000);

    const short = await advanceRollouts(scheduledTick(minutesAfterStart(11)), { ...local.context(), remainingTimeMs });

    const lines = short.outcome.split(' | ');
    const deferred = lines.filter((line) => line.endsWith('deferred to the next tick (this one ran out of time)'));
    expect(lines).toHaveLength(20);
    expect(deferred).toHaveLength(14);
    const names = Array.from({ length: 20 }, (_, index) => fleetEndpoint(index));
    const stepped = async () =>
      [...(await readEndpointStates(table(), names)).values()].filter((state) => state.rollout?.stepIndex === 1);
    expect(await stepped()).toHaveLength(6);

    await advanceRollouts(scheduledTick(minutesAfterStart(12)), local.context());
    expect(await stepped()).toHaveLength(20);
  });

  it('hands a tick too large for one invocation to workers, which step every endpoint', async () => {
    await seed(0, 120, minutesAfterStart(0));
    const settings = local.context().settings;
    const queueName = 'sagemaker-rollout-local-reconcile';
    const context = {
      ...local.context(),
      // All three at once (spreadSeconds 0), so that one receive finds them.
      settings: { ...settings, fanOut: { queueName, inlineEndpoints: 50, endpointsPerWorker: 40, spreadSeconds: 0 } },
    };

    const tick = await advanceRollouts(scheduledTick(minutesAfterStart(11)), context);

    expect(tick.outcome).toBe('120 endpoints handed to 3 workers');
    const sqs = new SQSClient({});
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const received = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    expect(received.Messages).toHaveLength(3);
    for (const message of received.Messages ?? []) {
      const outcome = await reconcileWork(
        { Records: [{ messageId: message.MessageId ?? '', body: message.Body ?? '' }] },
        context,
      );
      expect(outcome.outcome.split(' | ').every((line) => line.includes('step 2 of 2: 100%'))).toBe(true);
    }
    const states = await readEndpointStates(
      table(),
      Array.from({ length: 120 }, (_, index) => fleetEndpoint(index)),
    );
    expect([...states.values()].every((state) => state.rollout?.stepIndex === 1)).toBe(true);
  });
});
