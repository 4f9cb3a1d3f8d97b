// A bake with time left and no alarm firing has nothing to do but wait: at ten thousand rollouts a
// DescribeEndpoint each per tick would be 167 calls a second, far past SageMaker's rates. So such a tick
// decides from the record and the alarms the tick read in batches, and the endpoint is read on a slot of
// every few minutes instead, spread over the fleet. A change to the endpoint in between is not missed:
// any change of its status (a person's UpdateEndpoint or weights, auto scaling) sends a SageMaker Endpoint
// State Change event, on which endpoint-events reconciles the rollout with a full read at once; the slot is
// the backstop for an event that was lost. Pure.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { analysisDue, bakeMinutesOf, isAbTestSplit } from './analysis.ts';
import type { AlarmReading } from './observed-state.ts';
import type { Rollout } from './rollout-state.ts';
import { elapsedMinutes } from './rollout-step.ts';

const minute = 60_000;

/**
 * How often a quiet bake reads its endpoint: every 5 minutes, longer past 1,500 active rollouts, so that
 * these reads take at most half of SageMaker's DescribeEndpoint rate (10 a second, api-rate-limits.ts) and
 * the other half is left to the rollouts that step; 30 minutes at the most.
 */
export function endpointReadEveryMinutes(activeRollouts: number, describesPerSecond = 10): number {
  const perMinute = (describesPerSecond * 60) / 2;
  return Math.min(30, Math.max(5, Math.ceil(activeRollouts / perMinute)));
}

/** A stable slot for an endpoint among `every` minutes: the fleet's reads spread over them. */
function slotOf(endpointName: string, every: number): number {
  let hash = 0;
  for (const char of endpointName) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return hash % every;
}

/** Whether this tick is the endpoint's slot to be read. */
export function endpointReadDue(endpointName: string, now: string, every: number): boolean {
  return Math.floor(Date.parse(now) / minute) % every === slotOf(endpointName, every);
}

/**
 * The wait a tick may decide without reading the endpoint, or undefined when it must read it: outside a
 * bake, in its first and last minute, paused or promoted, with evidence to read, an alarm in ALARM, without
 * data (unless the policy counts that as OK), missing, or changed since the rollout last looked (its history
 * is read), or in the endpoint's slot.
 */
export function quietBakeNote(
  group: GroupPolicy,
  rollout: Rollout,
  alarms: Readonly<Record<string, AlarmReading>>,
  now: string,
  readEveryMinutes: number,
): string | undefined {
  if (rollout.phase !== 'Baking' || rollout.bakeStartedAt === undefined) return undefined;
  if (rollout.paused || rollout.promotedBy !== undefined || rollout.stage !== 'canary') return undefined;
  if (analysisDue(group, rollout, now) || isAbTestSplit(group, rollout)) return undefined;
  const bakeMinutes = bakeMinutesOf(group, rollout);
  const waited = elapsedMinutes(rollout.bakeStartedAt, now);
  if (waited < 1 || waited >= bakeMinutes - 1) return undefined;
  const seen = rollout.alarmTransitionsSeen;
  if (seen === undefined) return undefined;
  for (const name of new Set([...rollout.watchedAlarms, ...rollout.guardAlarms])) {
    const reading = alarms[name];
    if (reading === undefined || reading.state === 'ALARM') return undefined;
    // No data holds a bake unless the policy counts it as OK (common-steps.ts: blockingAlarm).
    if (reading.state === 'INSUFFICIENT_DATA' && !group.rollout.insufficientDataIsOk) return undefined;
    if (reading.transitionedAt !== undefined && reading.transitionedAt !== seen[name]) return undefined;
  }
  if (endpointReadDue(rollout.endpointName, now, readEveryMinutes)) return undefined;
  return `baking: ${Math.floor(waited)} of ${bakeMinutes} min, no alarm firing (the endpoint is read every ${readEveryMinutes} min and on each change of its status)`;
}
