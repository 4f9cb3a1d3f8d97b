// primary adapter (EventBridge: SageMaker pipeline and CodePipeline execution changes) -> use cases (approve, reconcile)
import { endpointAwaitingExecution, readEndpointState } from '#shared/aws/rollout-store.ts';
import { findPendingPackagesFrom } from '#shared/aws/sagemaker.ts';
import { recordOnce } from '#shared/aws/store.ts';
import { judgePackage } from '#shared/engine/judge-package.ts';
import { sendNotices } from '#shared/engine/notices.ts';
import { reconcileEndpoint } from '#shared/engine/reconcile.ts';
import { BadInputError } from '#shared/errors.ts';
import { foreignEvent, type Home, homeOf } from '#shared/events/event-origin.ts';
import {
  type DeliveryPipelineExecution,
  deliveryPipelineExecutionSchema,
  parseEvent,
  shown,
  type TrainingPipelineExecution,
  trainingPipelineExecutionSchema,
} from '#shared/events/event-schemas.ts';
import { mapSettled } from '#shared/runtime/bounded-concurrency.ts';
import { ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';

const concurrentPackages = 8;

/**
 * A training pipeline finished. Succeeded: judge the pending packages it registered, in case their
 * own state-change events were lost. Failed: tell people, once.
 */
async function onTrainingPipeline(event: TrainingPipelineExecution, context: RunContext): Promise<RunResult> {
  const { pipelineExecutionArn, currentPipelineExecutionStatus: status } = event.detail;
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
          subject: 'training pipeline failed',
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

/** A delivery pipeline finished: the rollout waiting for it continues or fails (the reconciler reads the status). */
function foreignOr(event: { account: string; region: string }, home: Home): RunResult | undefined {
  const notOurs = foreignEvent(event, home);
  return notOurs === undefined ? undefined : ignoreWithWarning(notOurs);
}

async function onDeliveryPipeline(event: DeliveryPipelineExecution, context: RunContext): Promise<RunResult> {
  const executionId = event.detail['execution-id'];
  // By key, not by reading every active rollout. An index that lags the rollout's first write only
  // delays the rollout to the next tick, which reads the execution's status itself.
  const table = context.settings.rolloutsTableName;
  const endpointName = await endpointAwaitingExecution(table, executionId);
  const state = endpointName === undefined ? {} : await readEndpointState(table, endpointName);
  const rollout = state.rollout;
  if (rollout?.phase !== 'AwaitingPipeline' || rollout.pipelineExecutionId !== executionId) {
    return { outcome: 'ignored: no rollout waits for this execution' };
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
