// A batch group has no endpoint: an approved version runs as a transform job on the group's input, and
// when the job completes its model becomes the group's published batch model (what scheduled batch jobs
// use). A job that fails or is stopped leaves the published model as it was.
// https://docs.aws.amazon.com/sagemaker/latest/dg/batch-transform.html
import { type GroupPolicy, targetOf } from '#shared/policy/policy-schema.ts';
import { retainAfterCompletion } from '#shared/rollout/common-steps.ts';
import type { Observed } from '#shared/rollout/observed-state.ts';
import { endRollback, type RollbackCause } from '#shared/rollout/rollout-outcome.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { createChallengerModel, fail, moveTo, notify, type RolloutStep, wait } from '#shared/rollout/rollout-step.ts';
import { firstDeploymentPlan } from '#shared/targets/endpoints/incumbent-settings.ts';
import type { TargetDecisions } from '../target.ts';

/** The parameter scheduled batch jobs read, by the group: `<prefix>/batch-model/<group>` once the driver prefixes it. */
export const batchModelParameterOf = (groupName: string) => `batch-model/${groupName}`;

/** A SageMaker name for the version's model and job: the group's name, cut to leave room for -v<version>. */
export function batchNameFor(groupName: string, packageVersion: number): string {
  const suffix = `-v${packageVersion}`;
  return `${groupName.slice(0, 63 - suffix.length)}${suffix}`;
}

function batch(group: GroupPolicy) {
  const target = targetOf(group);
  if (target.kind !== 'batch-transform') throw new Error(`${group.endpointName}: not a batch group`);
  return target;
}

/** CreateTransformJob's input and output from the policy, the output under <outputS3Uri><group>/v<version>/. */
export function transformSettings(group: GroupPolicy, rollout: Rollout): Record<string, unknown> {
  const target = batch(group);
  return {
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: target.inputS3Uri } },
      ...(target.contentType === undefined ? {} : { ContentType: target.contentType }),
      ...(target.splitType === undefined ? {} : { SplitType: target.splitType }),
    },
    TransformOutput: {
      S3OutputPath: `${target.outputS3Uri}${rollout.groupName}/v${rollout.packageVersion}/`,
      ...(target.accept === undefined ? {} : { Accept: target.accept }),
      ...(target.assembleWith === undefined ? {} : { AssembleWith: target.assembleWith }),
    },
    TransformResources: { InstanceType: target.instanceType, InstanceCount: target.instanceCount },
    ...(target.batchStrategy === undefined ? {} : { BatchStrategy: target.batchStrategy }),
    ...(target.maxPayloadInMB === undefined ? {} : { MaxPayloadInMB: target.maxPayloadInMB }),
    ...(target.maxConcurrentTransforms === undefined
      ? {}
      : { MaxConcurrentTransforms: target.maxConcurrentTransforms }),
  };
}

function start(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const name = batchNameFor(rollout.groupName, rollout.packageVersion);
  const note = `transform job ${name} started`;
  const next = moveTo(rollout, 'Deploying', now, note, {
    challengerModel: name,
    transformJobName: name,
    targetConfigName: '',
    incumbentVariants: [],
    guardAlarms: [],
  });
  // A job that exists already is this version's (a retried start): creating it again is harmless.
  if (observed.transformJob !== null && observed.transformJob !== undefined) return { next, actions: [], note };
  return {
    next,
    actions: [
      createChallengerModel(group, next),
      { kind: 'createTransformJob', jobName: name, modelName: name, settings: transformSettings(group, next) },
    ],
    note,
  };
}

