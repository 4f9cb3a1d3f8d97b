// The HistoryView of an endpoint (history-view.ts) from its rollout records: the current one and the
// finished ones kept under HISTORY#<endpoint>.

import { type EarlierVersion, listRolloutHistory, readEndpointState } from '#shared/aws/rollout-store.ts';
import { analysisReport } from '#shared/rollout/analysis.ts';
import { stackActor } from '#shared/rollout/decision-events.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import type { HistoryEntryView, HistoryMark, HistoryView, TrafficPoint } from './history-view.ts';

/** How many finished rollouts the page goes back. */
const earlierRollouts = 10;

const finalPhases = new Set(['Completed', 'RolledBack', 'Failed']);

/** What to mark on the chart for an entry: an alarm that fired, a person's action, a rollout's end. */
function markOf(entry: Rollout['history'][number], version: number): HistoryMark | undefined {
  const alarm = /alarm (\S+) is in ALARM/.exec(entry.note);
  if (alarm !== null && entry.phase === 'RollingBack')
    return { at: entry.at, kind: 'alarm', label: `v${version}: alarm ${alarm[1]}` };
  // A person's ARN is long for a chart label: their name (its last part) says who.
  const shortNote = entry.note.replace(/arn:aws[\w-]*:(iam|sts)::\d+:[\w-]+\/(?:[^\s/]+\/)*([^\s/:]+)/g, '$2');
  if (entry.actor !== undefined) return { at: entry.at, kind: 'operator', label: `v${version}: ${shortNote}` };
  if (finalPhases.has(entry.phase)) return { at: entry.at, kind: 'decision', label: `v${version} ${entry.phase}` };
  return undefined;
}

/** Each rollout's traffic changes with its variants named by version: the challenger's, the incumbents' as before. */
function trafficOf(rollout: Rollout, incumbentVersion: number | undefined): TrafficPoint[] {
  const incumbents = new Set(rollout.incumbentVariants.map((variant) => variant.VariantName));
  const label = (variant: string) =>
    variant === rollout.challengerVariant
      ? `v${rollout.packageVersion}`
      : incumbents.has(variant) && incumbentVersion !== undefined
        ? `v${incumbentVersion}`
        : variant;
  return (rollout.trafficChanges ?? []).map((change) => {
    const total = Object.values(change.weights).reduce((sum, weight) => sum + weight, 0) || 1;
    const shares: Record<string, number> = {};
    for (const [variant, weight] of Object.entries(change.weights)) {
      shares[label(variant)] = (shares[label(variant)] ?? 0) + Math.round((weight / total) * 1000) / 10;
    }
    return { at: change.at, shares };
  });
}

export function historyViewOf(
  endpointName: string,
  records: readonly Rollout[],
  superseded: readonly Extract<EarlierVersion, { kind: 'superseded' }>[] = [],
): HistoryView {
  const rollouts = [...records].sort(
    (left, right) => Date.parse(left.history[0]?.at ?? '') - Date.parse(right.history[0]?.at ?? ''),
  );
  const traffic: TrafficPoint[] = [];
  let serving: number | undefined;
  for (const rollout of rollouts) {
    const moves = trafficOf(rollout, serving);
    traffic.push(...moves);
    if (rollout.phase !== 'Completed') continue;
    // A version that took all of the traffic without weights (a first deployment, SageMaker's own shift).
    if (moves.length === 0) traffic.push({ at: rollout.phaseSince, shares: { [`v${rollout.packageVersion}`]: 100 } });
    serving = rollout.packageVersion;
  }
  const entries = rollouts
    .flatMap((rollout) =>
      rollout.history.map(
        (entry): HistoryEntryView => ({
          at: entry.at,
          version: rollout.packageVersion,
          phase: entry.phase,
          note: entry.note,
          actor: entry.actor ?? stackActor,
        }),
      ),
    )
    .concat(
      superseded.map((version) => ({
        at: version.at,
        version: version.packageVersion,
        phase: 'Superseded',
        note: version.reason,
        actor: stackActor,
      })),
    )
    .sort((left, right) => Date.parse(left.at) - Date.parse(right.at));
  const evidence = rollouts.flatMap((rollout) =>
    (rollout.analyses ?? []).map((result) => ({
      at: result.at,
      version: rollout.packageVersion,
      verdict: result.verdict,
      report: analysisReport(result),
    })),
  );
  const marks = rollouts
    .flatMap((rollout) => rollout.history.flatMap((entry) => markOf(entry, rollout.packageVersion) ?? []))
    .sort((left, right) => Date.parse(left.at) - Date.parse(right.at));
  return {
    endpointName,
    rollouts: rollouts.map((rollout) => ({
      version: rollout.packageVersion,
      phase: rollout.phase,
      startedAt: rollout.history[0]?.at ?? rollout.phaseSince,
    })),
    traffic: traffic.sort((left, right) => Date.parse(left.at) - Date.parse(right.at)),
    marks,
    entries,
    evidence,
  };
}

/** Reads the endpoint's records: 2 calls (1 without a record: the view is then empty). */
export async function readHistoryView(context: RunContext, endpointName: string): Promise<HistoryView> {
  const table = context.settings.rolloutsTableName;
  const { rollout } = await readEndpointState(table, endpointName);
  if (rollout === undefined) return historyViewOf(endpointName, []);
  const earlier = await listRolloutHistory(table, endpointName, earlierRollouts);
  const finished = earlier.flatMap((previous) =>
    previous.kind === 'rollout' && previous.rollout.rolloutId !== rollout.rolloutId ? [previous.rollout] : [],
  );
  const superseded = earlier.flatMap((previous) => (previous.kind === 'superseded' ? [previous] : []));
  return historyViewOf(endpointName, [rollout, ...finished], superseded);
}
