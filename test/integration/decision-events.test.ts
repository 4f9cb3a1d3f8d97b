// Events for other tools, against the emulator: every decision the stack makes arrives on the default
// EventBridge bus, through a rule with an SQS target as a team would wire it, with the versioned detail.

import { readFileSync } from 'node:fs';
import { CloudWatchClient, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { beforeEach, describe, expect, it } from 'vitest';
import { decisionTypes } from '#shared/rollout/decision-events.ts';
import { modelPackageEvent } from '../../cli/event-builders.ts';
import { subscribeToDecisionEvents } from '../../demo/event-inbox.ts';

const publishedDetail = JSON.parse(readFileSync('schemas/events/decision-detail.v1.schema.json', 'utf8'));
const detailValidator = () => new Ajv2020({ allErrors: true, strict: false }).compile(publishedDetail);

import { readHistoryView } from '../../cli/history-records.ts';
import { pauseRollout, resumeRollout } from '../../cli/operator-commands.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { endpointName, rolloutStory } from '../support/rollout-story.ts';

let local: LocalStack;
const localStack = useLocalStack();
beforeEach(() => {
  local = localStack();
});

describe('decision events', () => {
  // One story through every decision there is (six versions, ~60 handler calls): ~20 s on a busy 2-core machine.
  it('puts one event per decision on the default bus, each with the detail of schema version 1', {
    timeout: 90_000,
  }, async () => {
    const story = rolloutStory(local);
    const events = await subscribeToDecisionEvents();
    const pending = async (report: ReturnType<typeof binaryClassificationReport> | undefined) => {
      const arn = await registerModelPackage({ groupName: 'fraud-detector', evaluationReport: report });
      await local.send(modelPackageEvent('PendingManualApproval', arn, story.now()));
      return arn;
    };
    await story.establishIncumbent();
    // v1 has an AUC of 0.91 (rolloutStory.registerApproved); the policy wants a challenger better by 0.005.
    const v2 = await pending(binaryClassificationReport(0.97, 0.02));
    await pending(binaryClassificationReport(0.5, 0.3));
    await pending(undefined);
    await story.approved(v2);
    await story.settle();
    await story.tick();
    await pauseRollout(local.context(), endpointName, 'arn:aws:iam::123456789012:user/alice', story.now());
    await resumeRollout(local.context(), endpointName, 'arn:aws:iam::123456789012:user/alice', story.now());
    story.wait(10);
    await story.tick();
    const [v5, v6] = [await story.registerApproved(), await story.registerApproved()];
    await story.approved(v5);
    await story.approved(v6);
    const cloudwatch = new CloudWatchClient({});
    const setAlarm = (StateValue: 'ALARM' | 'OK') =>
      cloudwatch.send(new SetAlarmStateCommand({ AlarmName: 'fraud-prod-5xx', StateValue, StateReason: 'test' }));
    await setAlarm('ALARM');
    await story.alarm('fraud-prod-5xx');
    await setAlarm('OK');
    // v2 rolls back; then v6 starts from the queue, and SageMaker never finishes its update.
    for (let count = 0; count < 70 && (await story.record())?.rollbackCause !== 'deadline'; count += 1) {
      if ((await story.record())?.phase === 'RollingBack') await story.settle();
      await story.tick();
    }
    await story.settle();
    await story.tickUntil(['Failed']);

    const received = await events.received();
    const types = new Set(received.map((event) => event.detailType));

    expect([...Object.values(decisionTypes)].filter((type) => !types.has(type))).toEqual(['Rollout Promoted']);
    const byType = (type: string) => received.filter((event) => event.detailType === type);
    expect(byType('Rollout Rolled Back')[0]).toMatchObject({
      source: 'sagemaker-rollout',
      detail: {
        schemaVersion: '1',
        endpointName: 'fraud-prod',
        groupName: 'fraud-detector',
        packageVersion: 2,
        packageArn: v2,
        phase: 'RolledBack',
        reason: expect.stringMatching(/^alarm fraud-prod-5xx is in ALARM/),
        actor: 'sagemaker-rollout',
        trafficPercent: null,
      },
    });
    expect(byType('Rollout Paused')[0]?.detail.actor).toBe('arn:aws:iam::123456789012:user/alice');
    expect(byType('Rollout Step Advanced')[0]?.detail).toMatchObject({ packageVersion: 2, trafficPercent: 50 });
    expect(byType('Rollout Superseded')[0]?.detail).toMatchObject({ packageArn: v5, phase: 'Superseded' });
    expect(byType('Rollout Deadline Exceeded')[0]?.detail.reason).toMatch(/^progress deadline exceeded/);
    expect(byType('Model Package Left Pending')[0]?.detail.reason).toBeTruthy();
    // Every event is sent once: the decisions above were each made once.
    expect(byType('Rollout Completed')).toHaveLength(1);
    expect(byType('Rollout Started').map((event) => event.detail.packageVersion)).toEqual([1, 2, 6]);
    for (const event of received) expect(Date.parse(event.time)).toBe(Date.parse(event.detail.at));
    // Every event the stack put is what the published JSON Schema says (schemas/events), its type one it lists.
    const validate = detailValidator();
    for (const event of received) {
      expect(validate(event.detail), JSON.stringify(validate.errors)).toBe(true);
      expect(publishedDetail['x-detail-types']).toContain(event.detailType);
    }

    // The endpoint's history holds the superseded version too, on the same clock.
    const view = await readHistoryView(local.context(), endpointName);
    expect(view.rollouts.map((rollout) => `v${rollout.version} ${rollout.phase}`)).toEqual([
      'v1 Completed',
      'v2 RolledBack',
      'v6 Failed',
    ]);
    expect(view.entries.filter((entry) => entry.phase === 'Superseded')).toEqual([
      expect.objectContaining({ version: 5, note: 'v6 was approved while v5 waited' }),
    ]);
  });
});
