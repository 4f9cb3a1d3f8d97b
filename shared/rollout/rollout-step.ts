// The vocabulary of rollout decisions: what a step returns, the actions it may ask for, and the small
// pure helpers every phase uses. Pure: no AWS, no clock.
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { CommandHint } from './command-line.ts';
import type { AlarmState, Observed, ObservedEndpoint, ObservedIncumbent } from './observed-state.ts';
import {
  configNameFor,
  historyLimit,
  isActive,
  type Phase,
  type Rollout,
  type Tag,
  type VariantScaling,
  type VariantSpec,
} from './rollout-state.ts';
import { stackTagKey } from './stack-ownership.ts';

/** A variant's share of traffic, as UpdateEndpointWeightsAndCapacities takes it (DesiredWeightsAndCapacities). */
export interface VariantWeight {
  readonly VariantName: string;
  readonly DesiredWeight: number;
}

/** A variant's instance count, as UpdateEndpointWeightsAndCapacities takes it. */
export interface VariantCapacity {
  readonly VariantName: string;
  readonly DesiredInstanceCount: number;
}

/**
 * An endpoint config a rollout writes, as data. Every one carries the incumbent config's settings
 * and tags (data capture, KMS key, async inference...), so nothing it had is dropped on the way.
 */
export interface EndpointConfigPlan {
  readonly configName: string;
  readonly variants: readonly VariantSpec[];
  readonly shadowVariants: readonly VariantSpec[];
  readonly settings: Readonly<Record<string, unknown>>;
  readonly tags: readonly Tag[];
}

/** CreateModel from the package, with the settings the rollout carries over (VPC, isolation, environment). */
export interface ModelPlan {
  readonly modelName: string;
  readonly packageArn: string;
  readonly roleArn: string;
  readonly modelSettings: Readonly<Record<string, unknown>>;
  readonly containerSettings: Readonly<Record<string, unknown>>;
  /** A pipeline's containers (ChallengerPlan.containers); absent: one container from the package. */
  readonly containers?: readonly Readonly<Record<string, unknown>>[];
  readonly tags: readonly Tag[];
}

export type RolloutAction =
  | ({ readonly kind: 'createModel' } & ModelPlan)
  | { readonly kind: 'createEndpointConfig'; readonly plan: EndpointConfigPlan }
  | { readonly kind: 'createEndpoint'; readonly configName: string }
  /**
   * Always keeps the live instance counts of variants the new config shares (RetainAllVariantProperties);
   * `keepWeights` keeps their live weights too (a restore of the incumbent's own config after the rollback's weights).
   */
  | { readonly kind: 'updateEndpoint'; readonly configName: string; readonly keepWeights?: boolean }
  /** UpdateEndpoint with SageMaker's deployment guardrails: SageMaker shifts the traffic and rolls back itself. */
  | {
      readonly kind: 'deployWithGuardrails';
      readonly configName: string;
      readonly deploymentConfig: Readonly<Record<string, unknown>>;
    }
  /** Weights, and in the same request the instance counts of `capacities` (a rollback restores both). */
  | {
      readonly kind: 'setWeights';
      readonly weights: readonly VariantWeight[];
      readonly capacities?: readonly VariantCapacity[];
    }
  | { readonly kind: 'setCapacity'; readonly capacities: readonly VariantCapacity[] }
  /** Delete the scaling policies and scheduled actions, then deregister: before an update removes the variant. */
  | { readonly kind: 'deregisterScaling'; readonly scaling: readonly VariantScaling[] }
  | { readonly kind: 'registerScaling'; readonly scaling: readonly VariantScaling[] }
  | { readonly kind: 'putGuardAlarms'; readonly variantName: string }
  | { readonly kind: 'deleteAlarms'; readonly alarmNames: readonly string[] }
  | { readonly kind: 'rejectPackage'; readonly reason: string }
  | { readonly kind: 'deleteModels'; readonly modelNames: readonly string[] }
  | { readonly kind: 'deleteEndpointConfigs'; readonly configNames: readonly string[] }
  /** `command`: the one command the notice ends with, where it is not `commandToAct`'s (reconcile-once.ts). */
  | { readonly kind: 'notify'; readonly subject: string; readonly message: string; readonly command?: CommandHint }
  /** Multi-model: a version is a new object under the model prefix, never an overwrite. */
  | { readonly kind: 'copyArtifact'; readonly from: string; readonly to: string }
  | { readonly kind: 'deleteArtifacts'; readonly uris: readonly string[] }
  /** What clients or scheduled jobs read to know which version to use (SSM). */
  | { readonly kind: 'publishParameter'; readonly name: string; readonly value: string; readonly description: string }
  | { readonly kind: 'deleteParameter'; readonly name: string }
  | {
      readonly kind: 'createTransformJob';
      readonly jobName: string;
      readonly modelName: string;
      readonly settings: Readonly<Record<string, unknown>>;
    }
  | { readonly kind: 'stopTransformJob'; readonly jobName: string }
  /** An inference component: its first version, or a new Specification (DeploymentConfig: SageMaker's rolling update). */
  | {
      readonly kind: 'createInferenceComponent';
      readonly componentName: string;
      readonly endpointName: string;
      readonly variantName: string;
      readonly specification: Readonly<Record<string, unknown>>;
      readonly copyCount: number;
    }
  | {
      readonly kind: 'updateInferenceComponent';
      readonly componentName: string;
      readonly specification: Readonly<Record<string, unknown>>;
      readonly deploymentConfig?: Readonly<Record<string, unknown>>;
    };

