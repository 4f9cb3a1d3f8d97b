// One reconcile of one endpoint: read the record and the world, decide (pure), record, then act.
// Shared by deploy (first step at once), advance (every minute) and rollback (an alarm fired).
import { unwatchAlarms } from '#shared/aws/alarm-watchers.ts';
import {
  type EndpointRolloutState,
  readEndpointState,
  recordSuperseded,
  removeQueued,
  saveRollout,
  supersededReason,
} from '#shared/aws/rollout-store.ts';
import { describeModelPackage } from '#shared/aws/sagemaker.ts';
import { RaceLostError } from '#shared/errors.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { decisionTypes, queueEvent, transitionEvents } from '#shared/rollout/decision-events.ts';
import { type AlarmReading, type Observed, observationKind } from '#shared/rollout/observed-state.ts';
import { quietBakeNote } from '#shared/rollout/quiet-bake.ts';
import { reconcileOnce } from '#shared/rollout/reconcile-once.ts';
import { decisionTime } from '#shared/rollout/rollout-clock.ts';
import { planOf } from '#shared/rollout/rollout-plan.ts';
import { isActive, type Phase, type Rollout } from '#shared/rollout/rollout-state.ts';
import { decideOnApproval, type QueuedVersion, type StartDecision } from '#shared/rollout/start-decision.ts';
import { logger } from '#shared/runtime/logger.ts';
import { type DecisionMetric, groupToActOn, type RunContext, wallClockOf } from '#shared/runtime/run-context.ts';
import { driverFor } from '#shared/targets/drivers.ts';
import type { AlarmStates } from '#shared/targets/shared-reads.ts';
import { alarmsNowForbidTraffic, withMissedAlarms } from './alarm-guards.ts';
import { beginRollout } from './begin-rollout.ts';
import { executeStep } from './execute-step.ts';
import { sendDecisionEvents, sendNotices } from './notices.ts';

export interface ReconcileReport {
  readonly endpointName: string;
  readonly rolloutId?: string;
  readonly phase?: Phase;
  readonly notes: readonly string[];
}

/** SageMaker refuses changes to an endpoint in these states until they end. */
const inProgressStatuses: ReadonlySet<string> = new Set(['Creating', 'Updating', 'SystemUpdating', 'RollingBack']);

/** A step that changed the record but had nothing to do (e.g. Deploying -> Baking) is followed at once by the next. */
const stepsPerReconcile = 4;
const attemptsAfterLostRace = 3;

/** The phases whose arrival is counted as a metric. */
const countedPhases: Partial<Record<Phase, DecisionMetric>> = {
  Completed: 'RolloutCompleted',
  RollingBack: 'RolloutRollingBack',
  RolledBack: 'RolloutRolledBack',
  Failed: 'RolloutFailed',
};

/** What a caller already knows, so the reconcile need not read it again. */
export interface ReconcileHints {
  /** The alarm an alarm event is about and the state it carries: newer than DescribeAlarms says. */
  readonly alarmEvent?: Readonly<Record<string, AlarmReading>>;
  /** Every watched alarm's state, read for a whole tick in batches of 100. */
  readonly alarmStates?: AlarmStates;
  /** The endpoint's items: just written by this invocation (trusted), or read from the index (`fromIndex`). */
  readonly state?: EndpointRolloutState;
  /** The index may lag the table: such a record may decide a wait, but not a write or an action. */
  readonly fromIndex?: boolean;
  /**
   * A tick's: a quiet bake reads its endpoint only in its slot of this many minutes (rollout/quiet-bake.ts).
   * Absent (an event, a person's command, replay): every reconcile reads everything.
   */
  readonly readEndpointEveryMinutes?: number;
}

/** What the previous step of this reconcile left behind, so the next one need not read it again. */
interface Known {
  readonly state: EndpointRolloutState;
  readonly fromIndex?: boolean;
  /** Reused only when no action changed the world and the phase reads the same things. */
  readonly observed?: Observed;
  /** The watched alarms read just before a traffic move was to be sent: decide with these, not the tick's. */
  readonly freshAlarms?: AlarmStates;
}

interface StepOutcome {
  readonly rollout?: Rollout;
  readonly note: string;
  readonly progressed: boolean;
  readonly known?: Known;
  /** A rollback that could not act because SageMaker is still carrying out an update. */
  readonly rollbackWaitsForEndpoint?: boolean;
}

