// What people do by hand: see what the rollouts are doing, hold one, let it go on, or pull it back now.
import { listActiveWork, listRolloutHistory, readEndpointState, saveRollout } from '#shared/aws/rollout-store.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { BadInputError } from '#shared/errors.ts';
import { endpointName as endpointNameSchema } from '#shared/policy/policy-schema.ts';
import { analysisReport } from '#shared/rollout/analysis.ts';
import { isActive, type Rollout } from '#shared/rollout/rollout-state.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';

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
  const waitingFor = rollout.waitingFor;
  const waiting =
    waitingFor === undefined ? '' : ` (${waitingFor.startsWith('waiting') ? '' : 'waiting: '}${waitingFor})`;
  return `${rollout.endpointName}: v${rollout.packageVersion} ${rollout.phase}${step}${pointer}${paused} since ${rollout.phaseSince}${reason}${waiting}`;
}

/** Refused before any AWS call: a name that cannot be an endpoint of the policy, or an empty reason. */
function checkedEndpointName(endpointName: string): string {
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

function checkedText(what: string, text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') throw new BadInputError(`${what} must not be empty (it is recorded and sent to the topic)`);
  return trimmed;
}

export async function rolloutStatus(context: RunContext, endpointName: string | undefined): Promise<string[]> {
  if (endpointName !== undefined) checkedEndpointName(endpointName);
  const table = context.settings.rolloutsTableName;
  if (endpointName === undefined) {
    const { rollouts } = await listActiveWork(table);
    return rollouts.length === 0 ? ['no active rollouts'] : rollouts.map(describeRollout);
  }
  const { rollout, queued } = await readEndpointState(table, endpointName);
  if (rollout === undefined) return [`${endpointName}: no rollout recorded`];
  const history = await listRolloutHistory(table, endpointName, 5);
  const analysis = rollout.analyses?.at(-1);
  const evidence =
    analysis === undefined
      ? []
      : [
          `  evidence at ${analysis.at} (${analysis.kind === 'ab-test' ? 'A/B test' : `step ${analysis.stepIndex + 1}`}): ${analysis.verdict}`,
          ...analysisReport(analysis)
            .split('\n')
            .map((line) => `    ${line}`),
        ];
  return [
    describeRollout(rollout),
    ...evidence,
    ...rollout.history.map((entry) => `  ${entry.at}  ${entry.phase.padEnd(12)} ${entry.note}`),
    ...(queued === undefined ? [] : [`  queued next: v${queued.packageVersion} (${queued.packageArn})`]),
    ...history.map((earlier) =>
      `  earlier: v${earlier.packageVersion} ${earlier.phase} ${earlier.reason ?? ''}`.trimEnd(),
    ),
  ];
}

async function changeActive(
  context: RunContext,
  endpointName: string,
  change: (rollout: Rollout) => Rollout,
): Promise<Rollout> {
  const { rollout } = await readEndpointState(context.settings.rolloutsTableName, checkedEndpointName(endpointName));
  if (rollout === undefined || !isActive(rollout))
    throw new BadInputError(`endpoint ${endpointName}: no active rollout`);
  return saveRollout(context.writer, context.settings.rolloutsTableName, change(rollout), rollout);
}

function withNote(rollout: Rollout, at: string, note: string, changes: Partial<Rollout>): Rollout {
  return { ...rollout, ...changes, history: [...rollout.history, { at, phase: changes.phase ?? rollout.phase, note }] };
}

/** Holds the rollout at its current step; alarms still roll it back. */
export async function pauseRollout(context: RunContext, endpointName: string, who: string, now: string) {
  return describeRollout(
    await changeActive(context, endpointName, (rollout) =>
      withNote(rollout, now, `paused by ${who}`, { paused: true }),
    ),
  );
}

export async function resumeRollout(context: RunContext, endpointName: string, who: string, now: string) {
  return describeRollout(
    await changeActive(context, endpointName, (rollout) =>
      withNote(rollout, now, `resumed by ${who}`, { paused: false }),
    ),
  );
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
  await changeActive(context, endpointName, (rollout) => {
    if (rollout.phase === 'RollingBack') return rollout;
    if (rollout.phase === 'Creating') {
      throw new BadInputError(`endpoint ${endpointName}: a first deployment has no earlier version to roll back to`);
    }
    const note = `aborted by ${who}: ${why}`;
    // Before the endpoint was touched there is nothing to roll back: the rollout simply fails.
    const untouched = rollout.phase === 'AwaitingPipeline' || rollout.phase === 'Starting';
    return withNote(rollout, now, note, {
      phase: untouched ? 'Failed' : 'RollingBack',
      phaseSince: now,
      reason: note,
      rollbackCause: 'operator',
    });
  });
  const report = await reconcileEndpoint(context, endpointName, now);
  return `${endpointName}: ${report.phase ?? '-'} (${report.notes.join('; ')})`;
}