export interface RolloutStep {
  /** The same object as the input when nothing changes: the caller then writes nothing. */
  readonly next: Rollout;
  readonly actions: readonly RolloutAction[];
  /** What is happening, in a few words, for logs and the timeline. */
  readonly note: string;
}

const minute = 60_000;
/** Observed and desired traffic shares agree within this many percentage points (SageMaker reports floats). */
const weightTolerance = 0.5;

/**
 * The weights a step's actions set, by variant: a weights update, or an endpoint update to a config the
 * step creates (its variants' initial weights). None when the step leaves the weights alone.
 */
export function weightsSetBy(actions: readonly RolloutAction[]): Record<string, number> | undefined {
  for (const action of actions) {
    if (action.kind === 'setWeights') {
      return Object.fromEntries(action.weights.map((weight) => [weight.VariantName, weight.DesiredWeight]));
    }
    if (action.kind === 'updateEndpoint' && action.keepWeights !== true) {
      const plan = actions.find(
        (candidate) => candidate.kind === 'createEndpointConfig' && candidate.plan.configName === action.configName,
      );
      if (plan?.kind === 'createEndpointConfig') {
        return Object.fromEntries(
          plan.plan.variants.map((variant) => [variant.VariantName, variant.InitialVariantWeight ?? 1]),
        );
      }
    }
  }
  return undefined;
}

/** The step with the weights it sets recorded on the rollout, for `rollout history`. */
export function withTrafficRecorded(step: RolloutStep, now: string): RolloutStep {
  const weights = weightsSetBy(step.actions);
  if (weights === undefined) return step;
  const trafficChanges = [...(step.next.trafficChanges ?? []), { at: now, weights }].slice(-historyLimit);
  return { ...step, next: { ...step.next, trafficChanges } };
}

export function wait(rollout: Rollout, note: string): RolloutStep {
  return { next: rollout, actions: [], note };
}

/** A new phase or step: recorded in the history; whatever held the previous one no longer does. */
export function moveTo(
  rollout: Rollout,
  phase: Phase,
  now: string,
  note: string,
  changes: Partial<Rollout> = {},
): Rollout {
  const history = [...rollout.history, { at: now, phase, note }].slice(-historyLimit);
  return { ...rollout, waitingFor: undefined, ...changes, phase, phaseSince: now, history };
}