function whyQueuedCannotStart(
  groupConfigured: boolean,
  status: string | undefined,
  decision: StartDecision,
): string | undefined {
  if (!groupConfigured) return 'its group is no longer configured';
  if (status !== 'Approved') return `it is now ${status}`;
  return decision.kind === 'ignore' ? decision.reason : undefined;
}

async function startQueued(
  context: RunContext,
  endpointName: string,
  latest: Rollout | undefined,
  queued: QueuedVersion,
  now: string,
): Promise<StepOutcome> {
  const table = context.settings.rolloutsTableName;
  const group = groupToActOn(context.policy, queued.groupName, { endpointName });
  const current = await describeModelPackage(queued.packageArn);
  const why = whyQueuedCannotStart(
    group !== undefined,
    current?.ModelApprovalStatus ?? 'deleted',
    decideOnApproval(queued, latest, undefined),
  );
  if (group === undefined || why !== undefined) {
    await removeQueued(context.writer, table, endpointName, queued);
    return { rollout: latest, note: `dropped queued v${queued.packageVersion}: ${why}`, progressed: false };
  }
  const rollout = await beginRollout(context, queued.groupName, group, queued, latest, now);
  await removeQueued(context.writer, table, endpointName, queued);
  return { rollout, note: `started queued v${queued.packageVersion}`, progressed: true, known: { state: { rollout } } };
}

async function stepOnce(
  context: RunContext,
  endpointName: string,
  eventTime: string,
  hints: ReconcileHints,
  known: Known | undefined,
): Promise<StepOutcome> {
  const table = context.settings.rolloutsTableName;
  const { rollout, queued } = known?.state ?? (await readEndpointState(table, endpointName));
  // A late event decides at the record's time, a future one at the wall clock: the record's clock only moves forward.
  const now = decisionTime(eventTime, rollout, wallClockOf(context));
  if (rollout === undefined || !isActive(rollout)) {
    return queued === undefined
      ? { rollout, note: 'no active rollout', progressed: false }
      : startQueued(context, endpointName, rollout, queued, now);
  }
  // Keys on each line, not appended to the shared logger: advance reconciles several endpoints at once.
  const rolloutKeys = {
    endpointName,
    rolloutId: rollout.rolloutId,
    modelPackageGroup: rollout.groupName,
    packageVersion: rollout.packageVersion,
  };
  const group = policyForRollout(context, rollout, endpointName, rolloutKeys);
  if (group === undefined) {
    // Safety first: a group removed from the policy is never acted on, even mid-rollout (but see policyForRollout).
    logger.warn('rollout left as it is: its group is not in the policy for this endpoint', rolloutKeys);
    return { rollout, note: 'group not configured: left as it is', progressed: false };
  }
  const driver = driverFor(rollout);
  const quiet = quietTick(hints, known, group, rollout, driver.kind, now);
  if (quiet !== undefined) return { rollout, note: quiet, progressed: false };
  const alarmHints = known?.freshAlarms === undefined ? hints : { ...hints, alarmStates: known.freshAlarms };
  const observed =
    known?.observed ??
    (await withMissedAlarms(
      rollout,
      await driver.observe(rollout, group, context.settings, alarmHints, now),
      driver.decisions.rollbackablePhases.includes(rollout.phase),
    ));
  const step = reconcileOnce(driver.decisions, group, rollout, observed, now, context.settings.stage);
  if (known?.fromIndex && (step.next !== rollout || step.actions.length > 0)) {
    // About to write or act on a record the index gave: read the record itself first. The same version
    // decides the same way with what was just observed; another one decides again from scratch.
    const current = await readEndpointState(table, endpointName);
    const sameRecord = current.rollout?.version === rollout.version;
    return stepOnce(context, endpointName, eventTime, hints, { state: current, ...(sameRecord ? { observed } : {}) });
  }
  const movesTraffic = step.movesTraffic;
  if (movesTraffic) {
    // The tick's alarm states may be a minute old: read them again at the moment of the write, and never
    // give the new version more traffic while one says no. Decide again with what was read.
    const { forbidden, freshAlarms } = await alarmsNowForbidTraffic(rollout, group);
    if (forbidden !== undefined) {
      logger.warn('traffic not moved: a watched alarm says no', { ...rolloutKeys, forbidden });
      const note = `traffic not moved: ${forbidden}`;
      // Decided with fresh alarms already: the decision itself should have held; do not loop on it.
      if (known?.freshAlarms !== undefined) return { rollout, note, progressed: false };
      return {
        rollout,
        note,
        progressed: true,
        known: { state: { rollout, ...(queued ? { queued } : {}) }, freshAlarms },
      };
    }
  }
  const saved = await executeStep(group, rollout, step, now, context.settings.stage, {
    record: (next, before) => saveRollout(context.writer, table, next, before),
    act: (recorded, actions) => driver.act(context, group, recorded, actions),
    tell: async (notices, events) => {
      await sendNotices(context, notices);
      await sendDecisionEvents(context, events);
    },
    finalEvents: (before, stored) => transitionEvents(before, stored, now, (index) => group.rollout.steps[index]),
  });
  if (saved !== rollout && !isActive(saved)) await forgetWatchers(context, saved);
  if (movesTraffic && isActive(saved)) {
    // A rollback recorded while this step sent its traffic must win: if anyone wrote the record since,
    // decide again from it (a rollback then sends the traffic back, after this step's update).
    const after = await readEndpointState(table, endpointName);
    const newer = after.rollout?.rolloutId !== saved.rolloutId || (after.rollout?.version ?? 0) > saved.version;
    if (newer) {
      logger.warn('the record changed while traffic moved: deciding again', rolloutKeys);
      const note = `${step.note}; the record changed while traffic moved: deciding again`;
      return { rollout: after.rollout, note, progressed: true, known: { state: after } };
    }
  }
  logger.info('rollout step', {
    ...rolloutKeys,
    phase: saved.phase,
    note: step.note,
    actions: step.actions.map((action) => action.kind),
  });
  const counted = countedPhases[saved.phase];
  if (saved.phase !== rollout.phase && counted !== undefined) context.countDecision?.(counted);
  const queuedCanStart = !isActive(saved) && queued !== undefined;
  const busy = observed.endpoint !== undefined && inProgressStatuses.has(observed.endpoint.status);
  const rollbackWaitsForEndpoint = saved.phase === 'RollingBack' && step.acting.length === 0 && busy;
  const sameReads = step.actions.length === 0 && observationKind(saved.phase) === observationKind(rollout.phase);
  return {
    rollout: saved,
    note: step.note,
    progressed: queuedCanStart || (step.next !== rollout && step.actions.length === 0),
    ...(rollbackWaitsForEndpoint ? { rollbackWaitsForEndpoint } : {}),
    known: {
      state: { rollout: saved, ...(queued === undefined ? {} : { queued }) },
      ...(sameReads ? { observed } : {}),
    },
  };
}

