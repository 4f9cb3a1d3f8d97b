// Promote on evidence, against the emulator: the challenger's own per-variant metrics, put into CloudWatch
// as SageMaker reports them, judged against the incumbent's at the end of each bake.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { rolloutStatus } from '../../cli/operator-commands.ts';
import { subscribeToNotices } from '../../demo/notice-inbox.ts';
import { type MinuteOfTraffic, publishVariantTraffic, recentStart } from '../../demo/variant-traffic.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';

let local: LocalStack;
const localStack = useLocalStack('test/fixtures/analysis.config.yml');
beforeEach(() => {
  local = localStack();
});

const healthy: MinuteOfTraffic = { invocations: 100, errors5xx: 0, latencyMicros: 40_000, conversionRate: 0.05 };

/** A story on one group of test/fixtures/analysis.config.yml, its clock recent enough for CloudWatch. */
async function versionTwoBaking(groupName: string, endpointName: string) {
  const story = rolloutStory(local, { groupName, endpointName }, recentStart());
  await story.establishIncumbent();
  const before = await story.endpoint();
  const packageArn = await story.registerApproved();
  await story.approved(packageArn);
  const rollout = await bakeOf(story);
  return { story, packageArn, before, rollout };
}

type BakingRollout = Rollout & { bakeStartedAt: string };

/** Ticks (SageMaker finishing each update) until the record is baking as `wanted` says. */
async function bakeOf(
  story: ReturnType<typeof rolloutStory>,
  wanted: Partial<Pick<Rollout, 'stage' | 'stepIndex'>> = {},
  limit = 20,
): Promise<BakingRollout> {
  for (let count = 0; count < limit; count += 1) {
    const rollout = await story.record();
    const matches = Object.entries(wanted).every(([key, value]) => rollout?.[key as keyof Rollout] === value);
    if (rollout?.phase === 'Baking' && rollout.bakeStartedAt !== undefined && matches) return rollout as BakingRollout;
    await story.settle();
    await story.tick();
  }
  throw new Error(`never baking as ${JSON.stringify(wanted)}: ${JSON.stringify((await story.record())?.history)}`);
}

/** Both variants serve `minutes` minutes from the bake's start. */
async function serve(
  endpointName: string,
  rollout: BakingRollout,
  minutes: number,
  challenger: MinuteOfTraffic,
  incumbent: MinuteOfTraffic | undefined = healthy,
) {
  await publishVariantTraffic(endpointName, rollout.challengerVariant, rollout.bakeStartedAt, minutes, challenger);
  const incumbentVariant = rollout.incumbentVariants[0]?.VariantName ?? '';
  if (incumbent !== undefined)
    await publishVariantTraffic(endpointName, incumbentVariant, rollout.bakeStartedAt, minutes, incumbent);
}

