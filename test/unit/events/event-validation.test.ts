import { describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import { foreignEvent, homeOf, packageNotInGroup } from '#shared/events/event-origin.ts';
import { parseKnownEvent } from '#shared/events/event-schemas.ts';
import { sampleEvent } from '../../support/sample-events.ts';

function refusal(event: unknown): string {
  try {
    parseKnownEvent(event);
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error('the event was accepted');
}

describe('parseKnownEvent', () => {
  it('accepts every sample event of events/', () => {
    for (const name of [
      'model-package-approved',
      'alarm-fraud-prod-5xx-alarm',
      'scheduled-tick',
      'codepipeline-execution-failed',
    ]) {
      expect(() => parseKnownEvent(sampleEvent(name))).not.toThrow();
    }
  });

  it.each([
    [null, '(root): expected an EventBridge event (a JSON object), got null'],
    [[sampleEvent('scheduled-tick')], 'got an array'],
    [42, 'got number'],
    ['{"detail-type": "Scheduled Event"}', 'got string'],
  ])('refuses %j, which is not an event object', (event, message) => {
    expect(refusal(event)).toContain(message);
  });

  it('validates an event no rule routes: an alarm state that is a number, a detail that is an array', () => {
    const numeric = sampleEvent('alarm-fraud-prod-5xx-alarm');
    (numeric.detail.state as Record<string, unknown>).value = 3;
    expect(refusal(numeric)).toMatch(/^invalid event:\ndetail\.state\.value: /m);

    const listed = { ...sampleEvent('alarm-fraud-prod-5xx-ok'), detail: [1, 2] };
    expect(refusal(listed)).toContain('detail: ');
  });

  it('refuses an unknown detail-type, naming source and detail-type, and a look-alike of a known one', () => {
    const lookalike = { ...sampleEvent('scheduled-tick'), 'detail-type': 'Scheduled Evеnt' }; // Cyrillic е
    expect(refusal(lookalike)).toContain('detail-type: no function listens to aws.events / Scheduled Evеnt');
  });

  it('names a detail-type that is an object whose toString is not a function (a fuzz finding: String() threw)', () => {
    const event = { ...sampleEvent('scheduled-tick'), 'detail-type': { toString: '' } };
    expect(refusal(event)).toContain('detail-type: no function listens to aws.events / {"toString":""}');
  });

  it('refuses events larger than EventBridge carries, and nesting too deep to serialise', () => {
    const huge = sampleEvent('scheduled-tick');
    huge.detail = { padding: 'x'.repeat(300 * 1024) };
    expect(refusal(huge)).toContain("larger than EventBridge's 262144-byte limit");

    let deep: unknown = 'bottom';
    for (let level = 0; level < 20_000; level += 1) deep = { deeper: deep };
    expect(refusal({ ...sampleEvent('scheduled-tick'), detail: deep })).toContain('nested too deeply');
  });

  it('ignores __proto__ and constructor keys instead of letting them reach anything', () => {
    const event = JSON.parse(
      JSON.stringify(sampleEvent('scheduled-tick')).replace('{', '{"__proto__": {"polluted": true}, "constructor": 1,'),
    );
    parseKnownEvent(event);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('event origin', () => {
  const home = homeOf({
    stackName: 'sagemaker-rollout-test',
    parameterPrefix: '/sagemaker-rollout/test',
    rolloutsTableName: 't',
    notificationsTopicArn: 'arn:aws:sns:us-east-1:123456789012:notifications',
  });

  it('knows the stack’s partition, region and account from its topic', () => {
    expect(home).toEqual({ partition: 'aws', region: 'us-east-1', account: '123456789012' });
  });

  it('tells an event of another account or region from this stack’s', () => {
    expect(foreignEvent({ account: '123456789012', region: 'us-east-1' }, home)).toBeUndefined();
    expect(foreignEvent({ account: '999999999999', region: 'us-east-1' }, home)).toContain('account 999999999999');
    expect(foreignEvent({ account: '123456789012', region: 'eu-west-1' }, home)).toContain('eu-west-1');
  });

  it.each([
    ['arn:aws:sagemaker:us-east-1:123456789012:model-package/fraud-detector/2', undefined],
    ['arn:aws:sagemaker:us-east-1:999999999999:model-package/fraud-detector/2', 'not a SageMaker resource'],
    ['arn:aws-cn:sagemaker:us-east-1:123456789012:model-package/fraud-detector/2', 'not a SageMaker resource'],
    ['arn:aws:sagemaker:eu-west-1:123456789012:model-package/fraud-detector/2', 'not a SageMaker resource'],
    ['arn:aws:sagemaker:us-east-1:123456789012:model-package/churn-model/2', 'does not belong to the group'],
  ])('places %s', (arn, reason) => {
    const found = packageNotInGroup(arn, 'fraud-detector', home);
    if (reason === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(reason);
  });
});
