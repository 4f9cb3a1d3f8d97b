import { isActive, type Rollout } from './rollout-state.ts';

export interface QueuedVersion {
  readonly packageArn: string;
  readonly packageVersion: number;
  readonly groupName: string;
  readonly queuedAt: string;
}

export interface ApprovedVersion {
  readonly packageArn: string;
  readonly packageVersion: number;
}

export type StartDecision =
  | { readonly kind: 'start' }
  | { readonly kind: 'queue'; readonly supersedes?: QueuedVersion }
  | { readonly kind: 'ignore'; readonly reason: string };

/**
 * What an approval means for the endpoint, given its latest rollout and queue. Versions only move
 * forward: a duplicate or late event for a version at or below what was already rolled out (or
 * rolled back) changes nothing, so a rolled-back version is never redeployed by a stale event.
 */
export function decideOnApproval(
  candidate: ApprovedVersion,
  latest: Rollout | undefined,
  queued: QueuedVersion | undefined,
): StartDecision {
  if (latest !== undefined && candidate.packageVersion <= latest.packageVersion) {
    const relation =
      candidate.packageVersion === latest.packageVersion ? 'is' : `is older than v${latest.packageVersion}, which is`;
    return { kind: 'ignore', reason: `v${candidate.packageVersion} ${relation} already ${latest.phase}` };
  }
  if (queued !== undefined && candidate.packageVersion <= queued.packageVersion) {
    return { kind: 'ignore', reason: `v${queued.packageVersion} is already queued` };
  }
  if (isActive(latest)) return queued === undefined ? { kind: 'queue' } : { kind: 'queue', supersedes: queued };
  return { kind: 'start' };
}
