// `rollout status <endpoint>`: what the endpoint serves and why the rollout is where it is. One object per
// endpoint (the --json output), printed for people by statusLines.

import { DescribeEndpointCommand } from '@aws-sdk/client-sagemaker';
import { readAlarms } from '#shared/aws/cloudwatch.ts';
import { deploymentOf } from '#shared/aws/endpoint-deployment.ts';
import { describeInferenceComponent } from '#shared/aws/inference-components.ts';
import { type EarlierVersion, listRolloutHistory, readEndpointState } from '#shared/aws/rollout-store.ts';
import { sagemaker } from '#shared/aws/sagemaker.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import { type AnalysisResult, analysisReport, bakeMinutesOf } from '#shared/rollout/analysis.ts';
import { stackActor } from '#shared/rollout/decision-events.ts';
import type { ObservedEndpoint } from '#shared/rollout/observed-state.ts';
import { progressDueAt } from '#shared/rollout/rollout-decision.ts';
import { planDrift, planOf } from '#shared/rollout/rollout-plan.ts';
import { isActive, type Rollout } from '#shared/rollout/rollout-state.ts';
import type { RunContext } from '#shared/runtime/run-context.ts';
import { driverFor } from '#shared/targets/drivers.ts';
import {
  readServerlessServing,
  type ServedConfig,
  type ServerlessServing,
} from '#shared/targets/serverless/served-versions.ts';
import { eventTime } from './event-builders.ts';

export interface VariantTraffic {
  readonly variant: string;
  /** The model package version the variant serves; null when it cannot be told (a variant someone added). */
  readonly version: number | null;
  readonly weightPercent: number;
  readonly instanceCount: number | null;
}

export interface StatusView {
  readonly endpointName: string;
  readonly groupName: string;
  /**
   * The version serving (all of the traffic, or the incumbent's share during a rollout); on a serverless endpoint,
   * the version of the config SageMaker reports serving (the old one until its deployment ends).
   */
  readonly liveVersion: number | null;
  /** The version of the endpoint's latest rollout, active or not. */
  readonly rolloutVersion: number;
  /** The version rolling out; null when no rollout is active. */
  readonly rollingOutVersion: number | null;
  readonly phase: Rollout['phase'];
  readonly phaseSince: string;
  readonly paused: boolean;
  /** 1-based, of the policy's steps, while a canary's traffic is moving. */
  readonly step: { readonly index: number; readonly of: number; readonly percent: number } | null;
  readonly endpointStatus: string | null;
  readonly traffic: readonly VariantTraffic[];
  /** A serverless endpoint as SageMaker reports it: the version serving, a deployment in flight, a rollback's reason. */
  readonly serverless: ServerlessServing | null;
  /** A multi-model group: the object clients are told to use (TargetModel); a batch group: its transform job. */
  readonly targetModel: string | null;
  readonly transformJobName: string | null;
  /** An inference component group: the component as SageMaker describes it now (its model, status, copies). */
  readonly component?: string | null;
  readonly alarms: readonly { readonly name: string; readonly state: string }[];
  /** When the current bake ends and the next step is due (ISO); null when nothing is timed (waiting, paused, done). */
  readonly nextStepAt: string | null;
  readonly waitingFor: string | null;
  /** When the current step must be done by, or the rollout fails back (ISO); null when paused or not active. */
  readonly deadlineAt: string | null;
  readonly reason: string | null;
  /** The plan the rollout runs on (its hash), and what changed in the policy since, if anything. */
  readonly plan: { readonly hash: string; readonly policyChanged: string | null } | null;
  readonly lastAnalysis: AnalysisResult | null;
  readonly queuedVersion: number | null;
  /** The record's decisions, ordered by time. */
  readonly history: readonly {
    readonly at: string;
    readonly phase: string;
    readonly note: string;
    readonly actor: string;
  }[];
  readonly earlier: readonly { readonly version: number; readonly phase: string; readonly reason: string | null }[];
}

const minute = 60_000;

