// What people do by hand: see what the rollouts are doing, hold one, let it go on, or pull it back now.

import { readAlarms } from '#shared/aws/cloudwatch.ts';
import { listActiveWork, readEndpointState, saveRollout } from '#shared/aws/rollout-store.ts';
import { announceTransition } from '#shared/engine/notices.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { BadInputError, RaceLostError } from '#shared/errors.ts';
import { endpointName as endpointNameSchema } from '#shared/policy/policy-schema.ts';
import { decisionTime } from '#shared/rollout/rollout-clock.ts';
import { isActive, type Rollout } from '#shared/rollout/rollout-state.ts';
import { type RunContext, wallClockOf } from '#shared/runtime/run-context.ts';
import { type StatusView, statusLines, statusView, waitingWords } from './status-view.ts';

function describeRollout(rollout: Rollout): string {
  const stepped = (rollout.target ?? 'real-time') === 'real-time' && rollout.stage === 'canary';
  const step = rollout.phase === 'Baking' && stepped ? ` step ${rollout.stepIndex + 1}` : '';
  // What clients or scheduled jobs are pointed at, for the targets that point rather than shift traffic.
  const pointer =
    rollout.targetModel !== undefined
      ? ` target model ${rollout.targetModel}`
      : rollout.transformJobName !== undefined
        ? ` job ${rollout.transformJobName}`
        : '';
  const paused = rollout.paused ? ' (paused)' : '';
  const reason = rollout.reason === undefined ? '' : `: ${rollout.reason}`;
  const waiting = rollout.waitingFor === undefined ? '' : ` (${waitingWords(rollout.waitingFor)})`;
  return `${rollout.endpointName}: v${rollout.packageVersion} ${rollout.phase}${step}${pointer}${paused} since ${rollout.phaseSince}${reason}${waiting}`;
}

/** Refused before any AWS call: a name that cannot be an endpoint of the policy. */
export function checkedEndpointName(endpointName: string): string {
  // A group without an endpoint of its own is named <shared endpoint>/<group> or batch/<group>.
  const [endpoint = '', group, ...rest] = endpointName.split('/');
  const parsed = endpointNameSchema.safeParse(endpoint);
  const groupOk = group === undefined || (rest.length === 0 && /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(group));
  if (!parsed.success || !groupOk) {
    const why = parsed.success
      ? 'expected <endpoint>/<group> for a group without an endpoint of its own'
      : (parsed.error.issues[0]?.message ?? 'invalid');
    throw new BadInputError(`endpoint ${JSON.stringify(endpointName)}: ${why}`);
  }
  return endpointName;
}

/**
 * A person's reason is a sentence or two, like the texts AWS bounds near it (an ApprovalDescription holds
 * 1,024 characters, a CloudWatch StateReason 1,023): a longer one is refused rather than cut, since the
 * person is there to shorten it. It is recorded on the rollout and sent to the topic.
 */
export const maxReasonLength = 1_000;

export function checkedText(what: string, text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new BadInputError(`${what} must not be empty (it is recorded and sent to the topic)`);
  const length = Array.from(trimmed).length;
  if (length > maxReasonLength) {
    throw new BadInputError(
      `${what} is ${length.toLocaleString('en-US')} characters; at most ${maxReasonLength.toLocaleString('en-US')} (it is recorded and sent to the topic)`,
    );
  }
  return trimmed;
}

export async function rolloutStatus(context: RunContext, endpointName: string | undefined): Promise<string[]> {
  if (endpointName === undefined) {
    const { rollouts } = await listActiveWork(context.settings.rolloutsTableName);
    return rollouts.length === 0 ? ['no active rollouts'] : rollouts.map(describeRollout);
  }
  const view = await statusView(context, checkedEndpointName(endpointName));
  return view === undefined ? [`${endpointName}: no rollout recorded`] : statusLines(view);
}

/** `rollout status --json`: one object per endpoint named, or per active rollout. */
export async function rolloutStatusViews(context: RunContext, endpointName: string | undefined): Promise<StatusView[]> {
  const names =
    endpointName === undefined
      ? (await listActiveWork(context.settings.rolloutsTableName)).rollouts.map((rollout) => rollout.endpointName)
      : [checkedEndpointName(endpointName)];
  const views: StatusView[] = [];
  for (const name of names) {
    const view = await statusView(context, name);
    if (view !== undefined) views.push(view);
  }
  return views;
}

async function activeRollout(context: RunContext, endpointName: string): Promise<Rollout> {
  const { rollout } = await readEndpointState(context.settings.rolloutsTableName, checkedEndpointName(endpointName));
  if (rollout === undefined || !isActive(rollout))
    throw new BadInputError(`endpoint ${endpointName}: no active rollout`);
  return rollout;
}

/** The record written only if no one else wrote it since it was read, then the decision announced. */
async function saveChange(context: RunContext, read: Rollout, changed: Rollout, at: string): Promise<Rollout> {
  if (changed === read) return read;
  const saved = await saveRollout(context.writer, context.settings.rolloutsTableName, changed, read);
  await announceTransition(context, context.policy.group(read.groupName), read, saved, at);
  return saved;
}

function raceLost(endpointName: string): BadInputError {
  return new BadInputError(
    `endpoint ${endpointName}: the rollout changed while this command ran (an alarm, the schedule or another person); nothing was changed: see rollout status ${endpointName}`,
  );
}

