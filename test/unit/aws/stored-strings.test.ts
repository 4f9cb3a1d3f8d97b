import { describe, expect, it } from 'vitest';
import { boundedItem, boundedText, maxStoredStringLength } from '#shared/aws/stored-strings.ts';

describe('stored strings', () => {
  it('keeps a text of at most 2,048 characters as it is: an ARN is never cut', () => {
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/g/${'1'.repeat(1990)}`;
    expect(maxStoredStringLength).toBe(2048);
    expect(boundedText(arn.slice(0, 2048))).toBe(arn.slice(0, 2048));
  });

  it('cuts a longer text to 2,048 characters, the last an ellipsis', () => {
    const reason = `Threshold Crossed: ${'x'.repeat(150 * 1024)}`;

    const bounded = boundedText(reason);

    expect(bounded).toHaveLength(2048);
    expect(bounded.startsWith('Threshold Crossed: xxx')).toBe(true);
    expect(bounded.endsWith('x…')).toBe(true);
  });

  it('never cuts a character outside the BMP in half', () => {
    const bounded = boundedText('🔥'.repeat(3000));
    expect(Array.from(bounded)).toHaveLength(2048);
    expect(bounded.endsWith('🔥…')).toBe(true);
    expect(bounded).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/); // no lone high surrogate
  });

  it('bounds every string of an item at any depth, and leaves the rest as it is', () => {
    const huge = 'r'.repeat(200_000);
    const record = {
      endpointName: 'fraud-prod',
      version: 3,
      paused: false,
      reason: huge,
      history: [{ at: '2026-11-25T09:00:00Z', note: `rolling back: ${huge}` }],
      challenger: { containerSettings: { Environment: { A: huge } } },
      untouched: undefined,
    };

    const bounded = boundedItem(record);

    expect(bounded.reason).toHaveLength(2048);
    expect(bounded.history[0]?.note).toHaveLength(2048);
    expect(bounded.challenger.containerSettings.Environment.A).toHaveLength(2048);
    expect(bounded).toMatchObject({ endpointName: 'fraud-prod', version: 3, paused: false });
    expect(JSON.stringify(bounded).length).toBeLessThan(8 * 1024);
    expect(record.reason).toBe(huge); // the input is not changed
  });
});