/**
 * The one command a person would run next, from the record as the step left it: stop a rollout that is
 * still moving, else read what happened.
 */
export function commandToAct(rollout: Pick<Rollout, 'endpointName' | 'phase'>): CommandHint {
  return isActive(rollout) && rollout.phase !== 'RollingBack'
    ? { purpose: 'To stop it', command: `abort ${rollout.endpointName}`, options: '--reason "..."' }
    : { purpose: 'To see what happened', command: `history ${rollout.endpointName}` };
}

/** The notice of a rollback that has begun: why, and what the endpoint is going back to. */
export function rollingBackNotice(rollout: Rollout, reason: string): RolloutAction {
  const back = rollout.incumbentConfigName ?? 'the previous version';
  const detail = `Why: ${reason.replace(/\.$/, '')}.\nAll of the traffic goes back to ${back} now; the next notice says when the endpoint is verified as it was.`;
  return notify(rollout, 'is rolling back', detail);
}

export type NotifyAction = Extract<RolloutAction, { readonly kind: 'notify' }>;

export function notify(rollout: Rollout, outcome: string, detail: string, command?: CommandHint): NotifyAction {
  return {
    kind: 'notify',
    subject: `${rollout.endpointName}: ${rollout.groupName} v${rollout.packageVersion} ${outcome}`,
    message: `${detail}\n\nmodel package: ${rollout.packageArn}\nrollout: ${rollout.rolloutId}`,
    ...(command === undefined ? {} : { command }),
  };
}

/**
 * Holds the rollout and tells people why, once: the record keeps what it waits for (`rollout status`
 * shows it) and that the notice went out, so later ticks only wait.
 */
export function holdWithNotice(
  rollout: Rollout,
  notice: { readonly key: string; readonly outcome: string; readonly detail: string; readonly command?: CommandHint },
  waitingFor: string,
  extra: RolloutAction[] = [],
): RolloutStep {
  if (rollout.noticesSent.includes(notice.key)) {
    const next = rollout.waitingFor === waitingFor ? rollout : { ...rollout, waitingFor };
    return { next, actions: extra, note: `waiting: ${waitingFor}` };
  }
  return {
    next: { ...rollout, waitingFor, noticesSent: [...rollout.noticesSent, notice.key] },
    actions: [...extra, notify(rollout, notice.outcome, notice.detail, notice.command)],
    note: `waiting: ${waitingFor}`,
  };
}

export function sharesOf(endpoint: ObservedEndpoint): Map<string, number> {
  const total = endpoint.variants.reduce((sum, variant) => sum + variant.weight, 0);
  return new Map(
    endpoint.variants.map((variant) => [variant.VariantName, total > 0 ? (variant.weight / total) * 100 : 0]),
  );
}

export function weightsMatch(endpoint: ObservedEndpoint, desired: readonly VariantWeight[]): boolean {
  const shares = sharesOf(endpoint);
  return desired.every(
    (weight) => Math.abs((shares.get(weight.VariantName) ?? 0) - weight.DesiredWeight) <= weightTolerance,
  );
}

export function elapsedMinutes(since: string, now: string): number {
  return (Date.parse(now) - Date.parse(since)) / minute;
}

/** Our update took effect or failed only if the endpoint changed after we asked. */
export function changedSinceRequest(rollout: Rollout, endpoint: ObservedEndpoint): boolean {
  return (
    rollout.updateRequestedAt === undefined ||
    Date.parse(endpoint.lastModifiedTime) > Date.parse(rollout.updateRequestedAt)
  );
}

/** What gives the new version traffic (or more of it): weights, a config that holds it, clients told to use it. */
const trafficMoves: ReadonlySet<RolloutAction['kind']> = new Set([
  'setWeights',
  'updateEndpoint',
  'deployWithGuardrails',
  'publishParameter',
]);

