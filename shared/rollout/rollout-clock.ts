// The clock a decision about a rollout is made on. Decisions take the event's `time` so that a replayed
// timeline decides the same way, but events arrive late (EventBridge retries a target for up to its
// retry policy's age, Lambda's async queue keeps an event for up to MaximumEventAgeInSeconds) and a
// hand-made event can be dated in the future. A late event must never restart or shorten a bake, and
// a future one must never push a deadline out of reach, so: never before what the record already says
// happened, never after the wall clock. Pure.
import type { Rollout } from './rollout-state.ts';

/** How far an event may be ahead of this machine's clock (clock skew between AWS and Lambda) before it is capped. */
export const futureToleranceMs = 5 * 60_000;

/** The newest time the record says something happened at; undefined for a record without times. */
export function latestRecordedTime(rollout: Rollout | undefined): number | undefined {
  if (rollout === undefined) return undefined;
  const times = [
    rollout.phaseSince,
    rollout.bakeStartedAt,
    rollout.history.at(-1)?.at,
    rollout.trafficChanges?.at(-1)?.at,
    rollout.analyses?.at(-1)?.at,
  ]
    .map((time) => (time === undefined ? Number.NaN : Date.parse(time)))
    .filter((time) => Number.isFinite(time));
  return times.length === 0 ? undefined : Math.max(...times);
}

/**
 * The time to decide at: the event's, capped at the wall clock (plus skew) and never before the record's
 * newest time. The record's own time never decreases.
 */
export function decisionTime(eventTime: string, rollout: Rollout | undefined, wallClockMs: number): string {
  const event = Date.parse(eventTime);
  const capped = Math.min(event, wallClockMs + futureToleranceMs);
  const floor = latestRecordedTime(rollout);
  const at = floor === undefined ? capped : Math.max(capped, floor);
  return at === event ? eventTime : new Date(at).toISOString();
}
