import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { sendNotices } from '#shared/engine/notices.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import type { DecisionMetric } from '#shared/runtime/run-context.ts';

const sns = mockClient(SNSClient);

describe('sendNotices', () => {
  const counted: DecisionMetric[] = [];
  const context = {
    policy: loadPolicyFile('examples/demo.config.yml'),
    settings: {
      stage: 'test',
      stackName: 'sagemaker-rollout-test',
      parameterPrefix: '/sagemaker-rollout/test',
      rolloutsTableName: 't',
      notificationsTopicArn: 'arn:aws:sns:us-east-1:123456789012:n',
    },
    writer: liveWriter(),
    countDecision: (metric: DecisionMetric) => counted.push(metric),
  };

  beforeEach(() => {
    sns.reset();
    counted.length = 0;
  });

  it('sends every notice, and one that fails neither throws nor stops the others; it is counted', async () => {
    sns
      .on(PublishCommand, { Subject: 'first' })
      .rejects(Object.assign(new Error('down'), { name: 'InternalError' }))
      .on(PublishCommand, { Subject: 'second' })
      .resolves({ MessageId: 'm' });

    await sendNotices(context, [
      { subject: 'first', message: 'a' },
      { subject: 'second', message: 'b' },
    ]);

    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 2);
    expect(counted).toEqual(['NotificationFailed']);
  });
});
