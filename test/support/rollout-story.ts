import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeEndpointCommand,
  DescribeModelPackageCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { expect } from 'vitest';
import { readEndpointState } from '#shared/aws/rollout-store.ts';
import type { Phase } from '#shared/rollout/rollout-state.ts';
import { alarmStateChange, minutesAfterStart, modelPackageEvent, scheduledTick } from '../../cli/event-builders.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import type { LocalStack } from './local-stack.ts';

export const endpointName = 'fraud-prod';
export const groupName = 'fraud-detector';

/**
 * A rollout told as a story against the emulator: events go through the real routing and handlers,
 * the clock is the events' time, and SageMaker finishes an update only when the story says so (settle).
 */
export function rolloutStory(
  local: LocalStack,
  target = { groupName, endpointName },
  /** The clock's start: a fixed time, or (for stories with metrics, which CloudWatch keeps by age) a recent one. */
  start?: string,
) {
  const sagemaker = new SageMakerClient({});
  const cloudwatch = new CloudWatchClient({});
  let minute = 0;
  let registered = 0;
  const table = () => local.context().settings.rolloutsTableName;

  async function expectHandled(event: unknown) {
    const report = await local.send(event);
    expect(report.status, report.outcome).toBe('handled');
    return report;
  }

  const story = {
    now: () => minutesAfterStart(minute, start),
    wait(minutes: number) {
      minute += minutes;
    },
    /**
     * A version registered already Approved, as a pipeline may register it. In an auto group deploy judges it by the
     * rules first: each is a little better than the one before (0.006 on an AUC of 0.91 and up), so it beats any
     * earlier version, and the team's v1 (0.9), by a margin of 0.005. Judging itself is tested elsewhere.
     */
    registerApproved: () => {
      registered += 1;
      return registerModelPackage({
        groupName: target.groupName,
        evaluationReport: binaryClassificationReport(0.904 + 0.006 * registered, 0.02),
        approvalStatus: 'Approved',
      });
    },
    approved: (packageArn: string) => expectHandled(modelPackageEvent('Approved', packageArn, story.now())),
    async tick() {
      minute += 1;
      return expectHandled(scheduledTick(story.now()));
    },
    alarm: (alarmName: string, state: 'ALARM' | 'OK' = 'ALARM') =>
      expectHandled(alarmStateChange(alarmName, state, story.now())),
    settle: () => local.emulator.settle(),
    /** What auto scaling does: the variant's instance count changes (and SageMaker finishes at once). */
    async scaleVariant(variantName: string, instances: number) {
      await sagemaker.send(
        new UpdateEndpointWeightsAndCapacitiesCommand({
          EndpointName: target.endpointName,
          DesiredWeightsAndCapacities: [{ VariantName: variantName, DesiredInstanceCount: instances }],
        }),
      );
      await local.emulator.settle();
    },
    record: async () => (await readEndpointState(table(), target.endpointName)).rollout,
    queued: async () => (await readEndpointState(table(), target.endpointName)).queued,
    endpoint: () => sagemaker.send(new DescribeEndpointCommand({ EndpointName: target.endpointName })),
    packageStatus: async (packageArn: string) => {
      const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
      return { status: described.ModelApprovalStatus, description: described.ApprovalDescription };
    },
    /** Traffic share per variant, in percent, as the endpoint serves it now. */
    async traffic(): Promise<Record<string, number>> {
      const variants = (await story.endpoint()).ProductionVariants ?? [];
      const total = variants.reduce((sum, variant) => sum + (variant.CurrentWeight ?? 0), 0);
      return Object.fromEntries(
        variants.map((variant) => [variant.VariantName, Math.round(((variant.CurrentWeight ?? 0) / total) * 100)]),
      );
    },
    /** Ticks (letting SageMaker finish each update) until the rollout reaches one of `phases`. */
    async tickUntil(phases: Phase[], limit = 60) {
      for (let count = 0; count < limit; count += 1) {
        const rollout = await story.record();
        if (rollout !== undefined && phases.includes(rollout.phase)) return rollout;
        await story.settle();
        await story.tick();
      }
      throw new Error(
        `the rollout never reached ${phases.join('/')}: ${JSON.stringify((await story.record())?.history)}`,
      );
    },
    /** The alarms the group's policy watches, as the team that owns the endpoint has them. */
    async createWatchedAlarms() {
      for (const alarmName of local.policy.group(target.groupName)?.rollout.alarms ?? []) {
        await cloudwatch.send(
          new PutMetricAlarmCommand({
            AlarmName: alarmName,
            Namespace: 'AWS/SageMaker',
            MetricName: 'Invocation5XXErrors',
            Dimensions: [{ Name: 'EndpointName', Value: target.endpointName }],
            Statistic: 'Sum',
            Period: 60,
            EvaluationPeriods: 1,
            Threshold: 5,
            ComparisonOperator: 'GreaterThanThreshold',
          }),
        );
      }
    },
    /** v1 serving alone on a new endpoint, its alarms in place: the usual starting point. */
    async establishIncumbent() {
      await story.createWatchedAlarms();
      const incumbent = await story.registerApproved();
      await story.approved(incumbent);
      await story.tickUntil(['Completed']);
      return incumbent;
    },
  };
  return story;
}
