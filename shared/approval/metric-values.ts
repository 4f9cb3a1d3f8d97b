import type { ReportReading } from '#shared/aws/evaluation-report.ts';
import type { MetricRule } from '#shared/policy/policy-schema.ts';

/** Where a package's evidence comes from: its evaluation report and its CustomerMetadataProperties. */
export interface PackageEvidence {
  readonly report: ReportReading;
  readonly metadata: Readonly<Record<string, string>>;
}

export type MetricReading = { readonly value: number } | { readonly missing: string };

function valueAtPath(document: unknown, path: string): unknown {
  let current: unknown = document;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function asFiniteNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : undefined;
  }
  return undefined;
}

/** Reads one rule's metric; anything but a finite number is "missing", and a missing metric never approves. */
export function readMetric(rule: MetricRule, evidence: PackageEvidence): MetricReading {
  if (rule.source === 'metadata') {
    const raw = evidence.metadata[rule.metric];
    if (raw === undefined) return { missing: `CustomerMetadataProperties has no ${rule.metric}` };
    const value = asFiniteNumber(raw);
    return value === undefined
      ? { missing: `CustomerMetadataProperties.${rule.metric} is not a number: ${raw}` }
      : { value };
  }
  if ('unreadable' in evidence.report) return { missing: evidence.report.unreadable };
  const raw = valueAtPath(evidence.report.report, rule.metric);
  if (raw === undefined) return { missing: `the evaluation report has no ${rule.metric}` };
  const value = asFiniteNumber(raw);
  return value === undefined ? { missing: `${rule.metric} in the evaluation report is not a number` } : { value };
}