function running(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  const job = observed.transformJob;
  const name = rollout.transformJobName as string;
  if (job === null || job === undefined) {
    // Recorded, but the job was never created (the invocation stopped in between): create it now.
    return {
      next: rollout,
      actions: [
        createChallengerModel(group, rollout),
        { kind: 'createTransformJob', jobName: name, modelName: name, settings: transformSettings(group, rollout) },
      ],
      note: 'repairing: creating the transform job',
    };
  }
  if (job.status === 'InProgress' || job.status === 'Stopping')
    return wait(rollout, `waiting: job ${name} is ${job.status}`);
  if (job.status === 'Completed') {
    const { kept, released } = retainAfterCompletion(group, rollout);
    const output = job.outputS3Uri ?? '(no output path)';
    const note = `completed: job ${name} wrote ${output}; ${rollout.challengerModel} is the batch model`;
    return {
      next: moveTo(rollout, 'Completed', now, note, { retainedVersions: kept }),
      actions: [
        {
          kind: 'publishParameter',
          name: batchModelParameterOf(rollout.groupName),
          value: rollout.challengerModel,
          description: `sagemaker-rollout: ${rollout.groupName} v${rollout.packageVersion} (job ${name})`,
        },
        ...(released.length === 0
          ? []
          : [{ kind: 'deleteModels', modelNames: released.map((version) => version.modelName) } as const]),
        notify(rollout, 'is the batch model', `Transform job ${name} completed; its output is in ${output}.`),
      ],
      note,
    };
  }
  // A job that fails says nothing the rules can judge (an empty input prefix, a container error): the
  // rollout failed, the version is not rejected (rollout-outcome.ts).
  const reason = `transform job ${name} ended ${job.status}: ${job.failureReason ?? 'no reason given'}`;
  return fail(rollout, now, `${reason}; the published batch model is unchanged`, [
    { kind: 'deleteModels', modelNames: [rollout.challengerModel] },
  ]);
}

/**
 * How long a job SageMaker accepted may run before the core stops it: CreateTransformJob has no stopping
 * condition of its own, so a hung job would hold every newer version. Until the job exists (SageMaker
 * refused it, or its input prefix holds nothing yet) the progress deadline alone applies.
 */
export const jobRuntimeLimitMinutes = 24 * 60;

function jobAllowanceMinutes(_group: GroupPolicy, rollout: Rollout, observed: Observed): number | undefined {
  const running = observed.transformJob !== null && observed.transformJob !== undefined;
  return rollout.phase === 'Deploying' && running ? jobRuntimeLimitMinutes : undefined;
}

function step(group: GroupPolicy, rollout: Rollout, observed: Observed, now: string): RolloutStep {
  switch (rollout.phase) {
    case 'Starting':
      return start(group, rollout, observed, now);
    case 'Deploying':
      return running(group, rollout, observed, now);
    case 'RollingBack':
      // A person aborted it (operator-commands.ts records RollingBack): stop the job.
      return stop(group, rollout, observed, now, rollout.reason ?? 'aborted', rollout.rollbackCause ?? 'operator');
    default:
      return wait(rollout, `${rollout.phase}: nothing to do`);
  }
}

/** The job is stopped if it runs; the published batch model stays as it was. */
function stop(
  group: GroupPolicy,
  rollout: Rollout,
  observed: Observed,
  now: string,
  reason: string,
  cause: RollbackCause,
): RolloutStep {
  const name = rollout.transformJobName;
  const inFlight = observed.transformJob?.status === 'InProgress';
  return endRollback(group, { ...rollout, reason, rollbackCause: cause }, now, {
    serves: 'The published batch model is unchanged',
    restore: name !== undefined && inFlight ? [{ kind: 'stopTransformJob', jobName: name }] : [],
    cleanup: [],
    note: `stopped: ${reason}`,
  });
}

export const batchTransformDecisions: TargetDecisions = {
  capabilities: {
    describedAs: 'a batch transform job (no endpoint)',
    weights: false,
    nativeRollback: false,
    pausablePhases: ['AwaitingPipeline', 'Starting'],
    pauseRefused:
      'SageMaker runs a transform job to its end and cannot hold one part-way; `rollout abort` stops it and leaves the published batch model as it was',
    settlesWhilePaused: [],
    promotablePhases: [],
    promoteRefused: 'a transform job has no traffic steps to skip',
  },
  // No traffic: an alarm has nothing to move back.
  rollbackablePhases: [],
  // Only a variant of its own has metrics of its own to guard: none here.
  prepare: (group) => ({ guardAlarms: [], challenger: firstDeploymentPlan(group) }),
  phaseAllowanceMinutes: (group, rollout, observed) => jobAllowanceMinutes(group, rollout, observed),
  step,
  rollback: (group, rollout, observed, now, reason, cause) => stop(group, rollout, observed, now, reason, cause),
};
