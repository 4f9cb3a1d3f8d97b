// Every decision, as an event other tools can act on (put on the default EventBridge bus): one
// detail-type per decision, one versioned detail shape for all. Pure: which events a change of the
// record makes; shared/aws/decision-bus.ts puts them.
import * as z from 'zod/mini';
import type { Rollout } from './rollout-state.ts';

export const eventSource = 'sagemaker-rollout';
/** Bumped when a field of DecisionDetail changes meaning or goes away (new fields do not bump it). */
export const detailSchemaVersion = '1';
/** Who decided when no person did. */
export const stackActor = 'sagemaker-rollout';

export const decisionTypes = {
  approved: 'Model Package Approved',
  rejected: 'Model Package Rejected',
  leftPending: 'Model Package Left Pending',
  started: 'Rollout Started',
  queued: 'Rollout Queued',
  superseded: 'Rollout Superseded',
  stepAdvanced: 'Rollout Step Advanced',
  paused: 'Rollout Paused',
  resumed: 'Rollout Resumed',
  promoted: 'Rollout Promoted',
  rollingBack: 'Rollout Rolling Back',
  rolledBack: 'Rollout Rolled Back',
  failed: 'Rollout Failed',
  deadlineExceeded: 'Rollout Deadline Exceeded',
  completed: 'Rollout Completed',
} as const;

export type DecisionType = (typeof decisionTypes)[keyof typeof decisionTypes];

/**
 * The `detail` of every event, schema version 1 (docs/operations.md: "Events for other tools"), published as JSON Schema in
 * schemas/events/decision-detail.v1.schema.json (npm run schemas).
 */
export const decisionDetailSchema = z.strictObject({
  schemaVersion: z.literal(detailSchemaVersion),
  /** The rollout's key: the endpoint, or <endpoint>/<group> and batch/<group>; null for a package decision. */
  endpointName: z.nullable(z.string()),
  groupName: z.string(),
  packageVersion: z.nullable(z.int()),
  packageArn: z.string(),
  rolloutId: z.nullable(z.string()),
  phase: z.nullable(z.string()),
  /** The challenger's share of the traffic the step moves to, for step events; else null. */
  trafficPercent: z.nullable(z.number()),
  reason: z.nullable(z.string()),
  /** Who decided: the stack (sagemaker-rollout) or a person's identity (an ARN). */
  actor: z.string(),
  /** When, ISO 8601. */
  at: z.string(),
});

export type DecisionDetail = Readonly<z.infer<typeof decisionDetailSchema>>;

export interface DecisionEvent {
  readonly detailType: DecisionType;
  readonly detail: DecisionDetail;
}

function rolloutEvent(
  detailType: DecisionType,
  rollout: Rollout,
  at: string,
  extra: Partial<DecisionDetail> = {},
): DecisionEvent {
  const last = rollout.history.at(-1);
  return {
    detailType,
    detail: {
      schemaVersion: detailSchemaVersion,
      endpointName: rollout.endpointName,
      groupName: rollout.groupName,
      packageVersion: rollout.packageVersion,
      packageArn: rollout.packageArn,
      rolloutId: rollout.rolloutId,
      phase: rollout.phase,
      trafficPercent: null,
      reason: rollout.reason ?? null,
      actor: (last?.at === at ? last.actor : undefined) ?? stackActor,
      at,
      ...extra,
    },
  };
}

const phaseEvents: Partial<Record<Rollout['phase'], DecisionType>> = {
  RollingBack: decisionTypes.rollingBack,
  RolledBack: decisionTypes.rolledBack,
  Failed: decisionTypes.failed,
  Completed: decisionTypes.completed,
};

/**
 * The decisions a write of the record made, from what it was (`before`, none for a new rollout) to what
 * was stored (`after`). `stepPercent` is the traffic share of a step index, from the policy.
 */
export function transitionEvents(
  before: Rollout | undefined,
  after: Rollout,
  at: string,
  stepPercent: (stepIndex: number) => number | undefined,
): DecisionEvent[] {
  if (before === undefined || before.rolloutId !== after.rolloutId)
    return [rolloutEvent(decisionTypes.started, after, at)];
  const events: DecisionEvent[] = [];
  if (!before.paused && after.paused) events.push(rolloutEvent(decisionTypes.paused, after, at));
  if (before.paused && !after.paused) events.push(rolloutEvent(decisionTypes.resumed, after, at));
  if (before.promotedBy === undefined && after.promotedBy !== undefined)
    events.push(rolloutEvent(decisionTypes.promoted, after, at, { actor: after.promotedBy }));
  const stepped = after.stepIndex > before.stepIndex || (before.stage === 'shadow' && after.stage === 'canary');
  if (stepped && after.phase === before.phase)
    events.push(
      rolloutEvent(decisionTypes.stepAdvanced, after, at, { trafficPercent: stepPercent(after.stepIndex) ?? null }),
    );
  if (after.phase !== before.phase) {
    const deadline = after.rollbackCause === 'deadline' && before.rollbackCause !== 'deadline';
    if (deadline) events.push(rolloutEvent(decisionTypes.deadlineExceeded, after, at));
    const type = phaseEvents[after.phase];
    if (type !== undefined) events.push(rolloutEvent(type, after, at));
  }
  return events;
}

/** A package decision of the approve function: approved, rejected, or left for a person. */
export function packageDecisionEvent(
  verdict: 'Approved' | 'Rejected' | 'NeedsHuman',
  pkg: { readonly groupName: string; readonly packageArn: string; readonly packageVersion: number | null },
  reason: string,
  at: string,
): DecisionEvent {
  const detailType = {
    Approved: decisionTypes.approved,
    Rejected: decisionTypes.rejected,
    NeedsHuman: decisionTypes.leftPending,
  }[verdict];
  return {
    detailType,
    detail: {
      schemaVersion: detailSchemaVersion,
      endpointName: null,
      ...pkg,
      rolloutId: null,
      phase: null,
      trafficPercent: null,
      reason,
      actor: stackActor,
      at,
    },
  };
}

/** A version queued behind an active rollout, or a queued one replaced by a newer approval. */
export function queueEvent(
  detailType: typeof decisionTypes.queued | typeof decisionTypes.superseded,
  endpointName: string,
  version: { readonly groupName: string; readonly packageArn: string; readonly packageVersion: number },
  reason: string,
  at: string,
): DecisionEvent {
  return {
    detailType,
    detail: {
      schemaVersion: detailSchemaVersion,
      endpointName,
      groupName: version.groupName,
      packageArn: version.packageArn,
      packageVersion: version.packageVersion,
      rolloutId: null,
      phase: detailType === decisionTypes.queued ? 'Queued' : 'Superseded',
      trafficPercent: null,
      reason,
      actor: stackActor,
      at,
    },
  };
}
