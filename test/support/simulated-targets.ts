// A small simulated AWS for the driver contract: one world that carries out every action of the rollout
// vocabulary as SageMaker, SSM, S3 and CloudWatch would (updates in flight until time settles them,
// guardrail deployments that roll back on an alarm or their own timeout, transform jobs that run and end),
// and observes it for each target as its driver's observe() would. Writes can be refused, as SageMaker
// refuses them (a quota, a bad setting, an empty input prefix).
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type {
  AlarmState,
  Observed,
  ObservedEndpoint,
  ObservedInferenceComponent,
} from '#shared/rollout/observed-state.ts';
import type { Rollout, VariantSpec } from '#shared/rollout/rollout-state.ts';
import type { EndpointConfigPlan, RolloutAction } from '#shared/rollout/rollout-step.ts';
import { executionTimeoutOf } from '#shared/targets/endpoints/guardrail-decisions.ts';

export type { TargetKind } from '#shared/targets/target.ts';

import type { TargetKind } from '#shared/targets/target.ts';

const minute = 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

export class RefusedError extends Error {
  override readonly name = 'ValidationException';
}

interface LiveVariant {
  readonly VariantName: string;
  readonly weight: number;
  readonly instances: number;
}

interface EndpointState {
  status: 'InService' | 'Updating' | 'Creating';
  configName: string;
  variants: LiveVariant[];
  failureReason?: string;
  lastModifiedMs: number;
  /** What lands when time settles it, and (a guardrail deployment) when SageMaker gives it up by itself. */
  pending?: { readonly land: () => void; readonly rollBackOnAlarm: boolean; readonly timeoutAtMs?: number };
}

/** An inference component: one model in copies; an update with a DeploymentConfig rolls back on an alarm or its timeout. */
interface ComponentState {
  status: 'InService' | 'Updating' | 'Creating';
  modelName: string;
  computeResources: Readonly<Record<string, unknown>>;
  copies: number;
  failureReason?: string;
  lastModifiedMs: number;
  pending?: { readonly modelName: string; readonly rollBackOnAlarm: boolean; readonly timeoutAtMs?: number };
}

/** What a version serves, for the safety checks: which version's model each serving variant or pointer names. */
export interface Serving {
  readonly versions: readonly number[];
}

export const incumbentVersion = 1;

