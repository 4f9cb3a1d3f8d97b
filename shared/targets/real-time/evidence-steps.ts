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
  const kind = isAbTestSplit(group, rollout) ? 'ab-test' : 'step';
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
  return { ...base, ...reading, ...judgeAnalysis(analysis, reading) };
}

export function withAnalysis(rollout: Rollout, result: AnalysisResult): Rollout {
  return { ...rollout, analyses: [...(rollout.analyses ?? []), result].slice(-analysesLimit) };
}

/** Held for evidence: the record says for what (`rollout status`), written only when that changes. */
export function waitForEvidence(rollout: Rollout, summary: string): RolloutStep {
  const next = rollout.waitingFor === summary ? rollout : { ...rollout, waitingFor: summary };
  return { next, actions: [], note: summary };
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
