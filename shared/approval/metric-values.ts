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

// JSON's number grammar (RFC 8259 section 6), whole string: no hex, binary, "Infinity", blanks or signs JSON lacks.
const jsonNumber = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/** A report value counts only as a JSON number (what JSON.parse made a number); a string there is not one. */
function reportNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Metadata values are always strings: one counts only when it is written exactly as a JSON number. */
function metadataNumber(value: string): number | undefined {
  if (!jsonNumber.test(value)) return undefined;
  const parsed = Number(value);
  // 1e400 is a JSON number too, but not a finite one.
  return Number.isFinite(parsed) ? parsed : undefined;
}

/** How a value that is not a number is shown in a reason: quoted, so blanks show, and short. */
function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** Reads one rule's metric; anything but a finite JSON number is "missing", and a missing metric never approves. */
export function readMetric(rule: MetricRule, evidence: PackageEvidence): MetricReading {
  if (rule.source === 'metadata') {
    const raw = evidence.metadata[rule.metric];
    if (raw === undefined) return { missing: `CustomerMetadataProperties has no ${rule.metric}` };
    const value = metadataNumber(raw);
    return value === undefined
      ? { missing: `CustomerMetadataProperties.${rule.metric} is not a number: ${shown(raw)}` }
      : { value };
  }
  if ('unreadable' in evidence.report) return { missing: evidence.report.unreadable };
  const raw = valueAtPath(evidence.report.report, rule.metric);
  if (raw === undefined) return { missing: `the evaluation report has no ${rule.metric}` };
  const value = reportNumber(raw);
  return value === undefined
    ? { missing: `${rule.metric} in the evaluation report is not a JSON number: ${shown(raw)}` }
    : { value };
}
