import type { MetricRule } from '#shared/policy/policy-schema.ts';
import { type PackageEvidence, readMetric } from './metric-values.ts';

export interface RuleCheck {
  readonly rule: MetricRule;
  /** true: passed, false: failed, undefined: could not be judged (missing evidence). */
  readonly passed: boolean | undefined;
  /** One line a reviewer can read: the value seen, the bound, the verdict. */
  readonly explanation: string;
}

/**
 * What a candidate is compared with: the serving version's evidence, nothing (no champion yet: the bounds
 * alone judge), or a version that serves but could not be identified (nothing to compare with: never approves).
 */
export type ChampionEvidence = PackageEvidence | { readonly unidentified: string } | undefined;

/** How ApprovalDescription starts when approve (or deploy, judging for it) approved by the rules. */
export const approvedByRules = 'sagemaker-rollout approved automatically';

export type ApprovalDecision =
  | { readonly verdict: 'Approved' | 'Rejected'; readonly checks: readonly RuleCheck[]; readonly description: string }
  /** Evidence is missing: the package stays PendingManualApproval and a person is told why. */
  | { readonly verdict: 'NeedsHuman'; readonly checks: readonly RuleCheck[]; readonly description: string };

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

function checkRule(rule: MetricRule, candidate: PackageEvidence, champion: ChampionEvidence): RuleCheck {
  const label = rule.source === 'metadata' ? `metadata ${rule.metric}` : rule.metric;
  const reading = readMetric(rule, candidate);
  if ('missing' in reading) return { rule, passed: undefined, explanation: `${label}: MISSING (${reading.missing})` };

  const value = reading.value;
  const failures: string[] = [];
  const bounds: string[] = [];
  if (rule.min !== undefined) {
    bounds.push(`min ${formatNumber(rule.min)}`);
    if (value < rule.min) failures.push(`below min ${formatNumber(rule.min)}`);
  }
  if (rule.max !== undefined) {
    bounds.push(`max ${formatNumber(rule.max)}`);
    if (value > rule.max) failures.push(`above max ${formatNumber(rule.max)}`);
  }

  // Why the champion comparison could not be made; a bound the value fails still rejects.
  let uncompared: string | undefined;
  if (rule.beatChampionBy !== undefined) {
    if (champion === undefined) {
      bounds.push('no champion yet');
    } else if ('unidentified' in champion) {
      uncompared =
        `champion UNKNOWN (${champion.unidentified}): ` +
        'a person compares it with the version that serves and approves or rejects it by hand';
    } else {
      const championReading = readMetric(rule, champion);
      if ('missing' in championReading) {
        uncompared = `champion value MISSING (${championReading.missing})`;
      } else {
        const higherIsBetter = rule.min !== undefined;
        const target = higherIsBetter
          ? championReading.value + rule.beatChampionBy
          : championReading.value - rule.beatChampionBy;
        bounds.push(
          `champion ${formatNumber(championReading.value)} ${higherIsBetter ? '+' : '-'} ${formatNumber(rule.beatChampionBy)}`,
        );
        const beaten = higherIsBetter ? value >= target : value <= target;
        if (!beaten) failures.push(`does not beat the champion by ${formatNumber(rule.beatChampionBy)}`);
      }
    }
  }

  const seen = `${label} = ${formatNumber(value)} (${bounds.join(', ')})`;
  if (failures.length > 0) return { rule, passed: false, explanation: `${seen}: FAIL, ${failures.join(', ')}` };
  if (uncompared !== undefined) return { rule, passed: undefined, explanation: `${seen}: ${uncompared}` };
  return { rule, passed: true, explanation: `${seen}: pass` };
}

/**
 * Applies every rule. A rule that was judged and failed rejects; otherwise a rule that could not be
 * judged (missing evidence) leaves the package for a person; only when every rule passed is it approved.
 */
export function decideApproval(
  rules: readonly MetricRule[],
  candidate: PackageEvidence,
  champion: ChampionEvidence,
): ApprovalDecision {
  const checks = rules.map((rule) => checkRule(rule, candidate, champion));
  const lines = checks.map((check) => check.explanation).join('; ');
  if (checks.some((check) => check.passed === false)) {
    return { verdict: 'Rejected', checks, description: `sagemaker-rollout rejected automatically: ${lines}` };
  }
  if (rules.length === 0 || checks.some((check) => check.passed === undefined)) {
    const reason = rules.length === 0 ? 'no rule to judge by' : lines;
    return { verdict: 'NeedsHuman', checks, description: `sagemaker-rollout could not judge: ${reason}` };
  }
  return { verdict: 'Approved', checks, description: `${approvedByRules}: ${lines}` };
}
