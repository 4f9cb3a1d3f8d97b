// The engine's own reads of the watched alarms, besides what each target observes: an ALARM that came and
// went between two ticks (its history), and the alarms at the moment traffic is about to move.
import { lastAlarmSince } from '#shared/aws/cloudwatch.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import { alarmsToLookBack } from '#shared/rollout/rollout-decision.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { alarmsForbidTraffic } from '#shared/rollout/rollout-step.ts';
import { type AlarmStates, readAlarmStates } from '#shared/targets/shared-reads.ts';

/** The observation with the watched alarms that went to ALARM since the rollout last looked (alarm history). */
export async function withMissedAlarms(rollout: Rollout, observed: Observed, rollbackable: boolean): Promise<Observed> {
  const lookBack = alarmsToLookBack(rollout, observed, rollbackable);
  if (lookBack.length === 0) return observed;
  const found = await Promise.all(
    lookBack.map(async ({ name, since }) => [name, await lastAlarmSince(name, since)] as const),
  );
  const missedAlarms = Object.fromEntries(found.flatMap(([name, missed]) => (missed ? [[name, missed]] : [])));
  return Object.keys(missedAlarms).length === 0 ? observed : { ...observed, missedAlarms };
}

/**
 * The watched alarms read now, and why they forbid giving the new version more traffic (undefined: they
 * allow it). The tick's states may be a minute old; this is read at the moment of the write.
 */
export async function alarmsNowForbidTraffic(
  rollout: Rollout,
  group: GroupPolicy,
): Promise<{ readonly forbidden?: string; readonly freshAlarms: AlarmStates }> {
  const freshAlarms = await readAlarmStates(rollout.watchedAlarms);
  const states = Object.fromEntries(rollout.watchedAlarms.map((name) => [name, freshAlarms.readings[name]?.state]));
  const forbidden = alarmsForbidTraffic(rollout, group.rollout.insufficientDataIsOk, states);
  return { freshAlarms, ...(forbidden === undefined ? {} : { forbidden }) };
}
