// What `rollout history <endpoint>` shows: the decisions on one clock, and each version's share of the
// traffic over time with alarm firings and operator actions marked. Built from the endpoint's rollout
// records; printed in the terminal (history-page.ts: historyLines) or as one HTML page (historyPage).

export interface HistoryEntryView {
  readonly at: string;
  readonly version: number;
  readonly phase: string;
  readonly note: string;
  /** Who decided: `sagemaker-rollout` for the stack itself, else the person's identity (an ARN). */
  readonly actor: string;
}

export interface TrafficPoint {
  readonly at: string;
  /** Share of the traffic per version label (`v1`, `v2`), in percent, adding up to 100. */
  readonly shares: Readonly<Record<string, number>>;
}

export interface HistoryMark {
  readonly at: string;
  readonly kind: 'alarm' | 'operator' | 'decision';
  readonly label: string;
}

/** A verdict on a rollout's evidence: its report, both variants per metric (analysis.ts: analysisReport). */
export interface EvidenceView {
  readonly at: string;
  readonly version: number;
  readonly verdict: string;
  readonly report: string;
}

export interface HistoryView {
  readonly endpointName: string;
  /** The rollouts on this endpoint, oldest first. */
  readonly rollouts: readonly { readonly version: number; readonly phase: string; readonly startedAt: string }[];
  /** A point each time the weights were set, oldest first. */
  readonly traffic: readonly TrafficPoint[];
  /** What to mark on the chart: alarm firings, operator actions, rollbacks and completions, oldest first. */
  readonly marks: readonly HistoryMark[];
  /** Every recorded decision, oldest first. */
  readonly entries: readonly HistoryEntryView[];
  /** The evidence judged, as each rollout kept it (its last ten verdicts), oldest first. */
  readonly evidence: readonly EvidenceView[];
}
