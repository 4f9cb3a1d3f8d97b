/**
 * The rollout record: what we want the endpoint to look like, and how far we are. One per endpoint,
 * stored in DynamoDB (pk = endpoint name, sk = ROLLOUT) and written with a version condition.
 *
 *   (AwaitingPipeline ─►) Starting ─► Deploying ─► Baking(step i) ─► … ─► Finalizing ─► Completed
 *     │            │             │                    │
 *     │            └─► Failed    └──(alarm)─► RollingBack ─► RolledBack
 *     └─(no endpoint yet)─► Creating ─► Completed | Failed
 */
export const activePhases = [
  'AwaitingPipeline',
  'Starting',
  'Creating',
  'Deploying',
  'Baking',
  'Finalizing',
  'RollingBack',
] as const;
export const terminalPhases = ['Completed', 'RolledBack', 'Failed'] as const;
export type ActivePhase = (typeof activePhases)[number];
export type TerminalPhase = (typeof terminalPhases)[number];
export type Phase = ActivePhase | TerminalPhase;

/** A production variant as the endpoint config declares it, kept so the incumbent is restored exactly. */
export interface VariantSpec {
  readonly VariantName: string;
  readonly ModelName?: string;
  readonly InstanceType?: string;
  readonly InitialInstanceCount?: number;
  readonly InitialVariantWeight?: number;
  readonly [field: string]: unknown;
}

export interface RetainedVersion {
  readonly packageVersion: number;
  readonly modelName: string;
  readonly configName: string;
}

export interface RolloutHistoryEntry {
  readonly at: string;
  readonly phase: Phase;
  readonly note: string;
}

export interface Rollout {
  readonly rolloutId: string;
  readonly endpointName: string;
  readonly groupName: string;
  readonly packageArn: string;
  readonly packageVersion: number;
  readonly phase: Phase;
  /** shadow: the challenger mirrors traffic as a shadow variant; canary: it serves a share of it. */
  readonly stage: 'shadow' | 'canary';
  /** Index into the policy's steps while Baking. */
  readonly stepIndex: number;
  /** When the current phase or step began (the event time that caused it). */
  readonly phaseSince: string;
  /** When the current step's traffic was first seen in place: bake time counts from here, not from the request. */
  readonly bakeStartedAt?: string;
  readonly challengerVariant: string;
  readonly challengerModel: string;
  /** The config the endpoint served before; a rollback returns to it. Absent on a first deployment. */
  readonly incumbentConfigName?: string;
  readonly incumbentVariants: readonly VariantSpec[];
  /** The config we are moving the endpoint to in this phase. */
  readonly targetConfigName: string;
  /** The endpoint's LastModifiedTime before our update, to tell our update from none. */
  readonly updateRequestedAt?: string;
  readonly guardAlarms: readonly string[];
  readonly watchedAlarms: readonly string[];
  readonly paused: boolean;
  readonly reason?: string;
  /** Why a rollback happened: only an alarm says the model is bad (rejectOnRollback); a failed update or a person does not. */
  readonly rollbackCause?: 'alarm' | 'operator' | 'failed-update';
  readonly history: readonly RolloutHistoryEntry[];
  /** The delivery pipeline run this rollout waits for (policy deliveryPipeline). */
  readonly pipelineExecutionId?: string;
  /** Versions whose model and final config are kept for a manual rollback, newest first. */
  readonly retainedVersions: readonly RetainedVersion[];
  /** Optimistic lock: every write requires the version it read. */
  readonly version: number;
}

export function isActive(rollout: Pick<Rollout, 'phase'> | undefined): boolean {
  return rollout !== undefined && (activePhases as readonly string[]).includes(rollout.phase);
}

// SageMaker names: at most 63 letters, digits and hyphens. The policy keeps endpoint names short
// enough for these suffixes, so every name we create starts with the endpoint name (and IAM can scope on it).
export function challengerVariantName(groupName: string, packageVersion: number): string {
  const suffix = `-${packageVersion}`;
  return `${groupName.slice(0, 63 - suffix.length)}${suffix}`;
}

export function modelNameFor(endpointName: string, packageVersion: number): string {
  return `${endpointName}-v${packageVersion}`;
}

export function configNameFor(
  endpointName: string,
  packageVersion: number,
  purpose: 'shadow' | 'canary' | 'final',
): string {
  return `${endpointName}-v${packageVersion}-${purpose}`;
}

export function guardAlarmNamesFor(endpointName: string, variantName: string): { errors: string; latency: string } {
  return {
    errors: `sagemaker-rollout-${endpointName}-${variantName}-5xx`,
    latency: `sagemaker-rollout-${endpointName}-${variantName}-latency`,
  };
}

/** At most this many history entries are kept on the record; the full story is in the logs. */
export const historyLimit = 30;
