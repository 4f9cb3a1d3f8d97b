import type { Writer } from '#shared/aws/aws-writes.ts';
import type { Policy } from '#shared/policy/policy-document.ts';
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
  | 'RolloutFailed';

/** What every use case needs besides its event: the policy, where state lives, and how to write. */
export interface RunContext {
  readonly policy: Policy;
  readonly settings: Settings;
  readonly writer: Writer;
  /** Counts a decision; the Lambda entry publishes them as CloudWatch metrics, replay and tests drop them. */
  readonly countDecision?: (metric: DecisionMetric) => void;
}

/** What a use case reports back: a short outcome for logs and replay, and the writes it made. */
export interface RunResult {
  readonly outcome: string;
}