/**
 * The wait of a tick's quiet bake, decided without reading the endpoint (rollout/quiet-bake.ts): only for a
 * real-time canary, whose bake depends on nothing but its endpoint and its alarms, from the record the tick
 * read (a wait, never a write) with the alarms the tick read for every rollout.
 */
function quietTick(
  hints: ReconcileHints,
  known: Known | undefined,
  group: GroupPolicy,
  rollout: Rollout,
  driverKind: string,
  now: string,
): string | undefined {
  const every = hints.readEndpointEveryMinutes;
  // Only the first step of the reconcile, on the record the tick read: a later step follows a decision.
  if (every === undefined || known?.state !== hints.state || known?.observed !== undefined) return undefined;
  if (driverKind !== 'real-time' || hints.alarmStates === undefined || hints.alarmEvent !== undefined) return undefined;
  return quietBakeNote(group, rollout, hints.alarmStates.readings, now, every);
}

/** Takes the endpoint's rollout as far as it can go now. */
export async function reconcileEndpoint(
  context: RunContext,
  endpointName: string,
  now: string,
  hints: ReconcileHints = {},
): Promise<ReconcileReport> {
  const notes: string[] = [];
  let outcome: StepOutcome | undefined;
  // Only an active rollout's index record is used: a queued version alone must be started from the table.
  const usable = hints.state !== undefined && (!hints.fromIndex || isActive(hints.state.rollout));
  let known: Known | undefined =
    usable && hints.state !== undefined
      ? { state: hints.state, ...(hints.fromIndex ? { fromIndex: true } : {}) }
      : undefined;
  let attempt = 1;
  let rollbackWaits = 0;
  for (let step = 0; step < stepsPerReconcile; step += 1) {
    try {
      outcome = await stepOnce(context, endpointName, now, hints, known);
    } catch (error) {
      if (!(error instanceof RaceLostError) || attempt >= attemptsAfterLostRace) throw error;
      attempt += 1;
      known = undefined;
      notes.push('lost a race: deciding again from the new record');
      continue;
    }
    // A step that only recorded what it waits for is followed by the same wait: say it once.
    if (notes.at(-1) !== outcome.note) notes.push(outcome.note);
    known = outcome.known;
    if (outcome.progressed) continue;
    // A rollback waiting for an update in flight (a step's weights sent a moment before the alarm) is
    // carried out in this invocation as soon as SageMaker accepts it, not a tick later.
    if (outcome.rollbackWaitsForEndpoint !== true || !(await mayWaitForRollback(context, rollbackWaits))) break;
    rollbackWaits += 1;
    known = undefined;
    step -= 1;
  }
  return { endpointName, rolloutId: outcome?.rollout?.rolloutId, phase: outcome?.rollout?.phase, notes };
}

