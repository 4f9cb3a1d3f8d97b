import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { modelPackageEvent } from '../../cli/event-builders.ts';
import { abortRollout } from '../../cli/operator-commands.ts';
import { replayEvent } from '../../cli/replay.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { deployProductionEndpoint } from '../../demo/production-endpoint.ts';
import { deployByHand, imageAndArtifactOf } from '../support/hand-deployed-endpoint.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { samplePolicyWith } from '../support/policy-variants.ts';
import { rolloutStory } from '../support/rollout-story.ts';
import { sampleEvent } from '../support/sample-events.ts';

let local: LocalStack;
const sagemaker = new SageMakerClient({});
const dynamodb = new DynamoDBClient({});

async function statusOf(packageArn: string) {
  const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
  return { status: described.ModelApprovalStatus, description: described.ApprovalDescription };
}

async function recordedItems() {
  return (await dynamodb.send(new ScanCommand({ TableName: local.context().settings.rolloutsTableName }))).Items ?? [];
}

const scratch = mkdtempSync(join(tmpdir(), 'sagemaker-rollout-approve-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Writes a changed copy of a sample event to a temporary file for replay. */
function eventFile(name: string, change: (event: ReturnType<typeof sampleEvent>) => void): string {
  const event = sampleEvent(name);
  change(event);
  const path = join(scratch, `${name}-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(event));
  return path;
}

const localStack = useLocalStack();
beforeEach(() => {
  local = localStack();
});

describe('approve, against the emulator', () => {
  it('approves the pending version whose report passes every rule, once, however many events arrive', async () => {
    const packageArn = await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.93, 0.05),
    });

    const first = await local.replay('model-package-pending-approval');
    const duplicate = await local.replay('model-package-pending-approval');

    expect(first).toMatchObject({ function: 'approve', outcome: 'approved', status: 'handled' });
    expect(duplicate).toMatchObject({ outcome: 'ignored: already Approved', actions: [] });
    const { status, description } = await statusOf(packageArn);
    expect(status).toBe('Approved');
    expect(description).toContain('binary_classification_metrics.auc.value = 0.93 (min 0.85, no champion yet): pass');
    expect(description).toContain('false_positive_rate.value = 0.05 (max 0.1): pass');
  });

  it('rejects a version below the bar, with the failing rule in the description', async () => {
    const packageArn = await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.8, 0.05),
    });

    expect((await local.replay('model-package-pending-approval')).outcome).toBe('rejected');
    const { status, description } = await statusOf(packageArn);
    expect(status).toBe('Rejected');
    expect(description).toContain('= 0.8 (min 0.85, no champion yet): FAIL, below min 0.85');
  });

  it('rejects a challenger that does not beat the champion by the margin', async () => {
    await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.9, 0.05),
      approvalStatus: 'Approved',
    });
    const challenger = await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.902, 0.05),
    });
    const path = eventFile('model-package-pending-approval', (event) => {
      event.detail.ModelPackageArn = challenger;
      event.detail.ModelPackageVersion = 2;
    });

    expect((await local.replayFile(path)).outcome).toBe('rejected');
    expect((await statusOf(challenger)).description).toContain(
      '(min 0.85, champion 0.9 + 0.005): FAIL, does not beat the champion by 0.005',
    );
  });

  it('leaves a version without an evaluation report pending and records one notice for any number of events', async () => {
    const packageArn = await registerModelPackage({ groupName: 'fraud-detector' });

    const first = await local.replay('model-package-pending-approval');
    const second = await local.replay('model-package-pending-approval');

    expect(first.outcome).toBe('left pending: evidence missing');
    expect(first.actions.map((action) => action.operation)).toEqual(['PutItem', 'Publish', 'PutEvents']);
    const notice = first.actions.find((action) => action.operation === 'Publish')?.input as { Message?: string };
    expect(notice.Message?.split('\n').at(-1)).toMatch(
      /^To approve it by hand: aws sagemaker update-model-package --model-package-arn arn:aws:sagemaker:\S+ --model-approval-status Approved$/,
    );
    expect(second.actions.map((action) => action.operation)).toEqual([]);
    expect((await statusOf(packageArn)).status).toBe('PendingManualApproval');
    expect(await recordedItems()).toHaveLength(1);
  });

  it('leaves a manual group alone', async () => {
    const packageArn = await registerModelPackage({
      groupName: 'churn-model',
      evaluationReport: binaryClassificationReport(0.99, 0.01),
    });
    expect((await local.replay('model-package-manual-group')).outcome).toBe('ignored: manual approval');
    expect((await statusOf(packageArn)).status).toBe('PendingManualApproval');
  });

  it('plans but does not write in a dry run', async () => {
    const packageArn = await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.93, 0.05),
    });

    const report = await local.replay('model-package-pending-approval', { dryRun: true });

    expect(report.outcome).toBe('approved');
    expect(report.actions.map((action) => `${action.service} ${action.operation}`)).toEqual([
      'sagemaker UpdateModelPackage',
      'dynamodb PutItem',
      'sns Publish',
      'events PutEvents',
    ]);
    expect((await statusOf(packageArn)).status).toBe('PendingManualApproval');
    expect(await recordedItems()).toHaveLength(0);
  });
});

/** A pending version of fraud-detector judged by the real approve handler; its status and the notice sent. */
async function judged(packageArn: string) {
  const report = await local.send(modelPackageEvent('PendingManualApproval', packageArn, '2026-11-25T10:00:00Z'));
  const notice = report.actions.find((action) => action.operation === 'Publish')?.input as { Message?: string };
  return { outcome: report.outcome, notice: notice?.Message ?? '', ...(await statusOf(packageArn)) };
}
const fraudVersion = (auc: number, approvalStatus?: 'Approved') =>
  registerModelPackage({
    groupName: 'fraud-detector',
    evaluationReport: binaryClassificationReport(auc, 0.05),
    ...(approvalStatus === undefined ? {} : { approvalStatus }),
  });

describe('the champion of an endpoint deployed by hand (no rollout yet)', () => {
  it('is the version its model names (ModelPackageName), not the newest Approved one', async () => {
    await deployProductionEndpoint('fraud-detector', 'fraud-prod', () => local.emulator.settle()); // v1, AUC 0.9
    await fraudVersion(0.86, 'Approved'); // v2: Approved, never deployed
    const v3 = await fraudVersion(0.87);

    const verdict = await judged(v3);

    expect(verdict.outcome).toBe('rejected');
    expect(verdict.description).toContain('= 0.87 (min 0.85, champion 0.9 + 0.005): FAIL, does not beat the champion');
  });

  it('is the version registered with the image and artifact its model was created from', async () => {
    // The reported case: v1 (0.9) serving from a model the team made of its image and artifact; v2 (0.86) Approved.
    const v1 = await fraudVersion(0.9, 'Approved');
    await deployByHand('fraud-prod', await imageAndArtifactOf(v1), () => local.emulator.settle());
    await fraudVersion(0.86, 'Approved');
    const v3 = await fraudVersion(0.87);

    const verdict = await judged(v3);

    expect(verdict.outcome).toBe('rejected');
    expect(verdict.description).toContain('= 0.87 (min 0.85, champion 0.9 + 0.005): FAIL, does not beat the champion');
  });

  it('is still the version deployed by hand after the stack’s first rollout there was rolled back', async () => {
    const story = rolloutStory(local);
    await story.createWatchedAlarms();
    await deployProductionEndpoint('fraud-detector', 'fraud-prod', story.settle); // v1, AUC 0.9
    await story.approved(await story.registerApproved()); // v2
    await story.tickUntil(['Baking']);
    await abortRollout(local.context(), 'fraud-prod', 'test', 'customer complaint', story.now());
    await story.tickUntil(['RolledBack']);
    const v3 = await fraudVersion(0.902);

    const verdict = await judged(v3);

    // The record retained no version (none completed): its incumbent, recorded when v2 started, is the champion.
    expect(verdict.outcome).toBe('rejected');
    expect(verdict.description).toContain('= 0.902 (min 0.85, champion 0.9 + 0.005): FAIL, does not beat the champion');
  });

  it('leaves the version pending, saying why and what a person can do, when what serves is no version of the group', async () => {
    const v1 = await fraudVersion(0.9, 'Approved');
    const retrained = { ...(await imageAndArtifactOf(v1)), ModelDataUrl: 's3://team-bucket/retrained/model.tar.gz' };
    await deployByHand('fraud-prod', retrained, () => local.emulator.settle());
    const v2 = await fraudVersion(0.99);

    const verdict = await judged(v2);

    expect(verdict.outcome).toBe('left pending: evidence missing');
    expect(verdict.status).toBe('PendingManualApproval');
    expect(verdict.notice).toContain(
      'champion UNKNOWN (the endpoint fraud-prod serves model fraud-prod-by-hand (image ' +
        '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-detector:latest, artifact ' +
        's3://team-bucket/retrained/model.tar.gz), which matches no version of fraud-detector): a person compares it ' +
        'with the version that serves and approves or rejects it by hand',
    );
    expect(verdict.notice.split('\n').at(-1)).toBe(
      `To approve it by hand: aws sagemaker update-model-package --model-package-arn ${v2} --model-approval-status Approved`,
    );
  });
});

describe('evidence that is not read as evidence', () => {
  it('leaves a version pending whose report is over 5 MB, naming its size and the limit', async () => {
    const report = { ...(binaryClassificationReport(0.99, 0.01) as object), padding: 'x'.repeat(5 * 1024 * 1024) };
    const packageArn = await registerModelPackage({ groupName: 'fraud-detector', evaluationReport: report });

    const verdict = await judged(packageArn);

    expect(verdict.outcome).toBe('left pending: evidence missing');
    expect(verdict.status).toBe('PendingManualApproval');
    const size = JSON.stringify(report).length;
    expect(verdict.notice).toMatch(
      new RegExp(
        `the report s3://\\S+/evaluation\\.json is ${size} bytes, over the limit of 5242880 bytes \\(5 MB\\): not read`,
      ),
    );
  });

  it('does not take a string in a report for a number', async () => {
    const packageArn = await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: {
        binary_classification_metrics: { auc: { value: '0.93' }, false_positive_rate: { value: 0.05 } },
      },
    });

    const verdict = await judged(packageArn);

    expect(verdict.outcome).toBe('left pending: evidence missing');
    expect(verdict.notice).toContain(
      'binary_classification_metrics.auc.value: MISSING (binary_classification_metrics.auc.value in the evaluation report is not a JSON number: "0.93")',
    );
  });

  it('takes a metadata value for a number only when it is written as a JSON number', async () => {
    const policy = samplePolicyWith((raw) => {
      Object.assign(raw.modelPackageGroups['fraud-detector']?.approval ?? {}, {
        rules: [{ metric: 'accuracy', source: 'metadata', min: 0.9 }],
      });
    });
    const setup = { routes: local.stack.routes, policy, settings: local.context().settings, dryRun: false };
    const judgedWithMetadata = async (accuracy: string) => {
      const packageArn = await registerModelPackage({
        groupName: 'fraud-detector',
        customerMetadata: { accuracy },
      });
      const report = await replayEvent(
        modelPackageEvent('PendingManualApproval', packageArn, '2026-11-25T10:00:00Z'),
        setup,
      );
      return { outcome: report.outcome, ...(await statusOf(packageArn)) };
    };

    for (const notANumber of ['0x1', '0b1', ' 9e-1\n', '', 'Infinity']) {
      expect(await judgedWithMetadata(notANumber), JSON.stringify(notANumber)).toMatchObject({
        outcome: 'left pending: evidence missing',
        status: 'PendingManualApproval',
      });
    }
    expect(await judgedWithMetadata('0.93')).toMatchObject({
      outcome: 'approved',
      status: 'Approved',
      description: 'sagemaker-rollout approved automatically: metadata accuracy = 0.93 (min 0.9): pass',
    });
  });
});