/** A forward step that moves traffic: the core reads the alarms again just before it is sent. */
export function movesTrafficForward(step: RolloutStep): boolean {
  return (
    isActive(step.next) &&
    step.next.phase !== 'RollingBack' &&
    step.actions.some((action) => trafficMoves.has(action.kind))
  );
}

/**
 * Why the watched alarms, as read just now, forbid giving the new version more traffic; undefined when
 * they allow it. A guard alarm not created yet (the first step creates it) does not forbid.
 */
export function alarmsForbidTraffic(
  rollout: Rollout,
  insufficientDataIsOk: boolean,
  states: Readonly<Record<string, AlarmState | undefined>>,
): string | undefined {
  for (const name of rollout.watchedAlarms) {
    const state = states[name];
    if (state === 'ALARM') return `alarm ${name} is in ALARM`;
    if (state === 'INSUFFICIENT_DATA' && !insufficientDataIsOk) return `alarm ${name} has no data yet`;
    if (state === undefined && !rollout.guardAlarms.includes(name)) return `alarm ${name} does not exist`;
  }
  return undefined;
}

export function firingAlarm(rollout: Rollout, observed: Observed): string | undefined {
  return rollout.watchedAlarms.find((name) => observed.alarms[name] === 'ALARM');
}

/** Guard alarms are level-checked: one that is missing (a failed first try, a deletion) is put back. */
export function missingGuards(rollout: Rollout, observed: Observed): RolloutAction[] {
  if (observed.alarmsPartial) return [];
  const missing = rollout.guardAlarms.some((name) => observed.alarms[name] === undefined);
  return missing ? [{ kind: 'putGuardAlarms', variantName: rollout.challengerVariant }] : [];
}

/** Alarms the policy names that do not exist: they can never fire, so they never count as OK. */
export function missingPolicyAlarms(rollout: Rollout, observed: Observed): string[] {
  if (observed.alarmsPartial) return [];
  return rollout.watchedAlarms.filter(
    (name) => !rollout.guardAlarms.includes(name) && observed.alarms[name] === undefined,
  );
}

/** Holds a step while a watched alarm is missing, and tells people once which alarm it is. */
export function holdForMissingAlarms(rollout: Rollout, missing: readonly string[]): RolloutStep {
  const names = missing.join(', ');
  const waitingFor = `alarm ${names} does not exist`;
  const detail =
    `The rollout watches ${names}, which CloudWatch does not have (a typo in the policy, or the alarm was deleted). ` +
    'A missing alarm can never fire, so the rollout does not step further until it exists; ' +
    'after rollout.progressDeadlineMinutes it fails. Create the alarm, or remove it from rollout.config.yml.';
  return holdWithNotice(
    rollout,
    { key: `missing-alarm:${names}`, outcome: `is waiting: ${waitingFor}`, detail },
    waitingFor,
  );
}

/**
 * What holds any rollout before it touches an existing endpoint: an update in flight, a watched alarm
 * firing already, a watched alarm that does not exist. Undefined: it may start.
 */
export function holdBeforeStart(
  rollout: Rollout,
  endpoint: ObservedEndpoint,
  observed: Observed,
): RolloutStep | undefined {
  if (endpoint.status !== 'InService') return wait(rollout, `waiting: the endpoint is ${endpoint.status}`);
  const alarm = firingAlarm(rollout, observed);
  if (alarm !== undefined) {
    // Said at once, not only when the deadline fails it: people may be waiting for a version that cannot start.
    const waitingFor = `alarm ${alarm} is in ALARM before the rollout started`;
    const detail =
      `The rollout watches ${alarm} (metric or composite), which is in ALARM now: a new version never starts on an ` +
      'endpoint that is already unhealthy. It starts when the alarm is OK again; after rollout.progressDeadlineMinutes it fails. ' +
      'The endpoint was not touched.';
    return holdWithNotice(
      rollout,
      { key: `firing-at-start:${alarm}`, outcome: `is waiting: alarm ${alarm} is in ALARM`, detail },
      waitingFor,
    );
  }
  const missing = missingPolicyAlarms(rollout, observed);
  return missing.length > 0 ? holdForMissingAlarms(rollout, missing) : undefined;
}