/** A variant the stack named `<group>-<version>` tells its version; the team's own names do not. */
function versionFromName(groupName: string, variantName: string): number | null {
  const match = new RegExp(`^${groupName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`).exec(variantName);
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** What served before this rollout: the last completed rollout's version, else what the incumbent's name says. */
function incumbentVersion(rollout: Rollout, earlier: readonly EarlierVersion[]): number | null {
  const completed = earlier
    .flatMap((previous) => (previous.kind === 'rollout' ? [previous.rollout] : []))
    .find((previous) => previous.phase === 'Completed');
  if (completed !== undefined) return completed.packageVersion;
  const named = rollout.incumbentVariants.map((variant) => versionFromName(rollout.groupName, variant.VariantName));
  return named.find((version) => version !== null) ?? null;
}

export function nextStepAt(group: GroupPolicy | undefined, rollout: Rollout): string | null {
  if (group === undefined || rollout.phase !== 'Baking' || rollout.paused || rollout.bakeStartedAt === undefined)
    return null;
  if (rollout.waitingFor !== undefined) return null;
  const due = Date.parse(rollout.bakeStartedAt) + bakeMinutesOf(group, rollout) * minute;
  return eventTime(due);
}

/** Targets whose versions SageMaker's guardrails deploy: the variant keeps its name, its config tells the version. */
const guardrails = new Set(['serverless', 'real-time-guardrails']);

async function describeTraffic(rollout: Rollout, incumbent: number | null) {
  const endpoint = await sagemaker
    .send(new DescribeEndpointCommand({ EndpointName: rollout.endpointName }))
    .catch((error: { name?: string }) => {
      if (error.name === 'ValidationException') return undefined;
      throw error;
    });
  // A serverless rollout keeps the variant's name: which version it runs is read from its config, not its name.
  const serverless =
    guardrails.has(rollout.target ?? '') && endpoint !== undefined
      ? await readServerlessServing(rollout.endpointName, rollout.groupName, deploymentOf(endpoint))
      : null;
  const variants = endpoint?.ProductionVariants ?? [];
  const total = variants.reduce((sum, variant) => sum + (variant.CurrentWeight ?? 0), 0);
  const incumbents = new Set(rollout.incumbentVariants.map((variant) => variant.VariantName));
  const traffic = variants.map((variant): VariantTraffic => {
    const name = variant.VariantName ?? '';
    const version =
      serverless !== null
        ? (serverless.serving?.version ?? null)
        : name === rollout.challengerVariant
          ? rollout.packageVersion
          : incumbents.has(name)
            ? incumbent
            : versionFromName(rollout.groupName, name);
    return {
      variant: name,
      version,
      weightPercent: total > 0 ? Math.round(((variant.CurrentWeight ?? 0) / total) * 1000) / 10 : 0,
      instanceCount: variant.CurrentInstanceCount ?? null,
    };
  });
  // What the target's own deadline rule reads of the endpoint (its status and when it last changed).
  const observedEndpoint: ObservedEndpoint | undefined =
    endpoint?.EndpointStatus === undefined || endpoint.LastModifiedTime === undefined
      ? undefined
      : {
          status: endpoint.EndpointStatus,
          configName: endpoint.EndpointConfigName ?? '',
          variants: [],
          shadowVariants: [],
          lastModifiedTime: endpoint.LastModifiedTime.toISOString(),
        };
  return { endpointStatus: endpoint?.EndpointStatus ?? null, traffic, serverless, observedEndpoint };
}

/** The component the rollout's key names (`<endpoint>/<component>`), as SageMaker describes it: 1 call. */
async function describeComponent(rollout: Rollout): Promise<string> {
  const name = rollout.endpointName.split('/').at(-1) ?? rollout.endpointName;
  const component = await describeInferenceComponent(name);
  if (component === null) return `${name}: does not exist`;
  const reason = component.failureReason === undefined ? '' : `; ${component.failureReason}`;
  return `${name}: ${component.modelName} ${component.status}, ${component.currentCopyCount} copies${reason}`;
}

/** The deadline as the core computes it: the target adds the time AWS's own clock allows (a guardrail deployment's timeout). */
function deadlineOf(group: GroupPolicy, rollout: Rollout, endpoint: ObservedEndpoint | undefined): number {
  const allowance = driverFor(rollout).decisions.phaseAllowanceMinutes?.(group, rollout, { endpoint, alarms: {} });
  return progressDueAt(group, rollout, allowance ?? 0);
}

/** Reads the record, the endpoint and the alarms: 4 to 5 calls; on a serverless endpoint, 3 more a config it names. */
export async function statusView(context: RunContext, endpointName: string): Promise<StatusView | undefined> {
  const table = context.settings.rolloutsTableName;
  const { rollout, queued } = await readEndpointState(table, endpointName);
  if (rollout === undefined) return undefined;
  // Steps, bake and deadline as the rollout runs them: its frozen plan, not the policy as it is now.
  const plan = planOf(rollout);
  const live = context.policy.group(rollout.groupName);
  const group = plan?.group ?? live;
  const earlier = await listRolloutHistory(table, endpointName, 5);
  const active = isActive(rollout);
  const incumbent = incumbentVersion(rollout, earlier);
  const { endpointStatus, traffic, serverless, observedEndpoint } =
    (rollout.target ?? 'real-time') === 'real-time' || guardrails.has(rollout.target ?? '')
      ? await describeTraffic(rollout, incumbent)
      : { endpointStatus: null, traffic: [], serverless: null, observedEndpoint: undefined };
  // Before the rollout has read the incumbent, what serves is what the endpoint's variants are named.
  const serving = incumbent ?? traffic.find((variant) => variant.version !== rollout.packageVersion)?.version ?? null;
  const alarmNames = [...new Set([...rollout.watchedAlarms, ...(active ? rollout.guardAlarms : [])])];
  const readings = alarmNames.length === 0 ? {} : await readAlarms(alarmNames);
  const steps = group?.rollout.steps ?? [];
  const stepped = active && rollout.phase === 'Baking' && rollout.stage === 'canary' && steps.length > 0;
  return {
    endpointName,
    groupName: rollout.groupName,
    liveVersion: guardrails.has(rollout.target ?? '')
      ? (serverless?.serving?.version ?? null)
      : rollout.phase === 'Completed'
        ? rollout.packageVersion
        : serving,
    rolloutVersion: rollout.packageVersion,
    rollingOutVersion: active ? rollout.packageVersion : null,
    phase: rollout.phase,
    phaseSince: rollout.phaseSince,
    paused: rollout.paused,
    step: stepped ? { index: rollout.stepIndex + 1, of: steps.length, percent: steps[rollout.stepIndex] ?? 100 } : null,
    endpointStatus,
    traffic,
    serverless,
    targetModel: rollout.targetModel ?? null,
    transformJobName: rollout.transformJobName ?? null,
    component: rollout.target === 'inference-component' ? await describeComponent(rollout) : null,
    alarms: alarmNames.map((name) => ({ name, state: readings[name]?.state ?? 'MISSING' })),
    nextStepAt: active ? nextStepAt(group, rollout) : null,
    waitingFor: rollout.waitingFor ?? (rollout.paused ? 'paused' : null),
    deadlineAt:
      active && !rollout.paused && group !== undefined ? eventTime(deadlineOf(group, rollout, observedEndpoint)) : null,
    reason: rollout.reason ?? null,
    plan:
      plan === undefined ? null : { hash: plan.hash, policyChanged: active ? (planDrift(plan, live) ?? null) : null },
    lastAnalysis: rollout.analyses?.at(-1) ?? null,
    queuedVersion: queued?.packageVersion ?? null,
    history: [...rollout.history]
      .sort((left, right) => Date.parse(left.at) - Date.parse(right.at))
      .map((entry) => ({ at: entry.at, phase: entry.phase, note: entry.note, actor: entry.actor ?? stackActor })),
    earlier: earlier.map((previous) =>
      previous.kind === 'rollout'
        ? {
            version: previous.rollout.packageVersion,
            phase: previous.rollout.phase,
            reason: previous.rollout.reason ?? null,
          }
        : { version: previous.packageVersion, phase: 'Superseded', reason: previous.reason },
    ),
  };
}

/** What holds a rollout, as a phrase: "waiting for invocations: 2 of 100", "waiting: alarm x does not exist". */
export function waitingWords(waitingFor: string): string {
  return waitingFor.startsWith('waiting') ? waitingFor : `waiting: ${waitingFor}`;
}

function clock(at: string): string {
  return at.replace(/\.\d{3}Z$/, 'Z');
}

const versionOf = (version: number | null) => (version === null ? '?' : `v${version}`);

/** `v2 (config search-prod-v2-final, model search-prod-v2)`, and why the model does not tell its version. */
function describeServed(served: ServedConfig): string {
  const model = served.modelName === null ? '' : `, model ${served.modelName}`;
  const unidentified =
    served.unidentified === null
      ? ''
      : `; ${served.version === null ? 'unidentified' : 'by the config name'}: ${served.unidentified}`;
  return `${versionOf(served.version)} (config ${served.configName}${model}${unidentified})`;
}

/** What SageMaker says of a serverless endpoint, whatever the record says. */
function serverlessLines(serverless: ServerlessServing, endpointStatus: string | null): string[] {
  const { serving, deploying, failureReason } = serverless;
  const lines = [`  serving   ${serving === null ? 'nothing yet' : describeServed(serving)}`];
  if (deploying !== null) {
    const started = deploying.startedAt === null ? '' : ` since ${clock(deploying.startedAt)}`;
    const status = deploying.status === null ? '' : `: ${deploying.status}`;
    lines.push(`  deploying ${describeServed(deploying)} by SageMaker${started}${status}`);
  }
  if (failureReason !== null) {
    lines.push(
      endpointStatus === 'Failed'
        ? `  failed    the endpoint is Failed: ${failureReason}`
        : `  rollback  SageMaker rolled its last update back, ${versionOf(serving?.version ?? null)} serves again: ${failureReason}`,
    );
  }
  return lines;
}

/** The view as a person reads it: what serves, what moves, what guards it, what comes next and why. */
export function statusLines(view: StatusView): string[] {
  const rolling = view.rollingOutVersion === null ? '' : `, rolling out v${view.rollingOutVersion}`;
  const step = view.step === null ? '' : ` step ${view.step.index} of ${view.step.of} (${view.step.percent}%)`;
  const paused = view.paused ? ' (paused)' : '';
  const lines = [
    `${view.endpointName} (${view.groupName}): live ${versionOf(view.liveVersion)}${rolling}`,
    `  phase     ${view.phase}${step}${paused} since ${clock(view.phaseSince)}${view.reason === null ? '' : `: ${view.reason}`}`,
  ];
  if (view.serverless !== null) lines.push(...serverlessLines(view.serverless, view.endpointStatus));
  if (view.traffic.length > 0) {
    const split = view.traffic
      .map((variant) => {
        const instances = variant.instanceCount === null ? '' : ` on ${variant.instanceCount} instance(s)`;
        return `${variant.variant} (${versionOf(variant.version)}) ${variant.weightPercent}%${instances}`;
      })
      .join(', ');
    lines.push(
      `  traffic   ${split}${view.endpointStatus === 'InService' ? '' : ` [endpoint ${view.endpointStatus}]`}`,
    );
  }
  if (view.targetModel !== null) lines.push(`  target    clients use ${view.targetModel}`);
  if (view.transformJobName !== null) lines.push(`  job       ${view.transformJobName}`);
  if (view.component != null) lines.push(`  component ${view.component}`);
  if (view.alarms.length > 0)
    lines.push(`  alarms    ${view.alarms.map((alarm) => `${alarm.name} ${alarm.state}`).join(', ')}`);
  if (view.rollingOutVersion !== null) {
    const next = view.nextStepAt === null ? 'not timed' : clock(view.nextStepAt);
    lines.push(`  next step ${next}${view.waitingFor === null ? '' : ` (${waitingWords(view.waitingFor)})`}`);
    if (view.deadlineAt !== null)
      lines.push(`  deadline  ${clock(view.deadlineAt)} (no progress by then: it rolls back and fails)`);
  }
  if (view.plan?.policyChanged) lines.push(`  plan      ${view.plan.policyChanged}`);
  if (view.queuedVersion !== null) lines.push(`  queued    v${view.queuedVersion}`);
  const analysis = view.lastAnalysis;
  if (analysis !== null) {
    const where = analysis.kind === 'ab-test' ? 'A/B test' : `step ${analysis.stepIndex + 1}`;
    lines.push(`  evidence at ${clock(analysis.at)} (${where}): ${analysis.verdict}`);
    lines.push(
      ...analysisReport(analysis)
        .split('\n')
        .map((line) => `    ${line}`),
    );
  }
  lines.push('  history');
  for (const entry of view.history) {
    const actor = entry.actor === stackActor ? '' : `  (by ${entry.actor})`;
    lines.push(`    ${clock(entry.at)}  ${entry.phase.padEnd(12)} ${entry.note}${actor}`);
  }
  for (const previous of view.earlier) {
    lines.push(
      `  earlier   v${previous.version} ${previous.phase}${previous.reason === null ? '' : `: ${previous.reason}`}`,
    );
  }
  return lines;
}
