// What a bake's evidence does to the rollout: a failed check rolls back like an alarm, too little data
// holds the step (the progress deadline then applies), a pass is recorded. An A/B test holds its split
// for its duration, checked along the way, and ends with a verdict and its report.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import {
  type AnalysisResult,
  abTestVerdict,
  analysesLimit,
  bakeMinutesOf,
  isAbTestSplit,
  judgeAnalysis,
} from '#shared/rollout/analysis.ts';
import type { Observed, ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { notify, type RolloutStep, wait } from '#shared/rollout/rollout-step.ts';
import { beginRollback } from './rollback-steps.ts';

/** The verdict on what this tick read; undefined: the policy asks for no analysis. */
export function judgeEvidence(
  group: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  now: string,
): AnalysisResult | undefined {
  const analysis = group.rollout.analysis;
  if (analysis === undefined) return undefined;
  const abTest = isAbTestSplit(group, rollout);
  const kind = abTest ? 'ab-test' : 'step';
  // The step into all of the traffic is a promotion: a success metric must have improved by then.
  const promotes = rollout.stage === 'canary' && (abTest || group.rollout.steps[rollout.stepIndex + 1] === 100);
  const base = { at: now, stepIndex: rollout.stepIndex, stage: rollout.stage, kind } as const;
  const reading = observed.analysis;
  if (reading === undefined) {
    // Read on the tick (the driver's observe); an alarm's event spares the read. Never a pass.
    const nothing = { variant: '', window: { start: '', end: '' }, custom: [] };
    return {
      ...base,
      verdict: 'wait',
      challenger: { ...nothing, variant: rollout.challengerVariant },
      incumbent: nothing,
      checks: [],
      summary: 'waiting for the metrics: not read yet',
    };
  }
  return { ...base, ...reading, ...judgeAnalysis(analysis, reading, promotes ? 'promotion' : 'step') };
}

/**
 * The record keeps one analysis per verdict: a result still waiting replaces the one it follows in the same
 * step, so the latest evidence is there for `rollout status` without filling the record.
 */
export function withAnalysis(rollout: Rollout, result: AnalysisResult): Rollout {
  const kept = rollout.analyses ?? [];
  const last = kept.at(-1);
  const replaces =
    last !== undefined && last.verdict === 'wait' && last.stepIndex === result.stepIndex && last.stage === result.stage;
  return { ...rollout, analyses: [...(replaces ? kept.slice(0, -1) : kept), result].slice(-analysesLimit) };
}

/** Held for evidence: the record says for what (`rollout status`), written only when that changes. */
export function waitForEvidence(rollout: Rollout, result: AnalysisResult): RolloutStep {
  if (rollout.waitingFor === result.summary) return { next: rollout, actions: [], note: result.summary };
  const next = { ...withAnalysis(rollout, result), waitingFor: result.summary };
  return { next, actions: [], note: result.summary };
}

/**
 * A sequential analysis during the bake: checked on every tick, a version shown worse rolls back at once
 * (it need not wait for the bake's end); anything else waits for the bake, and nothing is written meanwhile.
 */
export function bakingOnEvidence(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
  waitedMinutes: number,
): RolloutStep {
  const evidence = judgeEvidence(group, rollout, observed, now);
  if (evidence?.verdict === 'fail') return rollBackOnEvidence(group, rollout, endpoint, observed, now, evidence);
  const what = isAbTestSplit(group, rollout) ? `A/B test at ${group.rollout.steps[0]}%` : 'baking';
  const progress = `${what}: ${Math.floor(waitedMinutes)} of ${bakeMinutesOf(group, rollout)} min`;
  return wait(rollout, `${progress}; so far: ${evidence?.summary ?? 'no analysis'}`);
}

/** The evidence is against the challenger: back to the incumbent, as an alarm would (rejectOnRollback). */
export function rollBackOnEvidence(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
  result: AnalysisResult,
): RolloutStep {
  const judged = withAnalysis(rollout, result);
  const step = beginRollback(group, judged, endpoint, observed, now, result.summary, 'analysis');
  if (result.kind !== 'ab-test') return step;
  const report = abTestVerdict(result, `All of the traffic goes back to ${result.incumbent.variant}.`);
  return { ...step, actions: [...step.actions, notify(judged, 'lost its A/B test', report)] };
}

/** During an A/B test's split: checked on every tick after the first bake, stopped early by a failed check. */
export function abTestUnderway(
  group: GroupPolicy,
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
  now: string,
  waitedMinutes: number,
): RolloutStep {
  const progress = `A/B test at ${group.rollout.steps[0]}%: ${Math.floor(waitedMinutes)} of ${bakeMinutesOf(group, rollout)} min`;
  if (waitedMinutes < group.rollout.bakeMinutes) return wait(rollout, progress);
  const interim = judgeEvidence(group, rollout, observed, now);
  if (interim?.verdict === 'fail') return rollBackOnEvidence(group, rollout, endpoint, observed, now, interim);
  // An interim pass decides nothing: the split holds to the end, and nothing is written meanwhile.
  return wait(rollout, `${progress}; so far: ${interim?.summary ?? 'no analysis'}`);
}
