import type { MetricRule } from '#shared/policy/policy-schema.ts';
import { type PackageEvidence, readMetric } from './metric-values.ts';

export interface RuleCheck {
  readonly rule: MetricRule;
  /** true: passed, false: failed, undefined: could not be judged (missing evidence). */
  readonly passed: boolean | undefined;
  /** One line a reviewer can read: the value seen, the bound, the verdict. */
  readonly explanation: string;
}

export type ApprovalDecision =
  | { readonly verdict: 'Approved' | 'Rejected'; readonly checks: readonly RuleCheck[]; readonly description: string }
  /** Evidence is missing: the package stays PendingManualApproval and a person is told why. */
  | { readonly verdict: 'NeedsHuman'; readonly checks: readonly RuleCheck[]; readonly description: string };

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

function checkRule(rule: MetricRule, candidate: PackageEvidence, champion: PackageEvidence | undefined): RuleCheck {
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

  if (rule.beatChampionBy !== undefined) {
    if (champion === undefined) {
      bounds.push('no champion yet');
    } else {
      const championReading = readMetric(rule, champion);
      if ('missing' in championReading) {
        return {
          rule,
          passed: undefined,
          explanation: `${label} = ${formatNumber(value)}: champion value MISSING (${championReading.missing})`,
        };
      }
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

  const verdict = failures.length === 0 ? 'pass' : `FAIL, ${failures.join(', ')}`;
  return {
    rule,
    passed: failures.length === 0,
    explanation: `${label} = ${formatNumber(value)} (${bounds.join(', ')}): ${verdict}`,
  };
}

/**
 * Applies every rule. A rule that was judged and failed rejects; otherwise a rule that could not be
 * judged (missing evidence) leaves the package for a person; only when every rule passed is it approved.
 */
export function decideApproval(
  rules: readonly MetricRule[],
  candidate: PackageEvidence,
  champion: PackageEvidence | undefined,
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
  return { verdict: 'Approved', checks, description: `sagemaker-rollout approved automatically: ${lines}` };
}
