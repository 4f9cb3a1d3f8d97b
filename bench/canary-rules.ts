// The rules the evidence bench compares (bench/bench-evidence.ts), each walking the same simulated canary
// (canary-draws.ts) step by step through the shared judgements: the sequential rule (judgeSequential, every
// minute) and the threshold rule (judgeAnalysis with method threshold) at the end of each bake, as the
// project checks it, or every minute (peeking). Simplified beside the reconciler: every minute is judged as
// soon as it ends (no settling minutes), and no alarms, pauses or SageMaker update times.
import type { AnalysisPolicy } from '#shared/policy/policy-schema.ts';
import { type AnalysisReading, judgeAnalysis, type VariantFigures } from '#shared/rollout/analysis.ts';
import { type Decides, judgeSequential, type MinuteFigures } from '#shared/rollout/sequential-analysis.ts';
import type { CanaryMinute, VariantMinute } from './canary-draws.ts';

export interface CanaryPlan {
  /** The challenger's share of the traffic at each step, in percent; the last is 100. */
  readonly steps: readonly number[];
  readonly bakeMinutes: number;
  /** Minutes a step may wait for evidence past its bake before the rollout gives up (not a rollback). */
  readonly deadlineMinutes: number;
}

/** How many minutes of a step a rule can reach: its bake and deadline, or only the bake at 100%. */
export function minutesOfStep(plan: CanaryPlan, stepIndex: number): number {
  return plan.steps[stepIndex] === 100 ? plan.bakeMinutes : plan.bakeMinutes + plan.deadlineMinutes;
}

export type RuleName = 'sequential' | 'threshold at bake end' | 'threshold every minute';
export const ruleNames: readonly RuleName[] = ['sequential', 'threshold at bake end', 'threshold every minute'];

export interface RuleOutcome {
  readonly outcome: 'rolled back' | 'completed' | 'deadline';
  /** Minutes from the canary's start to the outcome. */
  readonly minute: number;
  /** The step the outcome came at (its index in plan.steps). */
  readonly stepIndex: number;
  /** Whether the challenger got all of the traffic (promoted to 100%), whatever came after. */
  readonly reachedFull: boolean;
}

/** The canary's minutes per step (each long enough for minutesOfStep), drawn once and shared by the rules. */
export type CanaryMinutes = readonly (readonly CanaryMinute[])[];

const start = Date.UTC(2026, 0, 1);
const minuteStart = (index: number) => new Date(start + index * 60_000).toISOString();

function decidesAt(plan: CanaryPlan, stepIndex: number): Decides {
  return plan.steps[stepIndex + 1] === 100 ? 'promotion' : 'step';
}

function figuresOf(minute: VariantMinute | undefined, at: string): MinuteFigures {
  if (minute === undefined) return { at, custom: [] };
  return { at, ...minute, custom: [] };
}

/** The sequential rule: every minute on every minute since the canary started, across its steps. */
export function sequentialRule(plan: CanaryPlan, analysis: AnalysisPolicy, canary: CanaryMinutes): RuleOutcome {
  const series = { challenger: [] as MinuteFigures[], incumbent: [] as MinuteFigures[] };
  let minute = 0;
  for (const [stepIndex, percent] of plan.steps.entries()) {
    const decides = decidesAt(plan, stepIndex);
    const reachedFull = percent === 100;
    for (let inStep = 1; inStep <= minutesOfStep(plan, stepIndex); inStep += 1) {
      const drawn = canary[stepIndex]?.[inStep - 1];
      if (drawn === undefined) throw new Error(`canary: no minute ${inStep} drawn for step ${stepIndex}`);
      const at = minuteStart(minute);
      minute += 1;
      series.challenger.push(figuresOf(drawn.challenger, at));
      series.incumbent.push(figuresOf(drawn.incumbent, at));
      const { verdict } = judgeSequential(analysis, series, decides);
      if (verdict === 'fail') return { outcome: 'rolled back', minute, stepIndex, reachedFull };
      if (inStep < plan.bakeMinutes) continue;
      if (reachedFull) return { outcome: 'completed', minute, stepIndex, reachedFull };
      if (verdict === 'pass') break;
      if (inStep >= minutesOfStep(plan, stepIndex)) return { outcome: 'deadline', minute, stepIndex, reachedFull };
    }
  }
  throw new Error('canary: the last step must be 100');
}

