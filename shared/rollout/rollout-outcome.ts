// What a rollback ends in, and whether it rejects the package: decided here, once, for every target.
// A target's driver only says what serves again and what to clean up (targets/<kind>/decisions.ts).

import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { analysisReport } from './analysis.ts';
import type { Rollout } from './rollout-state.ts';
import { moveTo, notify, type RolloutAction, type RolloutStep } from './rollout-step.ts';

export type RollbackCause = NonNullable<Rollout['rollbackCause']>;

/**
 * Only evidence says the model is bad: an alarm, or its metrics against the incumbent's. A person's abort
 * decides for the version too (RolledBack), without judging it; a missed deadline or an update SageMaker
 * refused says nothing of the model: the rollout failed, not the version.
 */
const outcomes: Readonly<
  Record<RollbackCause, { readonly phase: 'RolledBack' | 'Failed'; readonly evidence: boolean }>
> = {
  alarm: { phase: 'RolledBack', evidence: true },
  analysis: { phase: 'RolledBack', evidence: true },
  operator: { phase: 'RolledBack', evidence: false },
  'failed-update': { phase: 'Failed', evidence: false },
  deadline: { phase: 'Failed', evidence: false },
};

export function rollbackOutcome(cause: RollbackCause): 'RolledBack' | 'Failed' {
  return outcomes[cause].phase;
}

/** rejectOnRollback rejects the package only when evidence rolled it back. */
export function rejectsPackage(group: GroupPolicy, cause: RollbackCause): boolean {
  return group.rollout.rejectOnRollback && outcomes[cause].evidence;
}

export interface RollbackEnd {
  /** What serves again, as a sentence for the notice ("All traffic is back on fraud-prod-config"). */
  readonly serves: string;
  /** Actions that put the old version back, when the ending itself does it (clients told again): sent first. */
  readonly restore?: readonly RolloutAction[];
  /** What the rollout made for the new version and no longer needs. */
  readonly cleanup: readonly RolloutAction[];
  readonly note: string;
}

/** Evidence that rolled it back: its report, both variants per metric, after the reason. */
function evidenceReport(rollout: Rollout): string {
  const last = rollout.analyses?.at(-1);
  return rollout.rollbackCause === 'analysis' && last?.verdict === 'fail' ? `\n\n${analysisReport(last)}` : '';
}

/**
 * The rollback is done (the driver verified what serves): the rollout ends RolledBack or Failed by its
 * cause, rejects the package if evidence caused it, cleans up and says so. The rejection comes after what
 * restores the old version and before the clean-up, so a failed clean-up never loses it.
 */
export function endRollback(group: GroupPolicy, rollout: Rollout, now: string, end: RollbackEnd): RolloutStep {
  const cause = rollout.rollbackCause ?? 'operator';
  const reason = rollout.reason ?? 'rolled back';
  const phase = rollbackOutcome(cause);
  const rejection: RolloutAction[] = rejectsPackage(group, cause)
    ? [{ kind: 'rejectPackage', reason: `sagemaker-rollout rolled back ${rollout.endpointName}: ${reason}` }]
    : [];
  return {
    next: moveTo(rollout, phase, now, `rolled back: ${reason}`),
    actions: [
      ...(end.restore ?? []),
      ...rejection,
      ...end.cleanup,
      notify(
        rollout,
        phase === 'Failed' ? 'failed' : 'was rolled back',
        `${end.serves}. Reason: ${reason}${evidenceReport(rollout)}`,
      ),
    ],
    note: end.note,
  };
}
