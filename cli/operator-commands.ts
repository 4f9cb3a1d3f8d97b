// What people do by hand: see what the rollouts are doing, hold one, let it go on, or pull it back now.

import { readAlarms } from '#shared/aws/cloudwatch.ts';
import { listActiveWork, readEndpointState, saveRollout } from '#shared/aws/rollout-store.ts';
import { announceTransition } from '#shared/engine/notices.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { BadInputError, RaceLostError } from '#shared/errors.ts';
import { endpointName as endpointNameSchema } from '#shared/policy/policy-schema.ts';
import { rolloutCommand } from '#shared/rollout/command-line.ts';
import { applyOperatorCommand, type OperatorCommand } from '#shared/rollout/operator-commands.ts';
import { decisionTime } from '#shared/rollout/rollout-clock.ts';
import { planOf } from '#shared/rollout/rollout-plan.ts';
import { isActive, type Rollout } from '#shared/rollout/rollout-state.ts';
import { type RunContext, wallClockOf } from '#shared/runtime/run-context.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { driverFor } from '#shared/targets/drivers.ts';
import { type StatusView, statusLines, statusView, waitingWords } from './status-view.ts';

function describeRollout(rollout: Rollout): string {
  const stepped = driverFor(rollout).decisions.capabilities.weights && rollout.stage === 'canary';
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

/**
 * What `status` and `history` say of an endpoint without a rollout record (exit 0: an answer, not an error;
 * a hand-deployed endpoint has none), with the stage looked in, since another stage's is the likely slip.
 */
export function noRolloutRecorded(endpointName: string, settings: Pick<Settings, 'stage'>): string {
  return `${endpointName}: no rollout recorded in stage ${settings.stage} (not the endpoint's stage? name it with --stage or ROLLOUT_STAGE)`;
}

export async function rolloutStatus(context: RunContext, endpointName: string | undefined): Promise<string[]> {
  if (endpointName === undefined) {
    const { rollouts } = await listActiveWork(context.settings.rolloutsTableName);
    return rollouts.length === 0
      ? [`no active rollouts in stage ${context.settings.stage}`]
      : rollouts.map(describeRollout);
  }
  const view = await statusView(context, checkedEndpointName(endpointName));
  return view === undefined ? [noRolloutRecorded(endpointName, context.settings)] : statusLines(view);
}

/** `rollout status --json`: one object per endpoint named (none without a record), or per active rollout. */
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
  await announceTransition(context, planOf(read)?.group ?? context.policy.group(read.groupName), read, saved, at);
  return saved;
}

function raceLost(context: RunContext, endpointName: string): BadInputError {
  const status = rolloutCommand(context.settings.stage, `status ${endpointName}`);
  return new BadInputError(
    `endpoint ${endpointName}: the rollout changed while this command ran (an alarm, the schedule or another person); nothing was changed: see ${status}`,
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
  command: OperatorCommand,
  who: string,
  retry = false,
): Promise<Rollout> {
  for (let attempt = 1; ; attempt += 1) {
    const rollout = await activeRollout(context, endpointName);
    const at = decisionTime(commandTime, rollout, wallClockOf(context));
    const outcome = applyOperatorCommand(driverFor(rollout).decisions.capabilities, rollout, command, who, at);
    if ('refused' in outcome) throw new BadInputError(outcome.refused);
    try {
      return await saveChange(context, rollout, outcome.next, at);
    } catch (error) {
      if (!(error instanceof RaceLostError)) throw error;
      if (!retry || attempt >= abortAttempts) throw raceLost(context, endpointName);
    }
  }
}

/** Holds the rollout at its current step, where its target can be held; alarms still roll it back. */
export async function pauseRollout(context: RunContext, endpointName: string, who: string, now: string) {
  return describeRollout(await changeActive(context, endpointName, now, { kind: 'pause' }, who));
}

export async function resumeRollout(context: RunContext, endpointName: string, who: string, now: string) {
  return describeRollout(await changeActive(context, endpointName, now, { kind: 'resume' }, who));
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
  await changeActive(context, endpointName, now, { kind: 'abort', reason: why }, who, true);
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
  const at = decisionTime(now, rollout, wallClockOf(context));
  const capabilities = driverFor(rollout).decisions.capabilities;
  const outcome = applyOperatorCommand(capabilities, rollout, { kind: 'promote', reason: why }, who, at);
  if ('refused' in outcome) throw new BadInputError(outcome.refused);
  if (outcome.next === rollout) return describeRollout(rollout);
  const alarmNames = [...new Set([...rollout.watchedAlarms, ...rollout.guardAlarms])];
  const readings = await readAlarms(alarmNames);
  const notOk = alarmNames.filter((name) => readings[name]?.state !== 'OK');
  if (notOk.length > 0) {
    const states = notOk.map((name) => `${name} is ${readings[name]?.state ?? 'missing'}`).join(', ');
    throw new BadInputError(`endpoint ${endpointName}: not promoted: ${states}; promote needs every alarm OK`);
  }
  await saveChange(context, rollout, outcome.next, at).catch((error: unknown) => {
    throw error instanceof RaceLostError ? raceLost(context, endpointName) : error;
  });
  return actNow(context, endpointName, now);
}
