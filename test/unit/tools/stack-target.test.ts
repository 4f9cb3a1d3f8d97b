// Which stack the CLI talks to, and what it says when that stack is not there.
import { ResourceNotFoundException } from '@aws-sdk/client-dynamodb';
import { ResourceNotFoundException as BusNotFoundException } from '@aws-sdk/client-eventbridge';
import { NotFoundException } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { liveWriter } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import { readStackDefinition, stackSettings } from '../../../cli/stack-definition.ts';
import {
  explainMissingTable,
  noticeWatchingWriter,
  resolveStage,
  type StackTarget,
  unsentNoticeMessages,
} from '../../../cli/stack-target.ts';

const metadata = { $metadata: {} };
const missingTable = new ResourceNotFoundException({ message: 'Requested resource not found', ...metadata });
const missingTopic = new NotFoundException({ message: 'Topic does not exist', ...metadata });

function target(stage: string, where: { account?: string; endpointUrl?: string } = {}): StackTarget {
  const account = where.account ?? '123456789012';
  const settings = stackSettings(readStackDefinition(stage), 'eu-west-1', account);
  return { settings, region: 'eu-west-1', account, ...where };
}

describe('the stage a command uses', () => {
  it('is --stage, else ROLLOUT_STAGE, else local (the emulator’s)', () => {
    expect(resolveStage('prod', { ROLLOUT_STAGE: 'dev' })).toBe('prod');
    expect(resolveStage(undefined, { ROLLOUT_STAGE: 'dev' })).toBe('dev');
    expect(resolveStage(undefined, {})).toBe('local');
    expect(resolveStage(undefined, { ROLLOUT_STAGE: '' })).toBe('local');
  });

  it('is refused as bad input when it cannot be a stage, naming where it came from', () => {
    expect(() => resolveStage('', {})).toThrow(BadInputError);
    expect(() => resolveStage('pr od', {})).toThrow(
      '--stage "pr od": a stage is letters, digits and hyphens, as serverless deploy --stage took it',
    );
    expect(() => resolveStage(undefined, { ROLLOUT_STAGE: 'prod/eu' })).toThrow(/^ROLLOUT_STAGE "prod\/eu": /);
  });
});

describe('a table that is not there', () => {
  it('is bad input naming the stage, the table, the account and region, and what to set', () => {
    const explained = explainMissingTable(missingTable, target('prod', { account: '210987654321' }));

    expect(explained).toBeInstanceOf(BadInputError);
    expect((explained as Error).message).toBe(
      'stage prod: table sagemaker-rollout-prod-rollouts not found in account 210987654321, eu-west-1 (is the stack deployed in this account and region? set --stage / ROLLOUT_STAGE, AWS_REGION, AWS_PROFILE)',
    );
  });

  it('says that the local stage is the emulator’s when the command reached AWS', () => {
    const explained = explainMissingTable(missingTable, target('local'));

    expect((explained as Error).message).toContain(
      "(stage local is the emulator's: set AWS_ENDPOINT_URL to it, or name the deployed stage with --stage / ROLLOUT_STAGE)",
    );
  });

  it('says that the emulator holds only the local stage’s stack', () => {
    const explained = explainMissingTable(missingTable, {
      ...target('prod'),
      endpointUrl: 'http://127.0.0.1:4566',
    });

    expect((explained as Error).message).toBe(
      "stage prod: table sagemaker-rollout-prod-rollouts not found at AWS_ENDPOINT_URL http://127.0.0.1:4566 (the emulator holds stage local's stack: drop --stage / ROLLOUT_STAGE, or unset AWS_ENDPOINT_URL to reach AWS)",
    );
  });

  it('leaves every other error as it is, another service’s ResourceNotFoundException included', () => {
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    const noBus = new BusNotFoundException({ message: 'Event bus default does not exist.', ...metadata });
    Object.assign(noBus, { __type: 'com.amazonaws.eventbridge#ResourceNotFoundException' });

    expect(explainMissingTable(throttled, target('prod'))).toBe(throttled);
    expect(explainMissingTable(noBus, target('prod'))).toBe(noBus);
  });
});

describe('a notice the command could not send', () => {
  it('is kept by the writer, and a missing topic is said as the stage, the topic and what to set', async () => {
    const writer = noticeWatchingWriter(liveWriter());
    const publish = { service: 'sns', operation: 'Publish', input: {} } as const;
    const put = { service: 'dynamodb', operation: 'PutItem', input: {} } as const;

    await expect(writer.write(publish, () => Promise.reject(missingTopic))).rejects.toBe(missingTopic);
    await expect(writer.write(publish, () => Promise.reject(missingTopic))).rejects.toBe(missingTopic);
    await expect(writer.write(put, () => Promise.reject(missingTable))).rejects.toBe(missingTable);
    await writer.write(put, () => Promise.resolve({}));

    expect(writer.performed).toEqual([put]);
    expect(unsentNoticeMessages(writer, target('prod'))).toEqual([
      'stage prod: topic arn:aws:sns:eu-west-1:123456789012:sagemaker-rollout-prod-notifications not found in account 123456789012, eu-west-1 (is the stack deployed in this account and region? set --stage / ROLLOUT_STAGE, AWS_REGION, AWS_PROFILE)',
    ]);
  });
});