/** How long a rollback waits, in all, for SageMaker to finish an update within one invocation. */
const rollbackWaitMs = 5_000;
const rollbackWaitLimit = 6;
/** A wait is started only with this much of the invocation left, so the invocation still ends cleanly. */
const reserveForRollbackMs = 15_000;

/** Pauses before the rollback is tried again, where this run may wait (a Lambda invocation, a test). */
async function mayWaitForRollback(context: RunContext, waitsSoFar: number): Promise<boolean> {
  if (context.pause === undefined || waitsSoFar >= rollbackWaitLimit) return false;
  if ((context.remainingTimeMs?.() ?? Number.POSITIVE_INFINITY) < reserveForRollbackMs + rollbackWaitMs) return false;
  await context.pause(rollbackWaitMs);
  return true;
}

/**
 * The group's policy to act on the rollout with: the plan it started with (rollout-plan.ts), while the
 * policy still configures the group for this endpoint; an edit of the group's policy does not re-target
 * it. A group removed from the policy (or moved to another endpoint) is left alone, with one exception:
 * a person's abort is carried out on the plan, back to the incumbent (Argo Rollouts' abort to stable), so
 * a removed group never strands an endpoint half-way.
 */
function policyForRollout(
  context: RunContext,
  rollout: Rollout,
  endpointName: string,
  rolloutKeys: Record<string, unknown>,
): GroupPolicy | undefined {
  const live = groupToActOn(context.policy, rollout.groupName, rolloutKeys);
  const plan = planOf(rollout)?.group;
  if (live !== undefined && live.endpointName === endpointName) return plan ?? live;
  const aborted = rollout.phase === 'RollingBack' && rollout.rollbackCause === 'operator';
  return aborted ? plan : undefined;
}

/** A finished rollout's alarms no longer lead to it; a watcher left behind expires by itself, so a failure only warns. */
async function forgetWatchers(context: RunContext, rollout: Rollout): Promise<void> {
  try {
    await unwatchAlarms(
      context.writer,
      context.settings.rolloutsTableName,
      rollout.endpointName,
      rollout.watchedAlarms,
    );
  } catch (error) {
    logger.warn('alarm watchers not removed; they expire by themselves', {
      endpointName: rollout.endpointName,
      error: error as Error,
    });
  }
}

/** Records and tells people that a newer approval replaced a queued version. */
export async function supersedeQueued(
  context: RunContext,
  endpointName: string,
  superseded: QueuedVersion,
  by: number,
  now: string,
) {
  await recordSuperseded(context.writer, context.settings.rolloutsTableName, endpointName, superseded, by, now);
  const reason = supersededReason(superseded, by);
  await sendDecisionEvents(context, [queueEvent(decisionTypes.superseded, endpointName, superseded, reason, now)]);
  await sendNotices(context, [
    {
      subject: `${endpointName}: ${superseded.groupName} v${superseded.packageVersion} superseded`,
      message: `v${superseded.packageVersion} was waiting for the active rollout to end; v${by} was approved since and takes its place.\n${superseded.packageArn}`,
    },
  ]);
}
