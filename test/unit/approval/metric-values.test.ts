import { describe, expect, it } from 'vitest';
import { type PackageEvidence, readMetric } from '#shared/approval/metric-values.ts';
import type { MetricRule } from '#shared/policy/policy-schema.ts';

const reportRule: MetricRule = { metric: 'metrics.auc.value', source: 'report', min: 0.85 };
const metadataRule: MetricRule = { metric: 'accuracy', source: 'metadata', min: 0.9 };

function inReport(value: unknown): PackageEvidence {
  return { report: { report: JSON.parse(JSON.stringify({ metrics: { auc: { value } } })) }, metadata: {} };
}
function inMetadata(value: string): PackageEvidence {
  return { report: { report: {} }, metadata: { accuracy: value } };
}

describe('readMetric', () => {
  describe('from the evaluation report', () => {
    it.each([
      ['0.91', 0.91],
      ['-1', -1],
      ['1e-3', 0.001],
      ['0', 0],
    ])('reads the JSON number %s', (text, value) => {
      const evidence = { report: { report: JSON.parse(`{"metrics": {"auc": {"value": ${text}}}}`) }, metadata: {} };
      expect(readMetric(reportRule, evidence)).toEqual({ value });
    });

    it.each([['0.91'], ['0x1'], ['0b1'], [' 9e-1\n'], [''], ['Infinity'], [null], [true], [[0.9]]])(
      'does not take %j for a number: only JSON numbers count',
      (value) => {
        expect(readMetric(reportRule, inReport(value))).toEqual({
          missing: `metrics.auc.value in the evaluation report is not a JSON number: ${JSON.stringify(value)}`,
        });
      },
    );

    it('does not take a number too large to be finite (1e400 parses to Infinity)', () => {
      const evidence = { report: { report: JSON.parse('{"metrics": {"auc": {"value": 1e400}}}') }, metadata: {} };
      expect(readMetric(reportRule, evidence)).toHaveProperty('missing');
    });
  });

  describe('from CustomerMetadataProperties (always strings)', () => {
    it.each([
      ['0.93', 0.93],
      ['-0.5', -0.5],
      ['1', 1],
      ['0', 0],
      ['2.5E+2', 250],
      ['1e-3', 0.001],
    ])('reads %j, written as a JSON number', (text, value) => {
      expect(readMetric(metadataRule, inMetadata(text))).toEqual({ value });
    });

    it.each([
      ['0x1'],
      ['0b1'],
      ['0o7'],
      [' 9e-1\n'],
      ['0.93 '],
      [''],
      ['Infinity'],
      ['-Infinity'],
      ['NaN'],
      ['+1'],
      ['01'],
      ['.5'],
      ['1.'],
      ['1_000'],
      ['1e400'],
      ['high'],
    ])('does not take %j for a number', (text) => {
      expect(readMetric(metadataRule, inMetadata(text))).toEqual({
        missing: `CustomerMetadataProperties.accuracy is not a number: ${JSON.stringify(text)}`,
      });
    });

    it('says which key is missing', () => {
      expect(readMetric(metadataRule, { report: { report: {} }, metadata: {} })).toEqual({
        missing: 'CustomerMetadataProperties has no accuracy',
      });
    });
  });
});
