// primary adapter (EventBridge: SageMaker pipeline and CodePipeline execution changes) -> use cases (approve, reconcile)
import { endpointAwaitingExecution, readEndpointState } from '#shared/aws/rollout-store.ts';
import { findPendingPackagesFrom } from '#shared/aws/sagemaker.ts';
import { recordOnce } from '#shared/aws/store.ts';
import { judgePackage } from '#shared/engine/judge-package.ts';
import { sendNotices } from '#shared/engine/notices.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { BadInputError } from '#shared/errors.ts';
import {
  foreignEvent,
  foreignResource,
  type Home,
  homeOf,
  trainingPipelineGroup,
} from '#shared/events/event-origin.ts';
import {
  type DeliveryPipelineExecution,
  deliveryPipelineExecutionSchema,
  parseEvent,
  shown,
  type TrainingPipelineExecution,
  trainingPipelineExecutionSchema,
} from '#shared/events/event-schemas.ts';
import { planOf } from '#shared/rollout/rollout-plan.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';
import { ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';

const concurrentPackages = 8;

/**
 * A training pipeline finished. Succeeded: judge the pending packages it registered, in case their
 * own state-change events were lost. Failed: tell people, once.
 */
async function onTrainingPipeline(event: TrainingPipelineExecution, context: RunContext): Promise<RunResult> {
  const { pipelineExecutionArn, currentPipelineExecutionStatus: status } = event.detail;
  const owner = trainingPipelineGroup(event.detail, homeOf(context.settings), (name) =>
    context.policy.configuredBy(name),
  );
  if ('notOurs' in owner) return ignoreWithWarning(owner.notOurs);
  if (status === 'Failed') {
    const first = await recordOnce(
      context.writer,
      context.settings.rolloutsTableName,
      { pk: `PIPELINE#${pipelineExecutionArn}`, sk: 'NOTICE#Failed' },
      { recordedAt: event.time },
    );
    if (first) {
      await sendNotices(context, [
        {
          subject: `${owner.groupName}: training pipeline failed`,
          message: `${pipelineExecutionArn} ended Failed; no new model version comes from it.`,
        },
      ]);
    }
    return { outcome: 'training pipeline failed: notified' };
  }
  if (status !== 'Succeeded') return { outcome: `ignored: training pipeline is ${status}` };
  const { executionStartTime } = event.detail;
  const startedAt = executionStartTime === undefined ? undefined : new Date(executionStartTime);
  const packages = await findPendingPackagesFrom(pipelineExecutionArn, startedAt);
  // judgePackage leaves a group that is not configured, or manual, alone.
  const found = await mapSettled(packages, concurrentPackages, async (packageArn) => {
    const groupName = /:model-package\/([^/]+)\/\d+$/.exec(packageArn)?.[1] ?? '';
    return `${packageArn}: ${(await judgePackage(context, groupName, packageArn, event.time)).outcome}`;
  });
  const failed = found.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  const outcomes = found.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  return { outcome: outcomes.length === 0 ? 'no pending package from this execution' : outcomes.join(' | ') };
}

/** An event from another account or region, or naming a resource outside this stack's: not ours. */
function foreignOr(
  event: { account: string; region: string; resources: readonly string[] },
  home: Home,
): RunResult | undefined {
  const notOurs = foreignEvent(event, home) ?? foreignResource(event.resources, home);
  return notOurs === undefined ? undefined : ignoreWithWarning(notOurs);
}

/** A delivery pipeline finished: the rollout waiting for it continues or fails (the reconciler reads the status). */
async function onDeliveryPipeline(event: DeliveryPipelineExecution, context: RunContext): Promise<RunResult> {
  const { pipeline, 'execution-id': executionId } = event.detail;
  // By key, not by reading every active rollout. An index that lags the rollout's first write only
  // delays the rollout to the next tick, which reads the execution's status itself.
  const table = context.settings.rolloutsTableName;
  const endpointName = await endpointAwaitingExecution(table, executionId);
  const state = endpointName === undefined ? {} : await readEndpointState(table, endpointName);
  const rollout = state.rollout;
  // A pipeline the stack does not own, or a run of one it did not start: nothing here waits for it.
  if (rollout?.phase !== 'AwaitingPipeline' || rollout.pipelineExecutionId !== executionId) {
    return ignoreWithWarning(`no rollout waits for execution ${executionId} of pipeline ${pipeline}`);
  }
  // The run was started from the rollout's plan: the pipeline it names, even if the policy changed since.
  const deliveryPipeline = (planOf(rollout)?.group ?? context.policy.group(rollout.groupName))?.deliveryPipeline?.name;
  if (deliveryPipeline !== pipeline) {
    return ignoreWithWarning(
      `execution ${executionId} is awaited from ${deliveryPipeline ?? 'no pipeline'} (${rollout.endpointName}), not from ${pipeline}`,
    );
  }
  const report = await reconcileEndpoint(context, rollout.endpointName, event.time, { state });
  return { outcome: `${report.endpointName}: ${report.notes.join('; ')}` };
}

export async function handlePipelineEvent(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const detailType = (rawEvent as { 'detail-type'?: unknown } | null)?.['detail-type'];
  const home = homeOf(context.settings);
  if (detailType === 'SageMaker Model Building Pipeline Execution Status Change') {
    const event = parseEvent(trainingPipelineExecutionSchema, rawEvent);
    return foreignOr(event, home) ?? onTrainingPipeline(event, context);
  }
  if (detailType === 'CodePipeline Pipeline Execution State Change') {
    const event = parseEvent(deliveryPipelineExecutionSchema, rawEvent);
    return foreignOr(event, home) ?? onDeliveryPipeline(event, context);
  }
  throw new BadInputError(
    `invalid event:\ndetail-type: expected a SageMaker or CodePipeline pipeline execution change, got ${shown(detailType)}`,
  );
}
