import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import {
  abortRollout,
  checkedText,
  maxReasonLength,
  pauseRollout,
  promoteRollout,
  resumeRollout,
  rolloutStatus,
} from '../../../cli/operator-commands.ts';

const dynamodb = mockClient(DynamoDBDocumentClient);
const context = {
  policy: loadPolicyFile('examples/demo.config.yml'),
  settings: {
    stage: 'test',
    stackName: 'sagemaker-rollout-test',
    parameterPrefix: '/sagemaker-rollout/test',
    rolloutsTableName: 'rollouts',
    notificationsTopicArn: 'arn:aws:sns:us-east-1:123456789012:n',
  },
  writer: liveWriter(),
};
const now = '2026-11-25T09:00:00Z';

describe('operator commands refuse bad names and reasons before any AWS call', () => {
  beforeEach(() => dynamodb.reset());

  it.each([
    ['pause', () => pauseRollout(context, '', 'ann', now)],
    ['resume', () => resumeRollout(context, 'fraud prod', 'ann', now)],
    ['status', () => rolloutStatus(context, '-fraud')],
    ['abort', () => abortRollout(context, 'x'.repeat(49), 'ann', 'customer complaint', now)],
  ])('%s with a name that is no endpoint name', async (_command, run) => {
    await expect(run()).rejects.toThrow(BadInputError);
    await expect(run()).rejects.toThrow(/^endpoint ".*": expected a SageMaker endpoint name/);
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it.each([['customers-mme/acme churn'], ['customers-mme/acme/churn'], ['batch/']])(
    'a group key %s that is no <endpoint>/<group>',
    async (name) => {
      await expect(pauseRollout(context, name, 'ann', now)).rejects.toThrow(
        /expected <endpoint>\/<group> for a group without an endpoint of its own/,
      );
      expect(dynamodb.calls()).toHaveLength(0);
    },
  );

  it('abort with an empty or blank reason', async () => {
    for (const reason of ['', '   ']) {
      await expect(abortRollout(context, 'fraud-prod', 'ann', reason, now)).rejects.toThrow(
        '--reason must not be empty',
      );
    }
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('abort and promote with a reason over 1,000 characters (a record holds 400 KB)', async () => {
    const long = 'x'.repeat(150 * 1024);
    for (const run of [
      () => abortRollout(context, 'fraud-prod', 'ann', long, now),
      () => promoteRollout(context, 'fraud-prod', 'ann', long, now),
    ]) {
      await expect(run()).rejects.toThrow(BadInputError);
      await expect(run()).rejects.toThrow('--reason is 153,600 characters; at most 1,000');
    }
    expect(dynamodb.calls()).toHaveLength(0);
  });

  it('takes a reason of exactly 1,000 characters, counted as people count them (an emoji is one)', () => {
    expect(maxReasonLength).toBe(1000);
    expect(checkedText('--reason', 'y'.repeat(1000))).toHaveLength(1000);
    expect(checkedText('--reason', '🙂'.repeat(1000))).toHaveLength(2000); // 1,000 characters, 2,000 UTF-16 units
    expect(() => checkedText('--reason', 'y'.repeat(1001))).toThrow('--reason is 1,001 characters; at most 1,000');
  });
});