describe('a canary judged against the incumbent', () => {
  it('rolls back a challenger with 5% errors beside an incumbent at 0.1%, says why, rejects it, and leaves the endpoint as it was', async () => {
    const { story, packageArn, before, rollout } = await versionTwoBaking('fraud-detector', 'fraud-prod');
    // Under any absolute alarm threshold of 100 errors: only the comparison sees it.
    await serve('fraud-prod', rollout, 10, { ...healthy, errors5xx: 5 }, { ...healthy, errors5xx: 0.1 });

    const done = await story.tickUntil(['RolledBack', 'Failed']);

    expect(done.phase).toBe('RolledBack');
    expect(done.rollbackCause).toBe('analysis');
    expect(done.reason).toBe(
      "analysis failed: 5XX error rate 5.00% against the incumbent's 0.10% (+4.90 points, limit +1.00)",
    );
    expect(done.analyses?.map((analysis) => [analysis.stepIndex, analysis.verdict])).toEqual([[0, 'fail']]);
    expect(done.analyses?.[0]?.challenger).toMatchObject({ invocations: 1000, errors5xx: 50 });
    expect(done.analyses?.[0]?.incumbent).toMatchObject({ invocations: 1000 });
    expect(done.analyses?.[0]?.incumbent.errors5xx).toBeCloseTo(1, 9);
    expect(await story.packageStatus(packageArn)).toEqual({
      status: 'Rejected',
      description: `sagemaker-rollout rolled back fraud-prod: ${done.reason}`,
    });
    const after = await story.endpoint();
    expect(after.EndpointConfigName).toBe(before.EndpointConfigName);
    expect(after.ProductionVariants?.map((variant) => [variant.VariantName, variant.CurrentInstanceCount])).toEqual(
      before.ProductionVariants?.map((variant) => [variant.VariantName, variant.CurrentInstanceCount]),
    );

    const status = await rolloutStatus(local.context(), 'fraud-prod');
    expect(status[1]).toMatch(/^ {2}phase {5}RolledBack since .*: analysis failed: 5XX error rate 5.00%/);
    const evidence = status.findIndex((line) => line.startsWith('  evidence'));
    expect(status.slice(evidence, evidence + 6)).toEqual([
      `  evidence at ${done.analyses?.[0]?.at} (step 1): fail`,
      expect.stringMatching(/^ {4}window \d\d:\d\d–\d\d:\d\d UTC$/),
      '    check                 fraud-detector-2 (new)  fraud-detector-1 (incumbent)  limit                 verdict',
      '    invocations           1000                    1000                          100 at least, each    pass',
      '    5XX error rate        5.00%                   0.10%                         +1.00 points at most  fail',
      '    ModelLatency Average  40.0 ms                 40.0 ms                       +20% at most          pass',
    ]);
  });

  it('rolls back a challenger 30% slower than the incumbent', async () => {
    const { story, rollout } = await versionTwoBaking('fraud-detector', 'fraud-prod');
    await serve('fraud-prod', rollout, 10, { ...healthy, latencyMicros: 52_000 });

    const done = await story.tickUntil(['RolledBack', 'Failed']);

    expect(done.reason).toBe(
      "analysis failed: ModelLatency Average 52.0 ms against the incumbent's 40.0 ms (+30.0%, limit +20%)",
    );
  });

  it('holds a challenger that gets too little traffic, says so, and fails it at the progress deadline without rejecting it', async () => {
    const { story, packageArn, rollout } = await versionTwoBaking('fraud-detector', 'fraud-prod');
    await serve('fraud-prod', rollout, 10, { ...healthy, invocations: 1 });
    for (let minute = 0; minute < 12; minute += 1) await story.tick();

    const held = await story.record();
    expect(held).toMatchObject({
      phase: 'Baking',
      stepIndex: 0,
      waitingFor: 'waiting for invocations: 10 of the new version and 1000 of the incumbent, each needs 100',
    });
    expect(await rolloutStatus(local.context(), 'fraud-prod')).toContain(
      '  next step not timed (waiting for invocations: 10 of the new version and 1000 of the incumbent, each needs 100)',
    );
    expect(await story.traffic()).toEqual({ 'fraud-detector-1': 50, 'fraud-detector-2': 50 });

    const failed = await story.tickUntil(['Failed']);
    expect(failed.reason).toBe(
      'progress deadline exceeded: no progress in Baking within 20 min (waiting for invocations: 10 of the new version and 1000 of the incumbent, each needs 100)',
    );
    expect((await story.packageStatus(packageArn)).status).toBe('Approved');
  });

  it('steps a healthy challenger, then at 100% compares it with what the incumbent did while it served', async () => {
    const { story, rollout } = await versionTwoBaking('fraud-detector', 'fraud-prod');
    await serve('fraud-prod', rollout, 10, { ...healthy, errors5xx: 0.2, latencyMicros: 42_000 });
    const second = await bakeOf(story, { stepIndex: 1 });
    await serve('fraud-prod', second, 10, { ...healthy, invocations: 200 }, undefined);

    const done = await story.tickUntil(['Completed', 'RolledBack', 'Failed']);

    expect(done.phase).toBe('Completed');
    const [first, last] = done.analyses ?? [];
    expect([first?.verdict, last?.verdict]).toEqual(['pass', 'pass']);
    expect(first?.challenger).toMatchObject({ invocations: 1000, latency: 42_000 });
    expect(first?.challenger.errors5xx).toBeCloseTo(2, 9);
    expect(last?.challenger).toMatchObject({ invocations: 2000, errors5xx: 0 });
    expect(last?.incumbent).toEqual(first?.incumbent);
  });
});

