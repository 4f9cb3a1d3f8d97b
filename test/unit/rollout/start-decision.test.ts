import { describe, expect, it } from 'vitest';
import { activePhases, type Phase, type Rollout, terminalPhases } from '#shared/rollout/rollout-state.ts';
import { type ApprovedVersion, decideOnApproval, type QueuedVersion } from '#shared/rollout/start-decision.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';

const groupName = 'fraud-detector';
const endpointName = 'fraud-endpoint';
const arnOf = (version: number) => `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/${version}`;

function rollout(packageVersion: number, phase: Phase, overrides: Partial<Rollout> = {}): Rollout {
  return rolloutRecord({
    endpointName,
    groupName,
    packageVersion,
    phase,
    phaseSince: '2025-03-03T09:00:00.000Z',
    incumbentConfigName: `${endpointName}-v${packageVersion - 1}-final`,
    incumbentVariants: [{ VariantName: `${groupName}-${packageVersion - 1}`, InitialVariantWeight: 1 }],
    targetConfigName: `${endpointName}-v${packageVersion}-canary`,
    history: [{ at: '2025-03-03T09:00:00.000Z', phase, note: 'test' }],
    ...overrides,
  });
}

const approved = (packageVersion: number): ApprovedVersion => ({ packageArn: arnOf(packageVersion), packageVersion });

const queuedVersion = (packageVersion: number): QueuedVersion => ({
  packageArn: arnOf(packageVersion),
  packageVersion,
  groupName,
  queuedAt: '2025-03-03T09:30:00.000Z',
});

const allPhases: readonly Phase[] = [...activePhases, ...terminalPhases];

describe('decideOnApproval', () => {
  it('starts when nothing was recorded for the endpoint', () => {
    expect(decideOnApproval(approved(1), undefined, undefined)).toEqual({ kind: 'start' });
  });

  it.each(terminalPhases)('starts a newer version once the latest rollout is %s', (phase) => {
    expect(decideOnApproval(approved(4), rollout(3, phase), undefined)).toEqual({ kind: 'start' });
  });

  it.each(allPhases)('ignores the version the latest rollout already has, when that rollout is %s', (phase) => {
    expect(decideOnApproval(approved(3), rollout(3, phase), undefined)).toEqual({
      kind: 'ignore',
      reason: `v3 is already ${phase}`,
    });
  });

  it.each(allPhases)('ignores a version older than the latest rollout, naming both, when it is %s', (phase) => {
    expect(decideOnApproval(approved(2), rollout(3, phase), undefined)).toEqual({
      kind: 'ignore',
      reason: `v2 is older than v3, which is already ${phase}`,
    });
  });

  it('never redeploys a rolled-back version from a late approval, even with nothing queued', () => {
    const decision = decideOnApproval(approved(5), rollout(5, 'RolledBack'), undefined);
    expect(decision.kind).toBe('ignore');
  });

  it.each(activePhases)('queues a newer version while the latest rollout is %s, superseding nothing', (phase) => {
    expect(decideOnApproval(approved(4), rollout(3, phase), undefined)).toStrictEqual({ kind: 'queue' });
  });

  it.each(activePhases)('queues a newer version over an older queued one while the latest is %s', (phase) => {
    const queued = queuedVersion(4);
    expect(decideOnApproval(approved(5), rollout(3, phase), queued)).toEqual({ kind: 'queue', supersedes: queued });
  });

  it.each([
    { candidate: 5, queued: 5, relation: 'the same as' },
    { candidate: 4, queued: 5, relation: 'older than' },
  ])('ignores a version $relation the queued one', ({ candidate, queued }) => {
    expect(decideOnApproval(approved(candidate), rollout(3, 'Baking'), queuedVersion(queued))).toEqual({
      kind: 'ignore',
      reason: `v${queued} is already queued`,
    });
  });

  it('gives the latest rollout precedence over the queue when the version is at or below both', () => {
    expect(decideOnApproval(approved(3), rollout(3, 'Baking'), queuedVersion(4))).toEqual({
      kind: 'ignore',
      reason: 'v3 is already Baking',
    });
  });

  it('ignores a version at or below the queued one even when nothing was rolled out yet', () => {
    expect(decideOnApproval(approved(2), undefined, queuedVersion(2))).toEqual({
      kind: 'ignore',
      reason: 'v2 is already queued',
    });
  });
});
