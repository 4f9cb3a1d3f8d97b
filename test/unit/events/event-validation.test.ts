import { describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import {
  foreignEvent,
  foreignResource,
  homeOf,
  packageNotInGroup,
  trainingPipelineGroup,
} from '#shared/events/event-origin.ts';
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

  it.each([
    ['model-package-approved', ['detail', 'ModelPackageArn'], 2048],
    ['alarm-fraud-prod-5xx-alarm', ['resources', 0], 2048],
    ['alarm-fraud-prod-5xx-alarm', ['detail', 'alarmName'], 255],
    ['sagemaker-pipeline-execution-failed', ['detail', 'pipelineExecutionArn'], 2048],
    ['sagemaker-pipeline-execution-failed', ['detail', 'pipelineArn'], 2048],
    ['codepipeline-execution-failed', ['detail', 'pipeline'], 100],
    ['codepipeline-execution-failed', ['detail', 'execution-id'], 36],
    ['endpoint-deployment-completed', ['detail', 'EndpointName'], 63],
    ['transform-job-completed', ['detail', 'TransformJobName'], 63],
  ] as const)('refuses a %s whose %j is 200 KB, naming the field and its documented maximum', (name, path, max) => {
    const event = sampleEvent(name) as Record<string, unknown>;
    const [container, key] = path;
    const parent = event[container] as Record<string | number, unknown>;
    parent[key] = `${String(parent[key])}${'9'.repeat(200 * 1024)}`;

    const message = refusal(event);

    const field = typeof key === 'number' ? `${container}[${key}]` : `${container}.${key}`;
    expect(message).toMatch(
      new RegExp(`^${field.replace(/[.[\]]/g, '\\$&')}: expected at most ${max} characters \\(`, 'm'),
    );
    expect(message.split('\n')).toHaveLength(2); // that one problem, and no echo of the value
  });

  it('takes an ARN of exactly 2048 characters, which AWS allows', () => {
    const event = sampleEvent('alarm-fraud-prod-5xx-alarm');
    const resources = event.resources as string[];
    const arn = String(resources[0]);
    resources[0] = `${arn}${'x'.repeat(2048 - arn.length)}`;
    expect(() => parseKnownEvent(event)).not.toThrow();
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
    stage: 'test',
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

  it('tells a resource of another account, region or partition from this stack’s', () => {
    const own = 'arn:aws:codepipeline:us-east-1:123456789012:fraud-detector-delivery';
    expect(foreignResource([own], home)).toBeUndefined();
    expect(foreignResource([own, own.replace('123456789012', '999999999999')], home)).toContain(
      "the event's resource arn:aws:codepipeline:us-east-1:999999999999:fraud-detector-delivery is not of aws account 123456789012",
    );
    expect(foreignResource([own.replace(':us-east-1:', ':eu-west-1:')], home)).toContain('eu-west-1');
    expect(foreignResource([own.replace('arn:aws:', 'arn:aws-cn:')], home)).toContain('arn:aws-cn:');
    expect(foreignResource(['fraud-detector-delivery'], home)).toContain('is not of aws account');
  });

  describe('a training pipeline is a group’s by its name', () => {
    const configured = new Set(['fraud-detector', 'fraud', 'churn-acme']);
    const configuredBy = (name: string) => (configured.has(name) ? name : undefined);
    const pipeline = (name: string, account = '123456789012') => {
      const pipelineArn = `arn:aws:sagemaker:us-east-1:${account}:pipeline/${name}`;
      return { pipelineArn, pipelineExecutionArn: `${pipelineArn}/execution/abc123` };
    };

    it.each([
      ['fraud-detector', 'fraud-detector'],
      ['fraud-detector-training', 'fraud-detector'],
      ['fraud-nightly', 'fraud'],
      ['churn-acme-retrain-v2', 'churn-acme'],
    ])('%s serves %s (the longest configured group)', (name, groupName) => {
      expect(trainingPipelineGroup(pipeline(name), home, configuredBy)).toEqual({ groupName });
    });

    it.each([
      [pipeline('payroll-training'), 'payroll-training is not named after a group of the policy'],
      [pipeline('frauds-training'), 'frauds-training is not named after a group'],
      [pipeline('fraud-detector-training', '999999999999'), 'is not a SageMaker resource of aws account 123456789012'],
      [
        { ...pipeline('fraud-detector-training'), pipelineExecutionArn: pipeline('payroll').pipelineExecutionArn },
        'is not an execution of arn:aws:sagemaker:us-east-1:123456789012:pipeline/fraud-detector-training',
      ],
      [
        { ...pipeline('x'), pipelineArn: 'arn:aws:sagemaker:us-east-1:123456789012:model/fraud-detector' },
        'is not a SageMaker pipeline ARN',
      ],
    ])('is not ours: %j', (event, why) => {
      const owner = trainingPipelineGroup(event, home, configuredBy);
      expect('notOurs' in owner && owner.notOurs).toContain(why);
    });
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