/** The stack's IAM policy lets it update only endpoints with its tag: until the team tags theirs, it waits. */
export function holdForOwnership(
  rollout: Rollout,
  owner: Exclude<ObservedIncumbent['endpointOwner'], { kind: 'this stack' }>,
  endpoint = rollout.endpointName,
): RolloutStep {
  if (owner.kind === 'another stack') {
    const waitingFor = `endpoint ${endpoint} belongs to stack ${owner.stackName}`;
    const detail =
      `The endpoint carries ${stackTagKey}=${owner.stackName}: another sagemaker-rollout stack manages it, and two ` +
      'would undo each other. Remove the group from one of the policies. The endpoint was not touched.';
    return holdWithNotice(rollout, { key: 'owner:another', outcome: `is waiting: ${waitingFor}`, detail }, waitingFor);
  }
  const waitingFor = `endpoint ${endpoint} is not tagged ${stackTagKey}`;
  const detail =
    `This stack may update only endpoints tagged ${stackTagKey} with its name (its IAM policy). The team created ` +
    `${endpoint}: hand it over once with the command below (or aws sagemaker add-tags). ` +
    'The rollout starts when the tag is there; after rollout.progressDeadlineMinutes it fails. The endpoint was not touched.';
  const command = { purpose: 'To hand it over', command: 'groups', options: '--tag-endpoints' };
  return holdWithNotice(
    rollout,
    { key: 'owner:untagged', outcome: `is waiting: ${waitingFor}`, detail, command },
    waitingFor,
  );
}

export function guardCleanup(rollout: Rollout): RolloutAction[] {
  return rollout.guardAlarms.length > 0 ? [{ kind: 'deleteAlarms', alarmNames: rollout.guardAlarms }] : [];
}

/** The challenger's model, from its package, run by the group's execution role, with the incumbent model's settings. */
export function createChallengerModel(group: GroupPolicy, rollout: Rollout): RolloutAction {
  return {
    kind: 'createModel',
    modelName: rollout.challengerModel,
    packageArn: rollout.packageArn,
    roleArn: group.executionRoleArn,
    modelSettings: rollout.challenger.modelSettings,
    containerSettings: rollout.challenger.containerSettings,
    ...(rollout.challenger.containers === undefined ? {} : { containers: rollout.challenger.containers }),
    tags: rollout.challenger.modelTags,
  };
}

/** Apply (or re-apply after a crash) the update to `plan`; creating what exists already is harmless. */
export function requestUpdate(group: GroupPolicy, rollout: Rollout, plan: EndpointConfigPlan): RolloutAction[] {
  return [
    createChallengerModel(group, rollout),
    { kind: 'createEndpointConfig', plan },
    { kind: 'updateEndpoint', configName: plan.configName },
  ];
}

export function fail(rollout: Rollout, now: string, reason: string, extra: RolloutAction[] = []): RolloutStep {
  const next = moveTo(rollout, 'Failed', now, reason, { reason });
  return { next, actions: [...extra, ...guardCleanup(rollout), notify(rollout, 'failed', reason)], note: reason };
}

/** The configs this rollout created on the way to its final one (a first deployment creates none). */
export function transitionalConfigs(group: GroupPolicy, rollout: Rollout): string[] {
  if (rollout.incumbentConfigName === undefined) return [];
  const purposes = group.rollout.strategy === 'shadow' ? (['shadow', 'canary'] as const) : (['canary'] as const);
  return purposes.map((purpose) => configNameFor(rollout.endpointName, rollout.packageVersion, purpose));
}
