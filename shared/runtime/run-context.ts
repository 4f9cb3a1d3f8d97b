import type { Writer } from '#shared/aws/aws-writes.ts';
import type { Policy } from '#shared/policy/policy-document.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { logger } from './logger.ts';
import type { Settings } from './settings.ts';

/** Counts of what the functions decided, for dashboards and alarms on the system itself. */
export type DecisionMetric =
  | 'ApprovalApproved'
  | 'ApprovalRejected'
  | 'ApprovalNeedsHuman'
  | 'RolloutStarted'
  | 'RolloutQueued'
  | 'RolloutCompleted'
  | 'RolloutRollingBack'
  | 'RolloutRolledBack'
  | 'RolloutFailed'
  | 'NotificationFailed'
  | 'EventsFailed';

/** What every use case needs besides its event: the policy, where state lives, and how to write. */
export interface RunContext {
  readonly policy: Policy;
  readonly settings: Settings;
  readonly writer: Writer;
  /** Counts a decision; the Lambda entry publishes them as CloudWatch metrics, replay and tests drop them. */
  readonly countDecision?: (metric: DecisionMetric) => void;
  /** Milliseconds left in this invocation (Lambda's clock); absent: no limit (replay, tests). */
  readonly remainingTimeMs?: () => number;
  /**
   * Waits `ms` (Lambda: a timer; tests: the emulator finishing its updates). Absent: this run never waits
   * for SageMaker, the next tick carries on (replay, the demo).
   */
  readonly pause?: (ms: number) => Promise<void>;
  /** This machine's clock, in ms since the epoch (absent: Date.now); caps an event dated in the future. */
  readonly wallClockMs?: () => number;
}

/** The wall clock of this run: decisions use the event's time, bounded by this (rollout-clock.ts). */
export function wallClockOf(context: Pick<RunContext, 'wallClockMs'>): number {
  return context.wallClockMs?.() ?? Date.now();
}

/** What a use case reports back: a short outcome for logs and replay, and the writes it made. */
export interface RunResult {
  readonly outcome: string;
}

/**
 * An event about something this stack does not own or that no longer exists: nothing to do, and nothing
 * a retry would change, so it ends well (no Lambda retry, no dead letter) but leaves a warning in the log.
 */
export function ignoreWithWarning(reason: string, keys: Record<string, unknown> = {}): RunResult {
  logger.warn(`ignored: ${reason}`, keys);
  return { outcome: `ignored: ${reason}` };
}

/**
 * The policy of a group the functions may act on; undefined for a group not configured, and for one whose
 * endpoint another key of the policy claims too (two groups on one endpoint would replace each other's
 * variants). The caller treats both as not configured; the second also leaves a warning, since the policy
 * needs fixing (npm run check names both keys).
 */
export function groupToActOn(
  policy: Policy,
  groupName: string,
  keys: Record<string, unknown> = {},
): GroupPolicy | undefined {
  const found = policy.lookup(groupName);
  if (found.kind === 'endpoint claimed twice') {
    logger.warn(`group not acted on: ${found.reason} (one group per endpoint)`, {
      ...keys,
      modelPackageGroup: groupName,
      endpointName: found.endpointName,
      otherPolicyKey: found.other.key,
    });
  }
  return found.kind === 'configured' ? found.group : undefined;
}