describe('an A/B test', () => {
  it('holds the split for its duration, then promotes the challenger with a report of both variants', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    const { story, rollout } = await versionTwoBaking('pricing-model', 'pricing-prod');
    await serve('pricing-prod', rollout, 30, { ...healthy, conversionRate: 0.052 });

    const promoted = await bakeOf(story, { stepIndex: 1 }, 40);
    const verdict = promoted.analyses?.at(-1);
    expect(verdict).toMatchObject({ kind: 'ab-test', verdict: 'pass' });
    expect(Date.parse(verdict?.at ?? '') - Date.parse(rollout.bakeStartedAt)).toBeGreaterThanOrEqual(30 * 60_000);
    expect(await story.traffic()).toEqual({ 'pricing-model-2': 100, 'pricing-model-1': 0 });
    const won = (await notices.received()).find((notice) => notice.subject.endsWith('won its A/B test'));
    expect(won?.message.split('\n').slice(0, 1)).toEqual([
      'pricing-model-2 held up against pricing-model-1 on every check. It now takes all of the traffic.',
    ]);
    expect(won?.message.split('\n').slice(3, 8)).toEqual([
      'check                                 pricing-model-2 (new)  pricing-model-1 (incumbent)  limit                                   verdict',
      'invocations                           3000                   3000                         100 at least, each                      pass',
      '5XX error rate                        0.00%                  0.00%                        +1.00 points at most                    pass',
      'ModelLatency p99                      40.0 ms                40.0 ms                      +20% at most                            pass',
      'Shop/Checkout ConversionRate Average  0.052                  0.05                         0.005 worse at most (higher is better)  pass',
    ]);

    await serve('pricing-prod', promoted, 10, healthy, undefined);
    expect((await story.tickUntil(['Completed', 'RolledBack', 'Failed'])).phase).toBe('Completed');
  });

  it('stops early when a check fails during the test, and reports why', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    const { story, rollout } = await versionTwoBaking('pricing-model', 'pricing-prod');
    await serve('pricing-prod', rollout, 30, { ...healthy, conversionRate: 0.04 });

    const done = await story.tickUntil(['RolledBack', 'Failed']);

    expect(done.phase).toBe('RolledBack');
    expect(Date.parse(done.phaseSince) - Date.parse(rollout.bakeStartedAt)).toBeLessThan(15 * 60_000);
    expect(done.reason).toMatch(
      /^analysis failed: Shop\/Checkout ConversionRate Average 0.04 against the incumbent's 0.05/,
    );
    const lost = (await notices.received()).find((notice) => notice.subject.endsWith('lost its A/B test'));
    expect(lost?.message).toContain('All of the traffic goes back to pricing-model-1.');
    expect(lost?.message.split('\n').at(-1)).toBe('To see what happened: npx rollout history pricing-prod');
  });

  it('rolls back a challenger whose slowest requests are slower, though its average latency holds up', async () => {
    const { story, rollout } = await versionTwoBaking('pricing-model', 'pricing-prod');
    // 2 requests in 100 at 200 ms: the average is 43.2 ms (+8%), the p99 200 ms against 40 ms.
    await serve('pricing-prod', rollout, 30, { ...healthy, slowRequests: { count: 2, latencyMicros: 200_000 } });

    const done = await story.tickUntil(['RolledBack', 'Failed']);

    expect(done.phase).toBe('RolledBack');
    expect(done.reason).toMatch(/^analysis failed: ModelLatency p99 200.0 ms against the incumbent's 40.0 ms/);
  });

  it('rolls back at the end when the evidence, thin at first, goes against the challenger', async () => {
    const { story, rollout } = await versionTwoBaking('pricing-model', 'pricing-prod');
    // Too little traffic for the checks along the way (29 invocations in 29 minutes); enough in the last
    // minute, and worse: only the verdict at the end has the evidence.
    await serve('pricing-prod', rollout, 29, { ...healthy, invocations: 1, conversionRate: 0.03 }, undefined);
    await publishVariantTraffic('pricing-prod', 'pricing-model-1', rollout.bakeStartedAt, 30, healthy);
    const lastMinute = new Date(Date.parse(rollout.bakeStartedAt) + 29 * 60_000).toISOString();
    await publishVariantTraffic('pricing-prod', 'pricing-model-2', lastMinute, 1, {
      ...healthy,
      conversionRate: 0.03,
    });

    const done = await story.tickUntil(['RolledBack', 'Failed']);

    expect(done.analyses?.at(-1)).toMatchObject({ kind: 'ab-test', verdict: 'fail' });
    expect(Date.parse(done.analyses?.at(-1)?.at ?? '') - Date.parse(rollout.bakeStartedAt)).toBe(30 * 60_000);
  });
});

describe('a shadow comparison', () => {
  it("rolls back a shadow whose errors exceed the production variant's before any live traffic reaches it", async () => {
    const { story, rollout } = await versionTwoBaking('search-ranker', 'search-prod');
    expect(rollout.stage).toBe('shadow');
    await serve('search-prod', rollout, 10, { ...healthy, errors5xx: 3 });

    const done = await story.tickUntil(['RolledBack', 'Failed']);

    expect(done.reason).toBe(
      "analysis failed: 5XX error rate 3.00% against the incumbent's 0.00% (+3.00 points, limit +1.00)",
    );
    expect(done.history.map((entry) => entry.note)).not.toContain('shadow passed: serving 100% live');
  });

  it('lets a shadow that holds up go live', async () => {
    const { story, rollout } = await versionTwoBaking('search-ranker', 'search-prod');
    await serve('search-prod', rollout, 10, healthy);

    const live = await bakeOf(story, { stage: 'canary' });
    expect(live.analyses?.[0]).toMatchObject({ stage: 'shadow', verdict: 'pass' });
    expect(await story.traffic()).toEqual({ 'search-ranker-1': 0, 'search-ranker-2': 100 });
  });
});