/** How often a command that must win (abort) reads the record again after another writer got there first. */
const abortAttempts = 5;

/**
 * Applies `change` to the active rollout, at the command's time (never before the record's own). A
 * command that lost a race to another writer is refused, unless `retry`: abort decides again from the
 * new record, so it wins over ticks and promotes (an alarm's rollback is already what it asks for).
 */
async function changeActive(
  context: RunContext,
  endpointName: string,
  commandTime: string,
  change: (rollout: Rollout, at: string) => Rollout,
  retry = false,
): Promise<Rollout> {
  for (let attempt = 1; ; attempt += 1) {
    const rollout = await activeRollout(context, endpointName);
    const at = decisionTime(commandTime, rollout, wallClockOf(context));
    try {
      return await saveChange(context, rollout, change(rollout, at), at);
    } catch (error) {
      if (!(error instanceof RaceLostError)) throw error;
      if (!retry || attempt >= abortAttempts) throw raceLost(endpointName);
    }
  }
}

function withNote(rollout: Rollout, at: string, note: string, changes: Partial<Rollout>, actor: string): Rollout {
  const entry = { at, phase: changes.phase ?? rollout.phase, note, actor };
  return { ...rollout, ...changes, history: [...rollout.history, entry] };
}

/** Holds the rollout at its current step; alarms still roll it back. */
export async function pauseRollout(context: RunContext, endpointName: string, who: string, now: string) {
  return describeRollout(
    await changeActive(context, endpointName, now, (rollout, at) =>
      rollout.paused ? rollout : withNote(rollout, at, `paused by ${who}`, { paused: true }, who),
    ),
  );
}

export async function resumeRollout(context: RunContext, endpointName: string, who: string, now: string) {
  return describeRollout(
    await changeActive(context, endpointName, now, (rollout, at) =>
      rollout.paused ? withNote(rollout, at, `resumed by ${who}`, { paused: false }, who) : rollout,
    ),
  );
}

/** The first step of what a command decided, taken at once rather than at the next tick. */
async function actNow(context: RunContext, endpointName: string, now: string): Promise<string> {
  const report = await reconcileEndpoint(context, endpointName, now);
  return `${endpointName}: ${report.phase ?? '-'} (${report.notes.join('; ')})`;
}

/** Rolls back now, exactly as an alarm would, and takes the first step at once. */
export async function abortRollout(
  context: RunContext,
  endpointName: string,
  who: string,
  reason: string,
  now: string,
) {
  const why = checkedText('--reason', reason);
  await changeActive(
    context,
    endpointName,
    now,
    (rollout, at) => {
      if (rollout.phase === 'RollingBack') return rollout;
      if (rollout.phase === 'Creating') {
        throw new BadInputError(`endpoint ${endpointName}: a first deployment has no earlier version to roll back to`);
      }
      const note = `aborted by ${who}: ${why}`;
      // Before the endpoint was touched there is nothing to roll back: the rollout simply fails.
      const untouched = rollout.phase === 'AwaitingPipeline' || rollout.phase === 'Starting';
      return withNote(
        rollout,
        at,
        note,
        { phase: untouched ? 'Failed' : 'RollingBack', phaseSince: at, reason: note, rollbackCause: 'operator' },
        who,
      );
    },
    true,
  );
  return actNow(context, endpointName, now);
}

/**
 * Takes a real-time canary straight to 100% and finalizes it: each remaining step still raises capacity
 * before its traffic moves, but none bakes. Only while every alarm the rollout watches is OK; an alarm
 * that fires afterwards still rolls it back.
 */
export async function promoteRollout(
  context: RunContext,
  endpointName: string,
  who: string,
  reason: string,
  now: string,
) {
  const why = checkedText('--reason', reason);
  const rollout = await activeRollout(context, endpointName);
  if ((rollout.target ?? 'real-time') !== 'real-time') {
    throw new BadInputError(
      `endpoint ${endpointName}: promote moves a real-time endpoint's traffic; a ${rollout.target} rollout has no steps to skip`,
    );
  }
  if (rollout.phase !== 'Deploying' && rollout.phase !== 'Baking') {
    throw new BadInputError(
      `endpoint ${endpointName}: v${rollout.packageVersion} is ${rollout.phase}; only a rollout that is deploying or baking can be promoted`,
    );
  }
  if (rollout.promotedBy !== undefined) return describeRollout(rollout);
  const alarmNames = [...new Set([...rollout.watchedAlarms, ...rollout.guardAlarms])];
  const readings = await readAlarms(alarmNames);
  const notOk = alarmNames.filter((name) => readings[name]?.state !== 'OK');
  if (notOk.length > 0) {
    const states = notOk.map((name) => `${name} is ${readings[name]?.state ?? 'missing'}`).join(', ');
    throw new BadInputError(`endpoint ${endpointName}: not promoted: ${states}; promote needs every alarm OK`);
  }
  const note = `promoted by ${who}: ${why}`;
  const at = decisionTime(now, rollout, wallClockOf(context));
  await saveChange(context, rollout, withNote(rollout, at, note, { promotedBy: who, paused: false }, who), at).catch(
    (error: unknown) => {
      throw error instanceof RaceLostError ? raceLost(endpointName) : error;
    },
  );
  return actNow(context, endpointName, now);
}
