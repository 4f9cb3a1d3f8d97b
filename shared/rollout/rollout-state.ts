import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { AnalysisResult } from './analysis.ts';
import type { RolloutPlan } from './rollout-plan.ts';

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
  /** The package that served (absent on records written before it was kept). */
  readonly packageArn?: string;
  readonly modelName: string;
  readonly configName: string;
}

export interface Tag {
  readonly Key: string;
  readonly Value: string;
}

/**
 * What every model and endpoint config of this rollout is built from, fixed when it starts: the
 * incumbent's settings (so nothing it had is dropped) with the policy's overrides applied.
 */
export interface ChallengerPlan {
  /** The challenger variant's fields besides name, model, count and weight: InstanceType, VolumeSizeInGB, RoutingConfig... */
  readonly variantSettings: Readonly<Record<string, unknown>>;
  /** Endpoint-config fields besides the variants: DataCaptureConfig, KmsKeyId, AsyncInferenceConfig, ExplainerConfig... */
  readonly configSettings: Readonly<Record<string, unknown>>;
  readonly configTags: readonly Tag[];
  /** CreateModel fields besides name, role and container: VpcConfig, EnableNetworkIsolation... */
  readonly modelSettings: Readonly<Record<string, unknown>>;
  /** The container's fields besides the package: Environment... */
  readonly containerSettings: Readonly<Record<string, unknown>>;
  readonly modelTags: readonly Tag[];
  /**
   * A serial inference pipeline or multi-container model: the package's containers, in order (absent: the
   * package's one container, named by the package).
   */
  readonly containers?: readonly Readonly<Record<string, unknown>>[];
  /** The serving incumbents' live instance count when the rollout started: the challenger is sized from it. */
  readonly baselineInstanceCount: number;
  /** proportional: at least its share of the baseline at each step; full: the whole baseline from the first step. */
  readonly capacity: 'proportional' | 'full';
  readonly minInstanceCount: number;
}

/** A variant's Application Auto Scaling registration, as read before the rollout touched it. */
export interface VariantScaling {
  readonly variantName: string;
  readonly minCapacity: number;
  readonly maxCapacity: number;
  /** The rest of RegisterScalableTarget's input as registered (SuspendedState...). */
  readonly targetSettings: Readonly<Record<string, unknown>>;
  /** PutScalingPolicy inputs without the resource: PolicyName, PolicyType and its configuration. */
  readonly policies: readonly Readonly<Record<string, unknown> & { PolicyName: string; PolicyType?: string }>[];
  /** PutScheduledAction inputs without the resource: ScheduledActionName, Schedule, ScalableTargetAction... */
  readonly scheduledActions: readonly Readonly<Record<string, unknown> & { ScheduledActionName: string }>[];
  /** Each step scaling policy's ARN and the team's alarms that invoke it (absent on older records: none). */
  readonly stepPolicies?: readonly StepPolicyAlarms[];
}

/** The action lists of a CloudWatch alarm; a step scaling policy is invoked by an alarm that names its ARN in one. */
export type AlarmActionList = 'AlarmActions' | 'OKActions' | 'InsufficientDataActions';

/**
 * A step scaling policy as read, with the alarms that invoke it. The team creates those alarms (a target-tracking
 * policy creates and owns its own); a policy put back after a delete has a new ARN, so they must be re-pointed.
 */
export interface StepPolicyAlarms {
  readonly policyName: string;
  readonly policyArn: string;
  /** The variant the policy scaled when read: the one its ARN and its alarms' VariantName dimension name. */
  readonly variantName: string;
  /** Each alarm by name, with the lists that name the policy (none: it exists but no longer invokes the policy). */
  readonly alarms: readonly { readonly alarmName: string; readonly actionLists: readonly AlarmActionList[] }[];
}

export interface RolloutHistoryEntry {
  readonly at: string;
  readonly phase: Phase;
  readonly note: string;
  /** Who decided, when a person did (their identity, an ARN); absent: the stack itself. */
  readonly actor?: string;
}

/** The weights the rollout set at one time, by variant (what `rollout history` charts). */
export interface TrafficChange {
  readonly at: string;
  readonly weights: Readonly<Record<string, number>>;
}

