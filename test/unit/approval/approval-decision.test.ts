import { describe, expect, it } from 'vitest';
import { decideApproval } from '#shared/approval/approval-decision.ts';
import type { PackageEvidence } from '#shared/approval/metric-values.ts';
import type { MetricRule } from '#shared/policy/policy-schema.ts';

const aucRule: MetricRule = { metric: 'binary_classification_metrics.auc.value', source: 'report', min: 0.85 };
const fprRule: MetricRule = { metric: 'binary_classification_metrics.fpr.value', source: 'report', max: 0.1 };

function evidence(auc: unknown, fpr: unknown = 0.05, metadata: Record<string, string> = {}): PackageEvidence {
  return {
    report: { report: { binary_classification_metrics: { auc: { value: auc }, fpr: { value: fpr } } } },
    metadata,
  };
}

describe('decideApproval', () => {
  it('approves when every rule passes, listing each value and bound', () => {
    const decision = decideApproval([aucRule, fprRule], evidence(0.91, 0.05), undefined);
    expect(decision.verdict).toBe('Approved');
    expect(decision.description).toBe(
      'sagemaker-rollout approved automatically: binary_classification_metrics.auc.value = 0.91 (min 0.85): pass; ' +
        'binary_classification_metrics.fpr.value = 0.05 (max 0.1): pass',
    );
  });

  it('rejects when a value is below its min, saying which', () => {
    const decision = decideApproval([aucRule, fprRule], evidence(0.8, 0.05), undefined);
    expect(decision.verdict).toBe('Rejected');
    expect(decision.description).toContain('auc.value = 0.8 (min 0.85): FAIL, below min 0.85');
    expect(decision.checks.map((check) => check.passed)).toEqual([false, true]);
  });

  it('rejects when a value is above its max', () => {
    expect(decideApproval([fprRule], evidence(0.9, 0.2), undefined).verdict).toBe('Rejected');
  });

  it('accepts a value exactly on the bound', () => {
    expect(decideApproval([aucRule], evidence(0.85), undefined).verdict).toBe('Approved');
  });

  it('never approves when a metric is missing from the report', () => {
    const decision = decideApproval([aucRule], { report: { report: {} }, metadata: {} }, undefined);
    expect(decision.verdict).toBe('NeedsHuman');
    expect(decision.description).toContain(
      'MISSING (the evaluation report has no binary_classification_metrics.auc.value)',
    );
  });

  it('never approves when the report could not be read', () => {
    const decision = decideApproval(
      [aucRule],
      { report: { unreadable: 'cannot read s3://b/k: NoSuchKey' }, metadata: {} },
      undefined,
    );
    expect(decision.verdict).toBe('NeedsHuman');
    expect(decision.description).toContain('NoSuchKey');
  });

  it.each([['NaN'], [null], [true], [{ value: 1 }], ['']])('treats %j as missing, not as a number', (value) => {
    expect(decideApproval([aucRule], evidence(value), undefined).verdict).toBe('NeedsHuman');
  });

  it('still rejects on a failed rule when another rule is missing', () => {
    const decision = decideApproval([aucRule, fprRule], evidence(0.5, undefined), undefined);
    expect(decision.verdict).toBe('Rejected');
  });

  it('reads numeric strings from CustomerMetadataProperties', () => {
    const rule: MetricRule = { metric: 'accuracy', source: 'metadata', min: 0.9 };
    expect(decideApproval([rule], evidence(0.9, 0.05, { accuracy: '0.93' }), undefined).verdict).toBe('Approved');
    expect(decideApproval([rule], evidence(0.9, 0.05, { accuracy: 'high' }), undefined).verdict).toBe('NeedsHuman');
    expect(decideApproval([rule], evidence(0.9, 0.05, {}), undefined).description).toContain(
      'CustomerMetadataProperties has no accuracy',
    );
  });

  describe('champion comparison', () => {
    const beatBy: MetricRule = { ...aucRule, beatChampionBy: 0.01 };
    const lowerIsBetter: MetricRule = { ...fprRule, beatChampionBy: 0.01 };

    it('approves a candidate that beats the champion by the margin', () => {
      const decision = decideApproval([beatBy], evidence(0.92), evidence(0.9));
      expect(decision.verdict).toBe('Approved');
      expect(decision.description).toContain('(min 0.85, champion 0.9 + 0.01): pass');
    });

    it('rejects a candidate within the margin of the champion', () => {
      const decision = decideApproval([beatBy], evidence(0.905), evidence(0.9));
      expect(decision.verdict).toBe('Rejected');
      expect(decision.description).toContain('does not beat the champion by 0.01');
    });

    it('compares downwards when lower is better (a max rule)', () => {
      expect(decideApproval([lowerIsBetter], evidence(0.9, 0.03), evidence(0.9, 0.05)).verdict).toBe('Approved');
      expect(decideApproval([lowerIsBetter], evidence(0.9, 0.045), evidence(0.9, 0.05)).verdict).toBe('Rejected');
    });

    it('judges by the bounds alone when there is no champion yet', () => {
      const decision = decideApproval([beatBy], evidence(0.9), undefined);
      expect(decision.verdict).toBe('Approved');
      expect(decision.description).toContain('no champion yet');
    });

    it('never approves when a version serves that could not be identified, saying why and what a person can do', () => {
      const unidentified = { unidentified: 'the endpoint fraud-prod serves model by-hand, which has no container' };
      const decision = decideApproval([beatBy, fprRule], evidence(0.99), unidentified);
      expect(decision.verdict).toBe('NeedsHuman');
      expect(decision.checks.map((check) => check.passed)).toEqual([undefined, true]);
      expect(decision.checks[0]?.explanation).toBe(
        'binary_classification_metrics.auc.value = 0.99 (min 0.85): champion UNKNOWN (the endpoint fraud-prod serves ' +
          'model by-hand, which has no container): a person compares it with the version that serves and approves ' +
          'or rejects it by hand',
      );
    });

    it('still rejects a value below its bound when the champion cannot be compared', () => {
      const unidentified = { unidentified: 'the endpoint fraud-prod serves model by-hand, which has no container' };
      expect(decideApproval([beatBy], evidence(0.8), unidentified).verdict).toBe('Rejected');
      expect(decideApproval([beatBy], evidence(0.8), { report: { report: {} }, metadata: {} }).verdict).toBe(
        'Rejected',
      );
    });

    it('does not need a champion for a rule without beatChampionBy', () => {
      const unidentified = { unidentified: 'unknown' };
      expect(decideApproval([aucRule], evidence(0.9), unidentified).verdict).toBe('Approved');
    });

    it('leaves the package for a person when the champion has no value to compare with', () => {
      const decision = decideApproval([beatBy], evidence(0.95), { report: { report: {} }, metadata: {} });
      expect(decision.verdict).toBe('NeedsHuman');
      expect(decision.description).toContain('champion value MISSING');
    });
  });
});
