import type { Writer } from '#shared/aws/aws-writes.ts';
import type { Policy } from '#shared/policy/load-policy.ts';
import type { Settings } from './settings.ts';

/** What every use case needs besides its event: the policy, where state lives, and how to write. */
export interface RunContext {
  readonly policy: Policy;
  readonly settings: Settings;
  readonly writer: Writer;
}

/** What a use case reports back: a short outcome for logs and replay, and the writes it made. */
export interface RunResult {
  readonly outcome: string;
}