interface WindowTotals {
  invocations: number;
  errors5xx: number;
  /** Invocations × their minute's Average, summed: the window's Average is this over the invocations. */
  latencyWeight: number;
  latencyInvocations: number;
}

function addTo(totals: WindowTotals, minute: VariantMinute | undefined): void {
  if (minute === undefined) return;
  totals.invocations += minute.invocations;
  totals.errors5xx += minute.errors5xx;
  if (minute.latency === undefined) return;
  totals.latencyWeight += minute.latency * minute.invocations;
  totals.latencyInvocations += minute.invocations;
}

const emptyTotals = (): WindowTotals => ({ invocations: 0, errors5xx: 0, latencyWeight: 0, latencyInvocations: 0 });

/** A window's totals as CloudWatch gives them over the bake: Sum, Sum, and an Average over all invocations. */
function windowFigures(variant: string, totals: WindowTotals): VariantFigures {
  const latency = totals.latencyInvocations > 0 ? totals.latencyWeight / totals.latencyInvocations : undefined;
  const window = { start: '', end: '' };
  const counts = { variant, window, invocations: totals.invocations, errors5xx: totals.errors5xx, custom: [] };
  return latency === undefined ? counts : { ...counts, latency };
}

/**
 * The threshold rule on each step's bake window (the step's start to now). At the 100% step the incumbent
 * serves nothing: its figures are those of the previous step's window when it passed, as analysis.ts reads
 * them. `everyMinute`: a fail at any minute rolls back (the peeking the sequential rule is built against);
 * otherwise judged from the bake's end on, minute by minute while it waits.
 */
export function thresholdRule(
  plan: CanaryPlan,
  analysis: AnalysisPolicy,
  canary: CanaryMinutes,
  everyMinute: boolean,
): RuleOutcome {
  const policy: AnalysisPolicy = { ...analysis, method: 'threshold' };
  let minute = 0;
  let previousIncumbent: VariantFigures | undefined;
  for (const [stepIndex, percent] of plan.steps.entries()) {
    const decides = decidesAt(plan, stepIndex);
    const reachedFull = percent === 100;
    const ours = emptyTotals();
    const theirs = emptyTotals();
    for (let inStep = 1; inStep <= minutesOfStep(plan, stepIndex); inStep += 1) {
      const drawn = canary[stepIndex]?.[inStep - 1];
      if (drawn === undefined) throw new Error(`canary: no minute ${inStep} drawn for step ${stepIndex}`);
      minute += 1;
      addTo(ours, drawn.challenger);
      addTo(theirs, drawn.incumbent);
      if (!everyMinute && inStep < plan.bakeMinutes) continue;
      const incumbent = reachedFull ? previousIncumbent : windowFigures('incumbent', theirs);
      if (incumbent === undefined) throw new Error('canary: the first step cannot be 100');
      const reading: AnalysisReading = { challenger: windowFigures('challenger', ours), incumbent };
      const { verdict } = judgeAnalysis(policy, reading, decides);
      if (verdict === 'fail') return { outcome: 'rolled back', minute, stepIndex, reachedFull };
      if (inStep < plan.bakeMinutes) continue;
      if (reachedFull) return { outcome: 'completed', minute, stepIndex, reachedFull };
      if (verdict === 'pass') {
        previousIncumbent = incumbent;
        break;
      }
      if (inStep >= minutesOfStep(plan, stepIndex)) return { outcome: 'deadline', minute, stepIndex, reachedFull };
    }
  }
  throw new Error('canary: the last step must be 100');
}
