// One reconcile of one endpoint: read the record and the world, decide (pure), record, then act.
// Shared by deploy (first step at once), advance (every minute) and rollback (an alarm fired).
import { publishNotification } from '#shared/aws/notify.ts';
import { readEndpointState, recordSuperseded, removeQueued, saveRollout } from '#shared/aws/rollout-store.ts';
import { describeModelPackage } from '#shared/aws/sagemaker.ts';
import { RaceLostError } from '#shared/errors.ts';
import type { AlarmState } from '#shared/rollout/observed-state.ts';
import { decideRolloutStep } from '#shared/rollout/rollout-decision.ts';
import { isActive, type Phase, type Rollout } from '#shared/rollout/rollout-state.ts';
import { decideOnApproval, type QueuedVersion } from '#shared/rollout/start-decision.ts';
import { logger } from '#shared/runtime/logger.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import { applyActions } from './apply-actions.ts';
import { beginRollout } from './begin-rollout.ts';
import { observe } from './observe.ts';

export interface ReconcileReport {
  readonly endpointName: string;
  readonly rolloutId?: string;
  readonly phase?: Phase;
  readonly notes: readonly string[];
}

/** A step that changed the record but had nothing to do (e.g. Deploying -> Baking) is followed at once by the next. */
const stepsPerReconcile = 4;
const attemptsAfterLostRace = 3;

type StepOutcome = { readonly rollout?: Rollout; readonly note: string; readonly progressed: boolean };

async function startQueued(
  context: RunContext,
  latest: Rollout | undefined,
  queued: QueuedVersion,
  now: string,
): Promise<StepOutcome> {
  const table = context.settings.rolloutsTableName;
  const group = context.policy.groups.get(queued.groupName);
  const current = await describeModelPackage(queued.packageArn);
  const decision = decideOnApproval(queued, latest, undefined);
  if (group === undefined || current.ModelApprovalStatus !== 'Approved' || decision.kind === 'ignore') {
    const why =
      group === undefined
        ? 'its group is no longer configured'
        : current.ModelApprovalStatus !== 'Approved'
          ? `it is now ${current.ModelApprovalStatus}`
          : decision.kind === 'ignore'
            ? decision.reason
            : '';
    await removeQueued(context.writer, table, group?.endpointName ?? latest?.endpointName ?? '', queued);
    return { rollout: latest, note: `dropped queued v${queued.packageVersion}: ${why}`, progressed: false };
  }
  const rollout = await beginRollout(context, queued.groupName, group, queued, latest, now);
  await removeQueued(context.writer, table, group.endpointName, queued);
  return { rollout, note: `started queued v${queued.packageVersion}`, progressed: true };
}

async function stepOnce(
  context: RunContext,
  endpointName: string,
  now: string,
  knownAlarmStates: Readonly<Record<string, AlarmState>>,
): Promise<StepOutcome> {
  const { rollout, queued } = await readEndpointState(context.settings.rolloutsTableName, endpointName);
  if (!isActive(rollout)) {
    return queued === undefined
      ? { rollout, note: 'no active rollout', progressed: false }
      : startQueued(context, rollout, queued, now);
  }
  const active = rollout as Rollout;
  const group = context.policy.groups.get(active.groupName);
  if (group === undefined || group.endpointName !== endpointName) {
    // Safety first: a group removed from the policy is never acted on, even mid-rollout.
    logger.warn('rollout left as it is: its group is not in the policy for this endpoint', {
      groupName: active.groupName,
    });
    return { rollout: active, note: 'group not configured: left as it is', progressed: false };
  }
  const observed = await observe(active, group, knownAlarmStates);
  const step = decideRolloutStep(group, active, observed, now);
  const table = context.settings.rolloutsTableName;
  let saved = active;
  if (step.next !== active && !isActive(step.next)) {
    // Into a final phase, act first: the clean-up, rejection and notice must not be lost to a failed
    // call, since nothing looks at a finished rollout again. They are idempotent, so a retry is safe.
    await applyActions(context, group, step.next, step.actions);
    saved = await saveRollout(context.writer, table, step.next, active);
  } else {
    // Otherwise record first, act second: if an action fails, the record already says what to
    // converge to, and the next tick repairs. A racing writer makes this write fail before anything is done.
    if (step.next !== active) saved = await saveRollout(context.writer, table, step.next, active);
    await applyActions(context, group, saved, step.actions);
  }
  logger.info('rollout step', {
    phase: saved.phase,
    note: step.note,
    actions: step.actions.map((action) => action.kind),
  });
  const queuedCanStart = !isActive(saved) && queued !== undefined;
  return {
    rollout: saved,
    note: step.note,
    progressed: queuedCanStart || (step.next !== active && step.actions.length === 0),
  };
}

export async function reconcileEndpoint(
  context: RunContext,
  endpointName: string,
  now: string,
  knownAlarmStates: Readonly<Record<string, AlarmState>> = {},
): Promise<ReconcileReport> {
  logger.appendKeys({ endpointName });
  const notes: string[] = [];
  let outcome: StepOutcome | undefined;
  let attempt = 1;
  for (let step = 0; step < stepsPerReconcile; step += 1) {
    try {
      outcome = await stepOnce(context, endpointName, now, knownAlarmStates);
    } catch (error) {
      if (!(error instanceof RaceLostError) || attempt >= attemptsAfterLostRace) throw error;
      attempt += 1;
      notes.push('lost a race: deciding again from the new record');
      continue;
    }
    notes.push(outcome.note);
    if (!outcome.progressed) break;
  }
  return { endpointName, rolloutId: outcome?.rollout?.rolloutId, phase: outcome?.rollout?.phase, notes };
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
  await publishNotification(context.writer, context.settings.notificationsTopicArn, {
    subject: `${endpointName}: ${superseded.groupName} v${superseded.packageVersion} superseded`,
    message: `v${superseded.packageVersion} was waiting for the active rollout to end; v${by} was approved since and takes its place.\n${superseded.packageArn}`,
  });
}
