// One seam per kind of deployment target (in the spirit of Argo Rollouts' traffic routers). The core
// (rollout/reconcile-once.ts and rollout-decision.ts, run by engine/execute-step.ts) owns the record, the
// phases, pause and people's commands, the alarms, the progress deadline in every phase, how a rollback ends
// and whether it rejects, and the queue; it never names a target. A target's decisions say what each of its
// phases does, purely, and what it can do, as data; its driver reads the target and changes it. A new target
// is a folder here and one line in drivers.ts; test/unit/targets/driver-contract.test.ts holds it to the core.
import type { Writer } from '#shared/aws/aws-writes.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { AlarmReading, Observed } from '#shared/rollout/observed-state.ts';
import type { RollbackCause } from '#shared/rollout/rollout-outcome.ts';
import type { Phase, Rollout } from '#shared/rollout/rollout-state.ts';
import type { RolloutAction, RolloutStep } from '#shared/rollout/rollout-step.ts';
import type { Settings } from '#shared/runtime/settings.ts';

export type TargetKind =
  | 'real-time'
  | 'real-time-guardrails'
  | 'serverless'
  | 'multi-model'
  | 'batch-transform'
  | 'inference-component';

export type { RollbackCause } from '#shared/rollout/rollout-outcome.ts';

/**
 * What a target can and cannot do, as data: the core refuses what it cannot, with `describedAs` and the
 * target's own explanation, and holds a paused rollout by these rules (rollout/rollout-decision.ts).
 */
export interface TargetCapabilities {
  /** The target in a few words, for messages: "a serverless endpoint (SageMaker's deployment guardrails)". */
  readonly describedAs: string;
  /** The rollout sets the new version's share of traffic step by step (else the switch is whole, or SageMaker's). */
  readonly weights: boolean;
  /** SageMaker rolls back by itself on the group's alarms while it deploys (deployment guardrails). */
  readonly nativeRollback: boolean;
  /** Phases in which `rollout pause` holds the rollout; elsewhere it is refused with `pauseRefused`. */
  readonly pausablePhases: readonly Phase[];
  readonly pauseRefused: string;
  /** Phases in which the traffic of the step already decided may still arrive while paused (it is not a new step). */
  readonly settlesWhilePaused: readonly Phase[];
  /** Phases in which `rollout promote` skips the remaining bakes; elsewhere it is refused with `promoteRefused`. */
  readonly promotablePhases: readonly Phase[];
  readonly promoteRefused: string;
}

/** What a target's phases do. Pure: no AWS, no clock. */
export interface TargetDecisions {
  readonly capabilities: TargetCapabilities;
  /** Phases in which a watched alarm in ALARM makes the core roll back. */
  readonly rollbackablePhases: readonly Phase[];
  /**
   * Minutes beyond the progress deadline that AWS's own clock may take in this phase (a guardrail deployment's
   * MaximumExecutionTimeoutInSeconds, a transform job's run); undefined: the progress deadline alone.
   */
  phaseAllowanceMinutes?(group: GroupPolicy, rollout: Rollout, observed: Observed): number | undefined;
  /**
   * What a new rollout's record starts with on this target, before it reads what serves: the alarms it
   * creates to guard the new version (only a variant of its own has metrics of its own) and the plan of
   * the new version's model from the policy alone.
   */
  prepare(group: GroupPolicy, challengerVariant: string): Pick<Rollout, 'guardAlarms' | 'challenger'>;
  /** The next record and the actions of an active rollout in its phase (alarms, pause, deadline and the delivery pipeline's wait aside: the core's). */
  step(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep;
  /** From wherever the rollout is, back to what served before, for `reason`. */
  rollback(
    group: GroupPolicy,
    rollout: Rollout,
    observed: Observed,
    now: string,
    reason: string,
    cause: RollbackCause,
  ): RolloutStep;
}

/** Alarm states a caller already has: from an alarm's event (newest), or read for a whole tick. */
export interface KnownAlarms {
  readonly alarmEvent?: Readonly<Record<string, AlarmReading>>;
  readonly alarmStates?: {
    readonly asked: ReadonlySet<string>;
    readonly readings: Readonly<Record<string, AlarmReading>>;
  };
}

export interface TargetDriver {
  readonly kind: TargetKind;
  readonly decisions: TargetDecisions;
  /** Reads what the decision needs for the rollout's phase, and no more. */
  /** `now`: the event's time, which decides whether a bake's evidence is due. */
  observe(
    rollout: Rollout,
    group: GroupPolicy,
    settings: Settings,
    alarms: KnownAlarms,
    now: string,
  ): Promise<Observed>;
  /** Performs the decision's actions, in order (notices aside: the core sends them once the step is recorded). */
  act(
    context: { readonly settings: Settings; readonly writer: Writer },
    group: GroupPolicy,
    rollout: Rollout,
    actions: readonly RolloutAction[],
  ): Promise<void>;
}
