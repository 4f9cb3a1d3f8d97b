import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { binaryClassificationReport, registerModelPackage } from '../../tools/model-registry-seed.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
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