export interface Rollout {
  readonly rolloutId: string;
  /** The driver of what the rollout deploys to (targets/drivers.ts); absent on real-time rollouts recorded before targets. */
  readonly target?: string;
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
  /** When the rollout's evidence started (its first bake): a sequential analysis reads from here. */
  readonly evidenceSince?: string;
  readonly challengerVariant: string;
  readonly challengerModel: string;
  /** The config the endpoint served before; a rollback returns to it. Absent on a first deployment. */
  readonly incumbentConfigName?: string;
  readonly incumbentVariants: readonly VariantSpec[];
  /** Each incumbent variant's live CurrentInstanceCount when the rollout started: a rollback restores at least this. */
  readonly incumbentInstanceCounts: Readonly<Record<string, number>>;
  /** The incumbents' auto scaling; moved to the challenger when it completes, put back when it rolls back. */
  readonly incumbentScaling: readonly VariantScaling[];
  readonly challenger: ChallengerPlan;
  /** The config we are moving the endpoint to in this phase. */
  readonly targetConfigName: string;
  /** The endpoint's LastModifiedTime before our update, to tell our update from none. */
  readonly updateRequestedAt?: string;
  readonly guardAlarms: readonly string[];
  readonly watchedAlarms: readonly string[];
  readonly paused: boolean;
  readonly reason?: string;
  /** What holds the rollout that a person should know of (a missing alarm...); shown by `rollout status`. */
  readonly waitingFor?: string;
  /**
   * Each watched alarm's last state change (CloudWatch's StateTransitionedTimestamp) that the rollout has
   * looked at: a newer one while it could roll back is read in the alarm's history, so an ALARM whose
   * event was lost still stops it. Absent on records written before it was kept.
   */
  readonly alarmTransitionsSeen?: Readonly<Record<string, string>>;
  /** Notices that are sent once per rollout (a missing alarm, an unverified rollback), by key. */
  readonly noticesSent: readonly string[];
  /**
   * Why a rollback happened: only an alarm or a failed analysis says the model is bad (rejectOnRollback); a
   * failed update, a person or a missed progress deadline does not. A deadline rollback ends Failed, not
   * RolledBack.
   */
  readonly rollbackCause?: 'alarm' | 'analysis' | 'operator' | 'failed-update' | 'deadline';
  /** The evidence judged at the end of each bake (policy rollout.analysis), oldest first, at most analysesLimit. */
  readonly analyses?: readonly AnalysisResult[];
  readonly history: readonly RolloutHistoryEntry[];
  /** Each time the rollout set the endpoint's weights, oldest first, at most historyLimit. */
  readonly trafficChanges?: readonly TrafficChange[];
  /** A person promoted it (`rollout promote`): the remaining steps go out without their bakes. */
  readonly promotedBy?: string;
  /** A multi-model group: this version's object under the model prefix, as clients name it (TargetModel). */
  readonly targetModel?: string;
  /** A multi-model group: what clients were told to use before this version; a rollback tells them again. */
  readonly previousTargetModel?: string;
  /**
   * An inference component group: what served before this version's update (its model and compute, restored by
   * a rollback), when it was asked for, and whether the update could be exercised by traffic at all.
   */
  readonly componentUpdate?: {
    readonly previousModel: string;
    readonly previousComputeResources: Readonly<Record<string, unknown>>;
    /** The component's LastModifiedTime before the update: a later one says SageMaker took it. */
    readonly requestedAt: string;
    readonly executionTimeoutSeconds: number;
    /** CurrentCopyCount was 0: the update replaced the specification of a component that serves nobody. */
    readonly unexercised?: boolean;
  };
  /** A batch group: the transform job that runs this version. */
  readonly transformJobName?: string;
  /** The delivery pipeline run this rollout waits for (policy deliveryPipeline). */
  readonly pipelineExecutionId?: string;
  /** Versions whose model and final config are kept for a manual rollback, newest first. */
  readonly retainedVersions: readonly RetainedVersion[];
  /**
   * The plan the rollout runs on, frozen when it started (rollout-plan.ts): steps, bake, strategy, alarms,
   * analysis, deadlines, capacity rules, guard thresholds. Absent on records written before it was kept.
   */
  readonly plan?: RolloutPlan;
  /** What records written before `plan` kept of it (read by planOf, never written). */
  readonly startedWithPolicy?: GroupPolicy;
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
  purpose: 'shadow' | 'canary' | 'final' | 'restore',
): string {
  return `${endpointName}-v${packageVersion}-${purpose}`;
}

export function guardAlarmNamesFor(
  endpointName: string,
  variantName: string,
): { errors: string; latency: string; backlog: string } {
  return {
    errors: `sagemaker-rollout-${endpointName}-${variantName}-5xx`,
    latency: `sagemaker-rollout-${endpointName}-${variantName}-latency`,
    backlog: `sagemaker-rollout-${endpointName}-${variantName}-backlog`,
  };
}

/** At most this many history entries are kept on the record; the full story is in the logs. */
export const historyLimit = 30;