export class SimulatedWorld {
  endpoint: EndpointState | undefined;
  component: ComponentState | undefined;
  readonly configs = new Map<string, EndpointConfigPlan>();
  readonly models = new Set<string>();
  readonly alarms = new Map<string, AlarmState>();
  readonly parameters = new Map<string, string>();
  readonly objects = new Set<string>();
  readonly jobs = new Map<string, { status: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped' }>();
  readonly rejected: string[] = [];
  /** The next this many writes are refused. */
  refusals = 0;
  private clockMs: number;

  constructor(
    readonly kind: TargetKind,
    readonly plan: GroupPolicy,
    startMs: number,
    readonly groupName: string,
    readonly incumbentModel: string,
  ) {
    this.clockMs = startMs - 60 * minute;
    for (const name of plan.rollout.alarms) this.alarms.set(name, 'OK');
    this.models.add(incumbentModel);
    if (kind === 'batch-transform') {
      this.parameters.set(`batch-model/${groupName}`, incumbentModel);
      return;
    }
    const variant: VariantSpec =
      kind === 'serverless'
        ? {
            VariantName: 'AllTraffic',
            ModelName: incumbentModel,
            ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
          }
        : { VariantName: 'incumbent', ModelName: incumbentModel, InstanceType: 'ml.m5.large', InitialInstanceCount: 2 };
    const configName = `${plan.endpointName}-v1-final`;
    this.configs.set(configName, { configName, variants: [variant], shadowVariants: [], settings: {}, tags: [] });
    this.endpoint = {
      status: 'InService',
      configName,
      variants: [{ VariantName: variant.VariantName, weight: 1, instances: kind === 'serverless' ? 0 : 2 }],
      lastModifiedMs: this.clockMs,
    };
    if (kind === 'multi-model') this.parameters.set(`target-model/${groupName}`, incumbentModel);
    if (kind === 'inference-component') {
      this.component = {
        status: 'InService',
        modelName: incumbentModel,
        computeResources: { MinMemoryRequiredInMb: 1024 },
        copies: 4,
        lastModifiedMs: this.clockMs,
      };
    }
  }

  private stamp(nowMs: number): number {
    this.clockMs = Math.max(this.clockMs + 1000, nowMs);
    return this.clockMs;
  }

  setAlarm(name: string, state: AlarmState): void {
    if (this.alarms.has(name)) this.alarms.set(name, state);
  }

  /** Time passes: what is in flight lands if `settle` (or SageMaker's own timeout passed); jobs end. */
  passTime(nowMs: number, settle: boolean, jobFails: boolean): void {
    const endpoint = this.endpoint;
    const pending = endpoint?.pending;
    if (endpoint !== undefined && pending !== undefined) {
      const firing = [...this.alarms.values()].includes('ALARM');
      const timedOut = pending.timeoutAtMs !== undefined && nowMs >= pending.timeoutAtMs;
      if (pending.rollBackOnAlarm && (firing || timedOut)) {
        // SageMaker's auto-rollback: the endpoint keeps its config and says why.
        endpoint.pending = undefined;
        endpoint.status = 'InService';
        endpoint.failureReason = firing ? 'auto-rollback alarm(s) in ALARM state' : 'deployment timed out';
        endpoint.lastModifiedMs = this.stamp(nowMs);
      } else if (settle || timedOut) {
        endpoint.pending = undefined;
        endpoint.status = 'InService';
        endpoint.failureReason = undefined;
        pending.land();
        endpoint.lastModifiedMs = this.stamp(nowMs);
      }
    }
    this.passComponentTime(nowMs, settle);
    for (const [name, job] of this.jobs) {
      if (job.status === 'InProgress' && settle) this.jobs.set(name, { status: jobFails ? 'Failed' : 'Completed' });
      if (job.status === 'Stopping') this.jobs.set(name, { status: 'Stopped' });
    }
  }

  private passComponentTime(nowMs: number, settle: boolean): void {
    const component = this.component;
    const pending = component?.pending;
    if (component === undefined || pending === undefined) return;
    const firing = [...this.alarms.entries()].filter(([, state]) => state === 'ALARM').map(([name]) => name);
    const timedOut = pending.timeoutAtMs !== undefined && nowMs >= pending.timeoutAtMs;
    if (pending.rollBackOnAlarm && (firing.length > 0 || timedOut)) {
      // SageMaker's auto-rollback: the component keeps its model and says why.
      component.failureReason =
        firing.length > 0
          ? `auto-rollback alarm(s) ${firing.join(', ')} in ALARM state`
          : 'it did not complete within MaximumExecutionTimeoutInSeconds';
    } else if (settle || timedOut) {
      component.modelName = pending.modelName;
      component.failureReason = undefined;
    } else {
      return;
    }
    component.pending = undefined;
    component.status = 'InService';
    component.lastModifiedMs = this.stamp(nowMs);
  }

  private inService(): EndpointState {
    const endpoint = this.endpoint;
    if (endpoint === undefined) throw new RefusedError('Could not find endpoint.');
    if (endpoint.status !== 'InService')
      throw new RefusedError(`Cannot update in-progress endpoint (${endpoint.status}).`);
    return endpoint;
  }

  private variantsOf(configName: string, keepWeightsOf?: readonly LiveVariant[]): LiveVariant[] {
    const config = this.configs.get(configName);
    if (config === undefined) throw new RefusedError(`Could not find endpoint configuration "${configName}".`);
    return config.variants.map((variant) => {
      const live = keepWeightsOf?.find((candidate) => candidate.VariantName === variant.VariantName);
      return {
        VariantName: variant.VariantName,
        weight: live?.weight ?? variant.InitialVariantWeight ?? 1,
        instances: live?.instances ?? variant.InitialInstanceCount ?? 1,
      };
    });
  }

  /** Performs one action as the adapters in shared/aws do (a create of what exists is harmless). */
  perform(action: RolloutAction, nowMs: number): void {
    if (action.kind !== 'notify' && this.refusals > 0) {
      this.refusals -= 1;
      throw new RefusedError(`${action.kind} refused`);
    }
    switch (action.kind) {
      case 'createModel':
        this.models.add(action.modelName);
        return;
      case 'createEndpointConfig':
        if (!this.configs.has(action.plan.configName)) this.configs.set(action.plan.configName, action.plan);
        return;
      case 'createEndpoint': {
        if (this.endpoint !== undefined) return;
        const variants = this.variantsOf(action.configName);
        this.endpoint = {
          status: 'Creating',
          configName: action.configName,
          variants: [],
          lastModifiedMs: this.stamp(nowMs),
        };
        const endpoint = this.endpoint;
        endpoint.pending = { land: () => Object.assign(endpoint, { variants }), rollBackOnAlarm: false };
        return;
      }
      case 'updateEndpoint': {
        const endpoint = this.inService();
        const variants = this.variantsOf(action.configName, action.keepWeights ? endpoint.variants : undefined);
        endpoint.status = 'Updating';
        endpoint.lastModifiedMs = this.stamp(nowMs);
        endpoint.pending = {
          land: () => Object.assign(endpoint, { configName: action.configName, variants }),
          rollBackOnAlarm: false,
        };
        return;
      }
      case 'deployWithGuardrails': {
        const endpoint = this.inService();
        const variants = this.variantsOf(action.configName);
        endpoint.status = 'Updating';
        endpoint.lastModifiedMs = this.stamp(nowMs);
        endpoint.pending = {
          land: () => Object.assign(endpoint, { configName: action.configName, variants }),
          rollBackOnAlarm: true,
          // SageMaker's own clock: the update policy's MaximumExecutionTimeoutInSeconds, as sent.
          timeoutAtMs: nowMs + executionTimeoutOf(action.deploymentConfig) * 1000,
        };
        return;
      }
      case 'setWeights':
      case 'setCapacity': {
        const endpoint = this.inService();
        const weights = action.kind === 'setWeights' ? action.weights : [];
        const capacities = action.capacities ?? [];
        for (const change of [...weights, ...capacities]) {
          if (!endpoint.variants.some((variant) => variant.VariantName === change.VariantName)) {
            throw new RefusedError(`The variant "${change.VariantName}" is not present on the endpoint.`);
          }
        }
        const variants = endpoint.variants.map((variant) => ({
          ...variant,
          weight: weights.find((weight) => weight.VariantName === variant.VariantName)?.DesiredWeight ?? variant.weight,
          instances:
            capacities.find((capacity) => capacity.VariantName === variant.VariantName)?.DesiredInstanceCount ??
            variant.instances,
        }));
        endpoint.status = 'Updating';
        endpoint.lastModifiedMs = this.stamp(nowMs);
        endpoint.pending = { land: () => Object.assign(endpoint, { variants }), rollBackOnAlarm: false };
        return;
      }
      case 'putGuardAlarms':
        return;
      case 'deleteAlarms':
        return;
      case 'rejectPackage':
        this.rejected.push(action.reason);
        return;
      case 'deleteModels':
        for (const name of action.modelNames) this.models.delete(name);
        return;
      case 'deleteEndpointConfigs':
        for (const name of action.configNames) this.configs.delete(name);
        return;
      case 'copyArtifact':
        this.objects.add(action.to);
        return;
      case 'deleteArtifacts':
        for (const uri of action.uris) this.objects.delete(uri);
        return;
      case 'publishParameter':
        this.parameters.set(action.name, action.value);
        return;
      case 'deleteParameter':
        this.parameters.delete(action.name);
        return;
      case 'createTransformJob':
        if (!this.jobs.has(action.jobName)) this.jobs.set(action.jobName, { status: 'InProgress' });
        return;
      case 'stopTransformJob':
        if (this.jobs.get(action.jobName)?.status === 'InProgress')
          this.jobs.set(action.jobName, { status: 'Stopping' });
        return;
      case 'createInferenceComponent':
        if (this.component !== undefined) return;
        this.component = {
          status: 'Creating',
          modelName: String(action.specification.ModelName),
          computeResources: {},
          copies: action.copyCount,
          lastModifiedMs: this.stamp(nowMs),
          pending: { modelName: String(action.specification.ModelName), rollBackOnAlarm: false },
        };
        return;
      case 'updateInferenceComponent': {
        const component = this.component;
        if (component === undefined) throw new RefusedError('Could not find inference component.');
        if (component.status !== 'InService') throw new RefusedError('Cannot update in-progress inference component.');
        const policy = action.deploymentConfig?.RollingUpdatePolicy as
          | { MaximumExecutionTimeoutInSeconds?: number }
          | undefined;
        component.status = 'Updating';
        component.lastModifiedMs = this.stamp(nowMs);
        component.pending = {
          modelName: String(action.specification.ModelName),
          rollBackOnAlarm: action.deploymentConfig?.AutoRollbackConfiguration !== undefined,
          ...(policy?.MaximumExecutionTimeoutInSeconds === undefined
            ? {}
            : { timeoutAtMs: nowMs + policy.MaximumExecutionTimeoutInSeconds * 1000 }),
        };
        return;
      }
      case 'registerScaling':
      case 'deregisterScaling':
      case 'notify':
        return;
    }
  }

  private describedEndpoint(): ObservedEndpoint | undefined {
    const endpoint = this.endpoint;
    if (endpoint === undefined) return undefined;
    return {
      status: endpoint.status,
      configName: endpoint.configName,
      variants: endpoint.variants.map((variant) => ({
        VariantName: variant.VariantName,
        weight: variant.weight,
        currentInstanceCount: variant.instances,
      })),
      shadowVariants: [],
      ...(endpoint.failureReason === undefined ? {} : { failureReason: endpoint.failureReason }),
      lastModifiedTime: iso(endpoint.lastModifiedMs),
    };
  }

  /** What the target's driver would read for the rollout's phase. */
  observe(rollout: Rollout): Observed {
    const alarms = Object.fromEntries(rollout.watchedAlarms.map((name) => [name, this.alarms.get(name)]));
    const endpoint = this.describedEndpoint();
    switch (this.kind) {
      case 'batch-transform': {
        const job = rollout.transformJobName === undefined ? undefined : this.jobs.get(rollout.transformJobName);
        return { endpoint: undefined, alarms, transformJob: job === undefined ? null : { status: job.status } };
      }
      case 'multi-model':
        return {
          endpoint,
          alarms,
          incumbent: {
            endpointOwner: { kind: 'this stack' },
            config: { variants: [], shadowVariants: [], settings: {}, tags: [] },
            models: {},
          },
          modelArtifactUrl: `s3://artifacts/${rollout.groupName}/v${rollout.packageVersion}/model.tar.gz`,
          publishedTargetModel: this.parameters.get(`target-model/${rollout.groupName}`) ?? null,
          ...(rollout.targetModel === undefined
            ? {}
            : { artifactCopied: [...this.objects].some((uri) => uri.endsWith(rollout.targetModel as string)) }),
        };
      case 'inference-component': {
        const component = this.component;
        const described: ObservedInferenceComponent | null =
          component === undefined
            ? null
            : {
                status: component.status,
                modelName: component.modelName,
                computeResources: component.computeResources,
                currentCopyCount: component.status === 'Creating' ? 0 : component.copies,
                ...(component.failureReason === undefined ? {} : { failureReason: component.failureReason }),
                lastModifiedTime: iso(component.lastModifiedMs),
              };
        return {
          endpoint,
          alarms,
          incumbent: {
            endpointOwner: { kind: 'this stack' },
            config: { variants: [], shadowVariants: [], settings: {}, tags: [] },
            models: {},
          },
          inferenceComponent: described,
        };
      }
      default: {
        if (rollout.phase !== 'Starting' || this.endpoint === undefined) return { endpoint, alarms, scaling: {} };
        const config = this.configs.get(this.endpoint.configName);
        return {
          endpoint,
          alarms,
          scaling: {},
          incumbent: {
            endpointOwner: { kind: 'this stack' },
            config: { variants: config?.variants ?? [], shadowVariants: [], settings: {}, tags: [] },
            models: Object.fromEntries(
              [...this.models].map((name) => [
                name,
                { fields: { PrimaryContainer: { Image: `${name}-image` } }, tags: [] },
              ]),
            ),
          },
        };
      }
    }
  }

  /** Which model versions take requests now: from the endpoint's weights, or what clients are pointed at. */
  serving(rollout: Rollout): number[] {
    const versionOf = (model: string | undefined) =>
      model === this.incumbentModel ? incumbentVersion : rollout.packageVersion;
    if (this.kind === 'batch-transform') return [];
    if (this.kind === 'inference-component') {
      const model = this.component?.modelName;
      return model === undefined ? [] : [versionOf(model)];
    }
    if (this.kind === 'multi-model') {
      const published = this.parameters.get(`target-model/${rollout.groupName}`);
      return published === undefined
        ? []
        : [published === this.incumbentModel ? incumbentVersion : rollout.packageVersion];
    }
    const endpoint = this.endpoint;
    if (endpoint === undefined) return [];
    const config = this.configs.get(endpoint.configName);
    return endpoint.variants
      .filter((variant) => variant.weight > 0)
      .map((variant) =>
        versionOf(config?.variants.find((spec) => spec.VariantName === variant.VariantName)?.ModelName),
      );
  }
}
