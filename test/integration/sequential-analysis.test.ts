// The sequential analysis against the emulator: per-variant metrics read minute by minute on every tick, a
// version shown worse rolled back before its bake ends, one not yet shown held with what it needs, a shadow
// judged on real invocations copied to it, and the planner reading the endpoint's recent traffic.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { planGroupEvidence } from '../../cli/evidence-plan.ts';
import { historyLines } from '../../cli/history-page.ts';
import { readHistoryView } from '../../cli/history-records.ts';
import { rolloutStatus } from '../../cli/operator-commands.ts';
import { subscribeToNotices } from '../../demo/notice-inbox.ts';
import {
  invokeEndpointTimes,
  type MinuteOfTraffic,
  publishVariantTraffic,
  recentStart,
  setVariantBehaviour,
} from '../../demo/variant-traffic.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';

let local: LocalStack;
const localStack = useLocalStack('test/fixtures/analysis.config.yml');
beforeEach(() => {
  local = localStack();
});

const minute = 60_000;
const healthy: MinuteOfTraffic = { invocations: 100, errors5xx: 0, latencyMicros: 40_000 };

type BakingRollout = Rollout & { bakeStartedAt: string };

async function versionTwoBaking(groupName: string, endpointName: string, start = recentStart()) {
  const story = rolloutStory(local, { groupName, endpointName }, start);
  await story.establishIncumbent();
  const packageArn = await story.registerApproved();
  await story.approved(packageArn);
  for (let count = 0; count < 20; count += 1) {
    const rollout = await story.record();
    if (rollout?.phase === 'Baking' && rollout.bakeStartedAt !== undefined)
      return { story, packageArn, rollout: rollout as BakingRollout };
    await story.settle();
    await story.tick();
  }
  throw new Error(`never baking: ${JSON.stringify((await story.record())?.history)}`);
}

async function serve(
  endpointName: string,
  rollout: BakingRollout,
  minutes: number,
  ours: MinuteOfTraffic,
  theirs: MinuteOfTraffic,
) {
  await publishVariantTraffic(endpointName, rollout.challengerVariant, rollout.bakeStartedAt, minutes, ours);
  await publishVariantTraffic(
    endpointName,
    rollout.incumbentVariants[0]?.VariantName ?? '',
    rollout.bakeStartedAt,
    minutes,
    theirs,
  );
}

describe('a canary judged sequentially', () => {
  it('rolls back a challenger at 5% errors before its bake ends, with the bound that showed it, and rejects it', async () => {
    const notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
    const { story, packageArn, rollout } = await versionTwoBaking('loan-scorer', 'loan-prod');
    // At 10%: the incumbent serves nine times as many, at 0.1% errors.
    await serve(
      'loan-prod',
      rollout,
      10,
      { ...healthy, errors5xx: 5 },
      { ...healthy, invocations: 900, errors5xx: 0.9 },
    );

    const done = await story.tickUntil(['RolledBack', 'Failed']);

    expect(done.phase).toBe('RolledBack');
    expect(done.rollbackCause).toBe('analysis');
    // Checked on every tick: it need not wait for the 10-minute bake.
    const rollingBack = done.history.find((entry) => entry.phase === 'RollingBack');
    expect(Date.parse(rollingBack?.at ?? '') - Date.parse(rollout.bakeStartedAt)).toBeLessThan(10 * minute);
    expect(done.reason).toMatch(
      /^analysis failed: 5XX error rate 5\.00% \((\d+) of (\d+),?(\d*)\) against the incumbent's 0\.10% \([\d.]+ of [\d,]+\): worse by at least \+\d\.\d\d points, past the \+1\.00 points limit \(97\.5% anytime\)$/,
    );
    expect(done.analyses?.at(-1)).toMatchObject({ method: 'sequential', verdict: 'fail' });
    expect((await story.packageStatus(packageArn)).status).toBe('Rejected');

    const status = await rolloutStatus(local.context(), 'loan-prod');
    const evidence = status.findIndex((line) => line.startsWith('  evidence'));
    expect(status.slice(evidence + 2, evidence + 4)).toEqual([
      '    sequential tests, anytime-valid (docs/how-it-works.md: Evidence that holds up)',
      expect.stringMatching(
        /^ {4}check {17}loan-scorer-2 \(new\) {2}loan-scorer-1 \(incumbent\) {2}limit {17}evidence {2,}verdict$/,
      ),
    ]);
    expect(status.find((line) => line.startsWith('    5XX error rate'))).toMatch(
      /^ {4}5XX error rate {8}5\.00% +0\.10% +\+1\.00 points at most +difference ≥ \+\d\.\d\d points \(97\.5% anytime\) +worse$/,
    );
    // The notice and the history carry the same report: each metric's values, bound and verdict.
    const rolledBack = (await notices.received()).find((notice) => notice.subject.endsWith('was rolled back'));
    expect(rolledBack?.message).toContain('    sequential tests, anytime-valid'.trim());
    expect(rolledBack?.message).toMatch(
      /\n5XX error rate +5\.00% +0\.10% +\+1\.00 points at most +difference ≥ \+\d\.\d\d points \(97\.5% anytime\) +worse\n/,
    );
    const history = historyLines(await readHistoryView(local.context(), 'loan-prod'));
    const verdicts = history.slice(history.indexOf('evidence (both variants per metric, as each verdict judged them)'));
    expect(verdicts).toContainEqual(expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d {2}v2 fail$/));
    expect(verdicts).toContainEqual(expect.stringMatching(/^ {2}- 5XX error rate 5\.00% .*worse by at least/));
    expect(status).toContainEqual(
      expect.stringMatching(
        /^ {4}- ModelLatency Average 40\.0 ms against the incumbent's 40\.0 ms \(median minute, \+0\.0%\): within the limit in \d+ of \d+ minutes/,
      ),
    );
  });

  it('holds a healthy challenger past its bake while the evidence is thin, says how much more it needs, then steps', async () => {
    const { story, rollout } = await versionTwoBaking('loan-scorer', 'loan-prod');
    // 60 invocations a minute at 10%: about 760 without an error show 5XX within a point, some minutes past the bake.
    await serve('loan-prod', rollout, 20, { ...healthy, invocations: 60 }, { ...healthy, invocations: 540 });
    for (let count = 0; count < 11; count += 1) await story.tick();

    const held = await story.record();
    expect(held?.stepIndex).toBe(0);
    expect(held?.waitingFor).toMatch(
      /^not enough evidence yet: 5XX error rate: (\d+) of ~([\d,]+) invocations of the new version$/,
    );
    const [, sofar, needed] = /(\d+) of ~([\d,]+)/.exec(held?.waitingFor ?? '') ?? [];
    expect(Number(sofar)).toBeLessThan(Number(needed?.replace(',', '')));
    expect(await rolloutStatus(local.context(), 'loan-prod')).toContainEqual(
      expect.stringContaining('not enough evidence yet: 5XX error rate'),
    );

    let stepped = held;
    for (let count = 0; count < 30 && stepped?.stepIndex === 0; count += 1) {
      await story.tick();
      stepped = await story.record();
    }
    expect(stepped?.stepIndex).toBe(1);
    const passed = stepped?.analyses?.find((result) => result.verdict === 'pass');
    expect(passed).toMatchObject({
      method: 'sequential',
      stepIndex: 0,
      summary: 'analysis passed: every guardrail shown no worse',
    });
    expect(Date.parse(passed?.at ?? '') - Date.parse(rollout.bakeStartedAt)).toBeGreaterThan(10 * minute);
  });
});

