import { readAlarms } from '#shared/aws/cloudwatch.ts';
import { readPipelineExecutionStatus } from '#shared/aws/codepipeline.ts';
import { describeConfigVariants, describeEndpoint } from '#shared/aws/sagemaker-endpoints.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { AlarmReading, Observed } from '#shared/rollout/observed-state.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';

/**
 * Reads what the decision needs for the rollout's phase, and no more: the endpoint, the watched
 * alarms, the incumbent config when a rollout starts, the delivery pipeline while waiting for it.
 * `knownAlarms` (from an alarm event) win over what DescribeAlarms says, being newer.
 */
export async function observe(
  rollout: Rollout,
  group: GroupPolicy,
  knownAlarms: Readonly<Record<string, AlarmReading>> = {},
): Promise<Observed> {
  if (rollout.phase === 'AwaitingPipeline') {
    const pipelineName = group.deliveryPipeline?.name;
    const pipelineStatus =
      pipelineName !== undefined && rollout.pipelineExecutionId !== undefined
        ? await readPipelineExecutionStatus(pipelineName, rollout.pipelineExecutionId)
        : undefined;
    return { endpoint: undefined, alarms: {}, pipelineStatus };
  }
  // An alarm event that already says ALARM decides the step (a rollback): no need to ask CloudWatch.
  const alarmKnownFiring = rollout.watchedAlarms.some((name) => knownAlarms[name]?.state === 'ALARM');
  const [endpoint, described] = await Promise.all([
    describeEndpoint(rollout.endpointName),
    rollout.watchedAlarms.length > 0 && !alarmKnownFiring
      ? readAlarms(rollout.watchedAlarms)
      : Promise.resolve<Record<string, AlarmReading>>({}),
  ]);
  const currentConfigVariants =
    rollout.phase === 'Starting' && endpoint !== undefined
      ? await describeConfigVariants(endpoint.configName)
      : undefined;
  const readings = Object.entries({ ...described, ...knownAlarms });
  return {
    endpoint,
    alarms: Object.fromEntries(readings.map(([name, reading]) => [name, reading.state])),
    alarmReasons: Object.fromEntries(
      readings.flatMap(([name, reading]) => (reading.reason ? [[name, reading.reason]] : [])),
    ),
    currentConfigVariants,
  };
}
