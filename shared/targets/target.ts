// One seam per kind of deployment target (in the spirit of Argo Rollouts' traffic routers). The core
// (rollout/rollout-decision.ts, engine/reconcile.ts) keeps the record, the order of phases, pause, the
// alarms, the progress deadline and the queue of approved versions. A target's decisions say what each
// of its phases does, purely; its driver reads the target and changes it.
import type { Writer } from '#shared/aws/aws-writes.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { AlarmReading, Observed } from '#shared/rollout/observed-state.ts';
import type { RollbackCause } from '#shared/rollout/rollout-outcome.ts';
import type { Phase, Rollout } from '#shared/rollout/rollout-state.ts';
import type { RolloutAction, RolloutStep } from '#shared/rollout/rollout-step.ts';
import type { Settings } from '#shared/runtime/settings.ts';

export type TargetKind = 'real-time' | 'serverless' | 'multi-model' | 'batch-transform';

export type { RollbackCause } from '#shared/rollout/rollout-outcome.ts';

/** What a target's phases do. Pure: no AWS, no clock. */
export interface TargetDecisions {
  /** Phases in which a watched alarm in ALARM makes the core roll back. */
  readonly rollbackablePhases: readonly Phase[];
  /** Phases that must make progress within the policy's `progressDeadlineMinutes`. */
  readonly deadlinePhases: readonly Phase[];
  /** The next record and the actions of an active rollout in its phase (alarms and deadline aside). */
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