describe('a shadow on real traffic', () => {
  it('rolls back a shadow whose copies of real requests fail more often than production answers them', async () => {
    // The story's clock runs 15 minutes behind the emulator's, so that the invocations made now fall inside the
    // rollout's evidence once its clock catches up.
    const start = new Date(Math.floor(Date.now() / minute) * minute - 15 * minute).toISOString();
    const { story, packageArn, rollout } = await versionTwoBaking('recommender', 'recommend-prod', start);
    expect(rollout.stage).toBe('shadow');
    expect(Date.parse(rollout.bakeStartedAt)).toBeLessThan(Date.now() - minute);
    await setVariantBehaviour({
      endpointName: 'recommend-prod',
      variantName: rollout.challengerVariant,
      errorRate: 0.2,
    });

    const tally = await invokeEndpointTimes('recommend-prod', 200);

    // Callers only ever see production's answers.
    expect(tally).toEqual({ served: { [rollout.incumbentVariants[0]?.VariantName ?? '']: 200 }, failed: 0 });
    const done = await story.tickUntil(['RolledBack', 'Failed'], 30);
    expect(done.phase).toBe('RolledBack');
    // The minutes that had settled when it was shown: every one of them with a fifth of the copies failing.
    const [, failed, copies, answered] =
      /^analysis failed: 5XX error rate [\d.]+% \((\d+) of (\d+)\) against the incumbent's 0\.00% \(0 of (\d+)\): worse by at least/.exec(
        done.reason ?? '',
      ) ?? [];
    expect(copies).toBe(answered);
    expect(Number(failed) / Number(copies)).toBeCloseTo(0.2, 1);
    expect(done.history.map((entry) => entry.note)).not.toContain('shadow passed: serving 100% live');
    expect((await story.packageStatus(packageArn)).status).toBe('Rejected');
  });
});

describe('rollout plan-evidence', () => {
  it("reads a quiet endpoint's recent traffic and says the error margin cannot be shown at it", async () => {
    const story = rolloutStory(local, { groupName: 'loan-scorer', endpointName: 'loan-prod' });
    await story.establishIncumbent();
    await invokeEndpointTimes('loan-prod', 30);

    const { plan, lines } = await planGroupEvidence(local.policy, 'loan-scorer', 1, new Date(Date.now() + 2 * minute));

    // 30 invocations in the hour read: half an invocation a minute.
    expect(plan.steps[0]).toMatchObject({ percent: 10, readyAfter: undefined });
    expect(lines[0]).toBe(
      'loan-scorer: at 1 invocations a minute over the last 60 minutes, alpha 0.05, power 0.8 (90% for each of 2 guardrails)',
    );
    expect(lines).toContain(
      '  5XX error rate: not shown within a week at this traffic: widen its margin, start with a larger step, or use method threshold',
    );
  });
});
