// People's commands decided by the core for every target, from the target's capabilities: what each target
// holds, and what it refuses in its own words, changing nothing.
import { describe, expect, it } from 'vitest';
import { applyOperatorCommand } from '#shared/rollout/operator-commands.ts';
import type { Phase } from '#shared/rollout/rollout-state.ts';
import { driverFor } from '#shared/targets/drivers.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';

const at = '2026-11-25T09:30:00Z';
const recordOn = (target: string | undefined, phase: Phase) =>
  rolloutRecord({ endpointName: 'prod', groupName: 'group', packageVersion: 2, phase, ...(target ? { target } : {}) });
const capabilitiesOf = (target: string | undefined) => driverFor({ target }).decisions.capabilities;

describe('applyOperatorCommand', () => {
  it.each([
    [undefined, 'Baking', true],
    [undefined, 'Creating', false],
    ['serverless', 'Starting', true],
    ['serverless', 'Deploying', false],
    ['multi-model', 'Baking', true],
    ['batch-transform', 'Starting', true],
    ['batch-transform', 'Deploying', false],
  ] as const)('pause on %s in %s: held %s', (target, phase, held) => {
    const rollout = recordOn(target, phase);
    const outcome = applyOperatorCommand(capabilitiesOf(target), rollout, { kind: 'pause' }, 'alice', at);
    if (held) {
      expect(outcome).toMatchObject({ next: { paused: true, history: [{ note: 'paused by alice', actor: 'alice' }] } });
    } else {
      expect(outcome).toEqual({
        refused: `endpoint prod: not paused: v2 is ${phase} on ${capabilitiesOf(target).describedAs}; ${capabilitiesOf(target).pauseRefused}`,
      });
    }
  });

  it('never holds a rollback, on any target', () => {
    for (const target of [undefined, 'serverless', 'multi-model', 'batch-transform']) {
      const outcome = applyOperatorCommand(
        capabilitiesOf(target),
        recordOn(target, 'RollingBack'),
        { kind: 'pause' },
        'alice',
        at,
      );
      expect(outcome).toMatchObject({ refused: expect.stringContaining('a rollback is never held') });
    }
  });

  it('promotes only where the target steps traffic itself, and says why elsewhere', () => {
    const promote = { kind: 'promote', reason: 'looks good' } as const;
    expect(
      applyOperatorCommand(capabilitiesOf(undefined), recordOn(undefined, 'Baking'), promote, 'bob', at),
    ).toMatchObject({
      next: { promotedBy: 'bob', paused: false },
    });
    expect(
      applyOperatorCommand(capabilitiesOf('serverless'), recordOn('serverless', 'Deploying'), promote, 'bob', at),
    ).toEqual({
      refused: `endpoint prod: not promoted: v2 is Deploying on a serverless endpoint (SageMaker's deployment guardrails); ${capabilitiesOf('serverless').promoteRefused}`,
    });
  });

  it('aborts to a rollback once the target was touched, to Failed before, and never a first deployment', () => {
    const abort = { kind: 'abort', reason: 'wrong features' } as const;
    expect(
      applyOperatorCommand(capabilitiesOf(undefined), recordOn(undefined, 'Baking'), abort, 'carol', at),
    ).toMatchObject({
      next: {
        phase: 'RollingBack',
        rollbackCause: 'operator',
        reason: 'aborted by carol: wrong features',
        phaseSince: at,
      },
    });
    expect(
      applyOperatorCommand(
        capabilitiesOf('batch-transform'),
        recordOn('batch-transform', 'Starting'),
        abort,
        'carol',
        at,
      ),
    ).toMatchObject({
      next: { phase: 'Failed' },
    });
    expect(
      applyOperatorCommand(capabilitiesOf(undefined), recordOn(undefined, 'Creating'), abort, 'carol', at),
    ).toMatchObject({
      refused: expect.stringContaining('a first deployment has no earlier version to roll back to'),
    });
  });

  it('changes nothing for a command already in effect (the same record object: nothing is written)', () => {
    const paused = { ...recordOn(undefined, 'Baking'), paused: true };
    expect(applyOperatorCommand(capabilitiesOf(undefined), paused, { kind: 'pause' }, 'alice', at)).toEqual({
      next: paused,
    });
    const running = recordOn(undefined, 'Baking');
    expect(applyOperatorCommand(capabilitiesOf(undefined), running, { kind: 'resume' }, 'alice', at)).toEqual({
      next: running,
    });
  });
});
