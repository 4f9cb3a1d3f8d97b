/**
 * Random faults through whole rollouts over the production-shaped endpoint, with the real handlers
 * against the emulator: whatever fails and however often, traffic only reaches the incumbent or the
 * approved version, the endpoint always serves, and once the faults stop the rollout ends in a state the
 * endpoint agrees with, nothing left behind.
 */
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import { DescribeEndpointCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { alarmStateChange, scheduledTick } from '../../cli/event-builders.ts';
import { deployProductionEndpoint } from '../../demo/production-endpoint.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';

let local: LocalStack;
const localStack = useLocalStack('test/fixtures/faults.config.yml');
beforeEach(() => {
  local = localStack();
});

// Server errors per service (the SDK retries them after a short backoff), as each service names them.
const serverError: Record<string, string> = {
  sagemaker: 'InternalFailure',
  dynamodb: 'InternalServerError',
  monitoring: 'InternalServiceFault',
  'application-autoscaling': 'InternalServiceException',
  sns: 'InternalError',
};
const callsThatFail = [
  { service: 'sagemaker', operation: 'DescribeEndpoint' },
  { service: 'sagemaker', operation: 'CreateEndpointConfig' },
  { service: 'sagemaker', operation: 'UpdateEndpoint' },
  { service: 'sagemaker', operation: 'UpdateEndpointWeightsAndCapacities' },
  { service: 'sagemaker', operation: 'DeleteEndpointConfig' },
  { service: 'dynamodb', operation: 'PutItem' },
  { service: 'dynamodb', operation: 'Query' },
  { service: 'monitoring', operation: 'DescribeAlarms' },
  { service: 'monitoring', operation: 'PutMetricAlarm' },
  { service: 'monitoring', operation: 'DeleteAlarms' },
  { service: 'application-autoscaling', operation: 'DescribeScalableTargets' },
  { service: 'application-autoscaling', operation: 'DeregisterScalableTarget' },
  { service: 'application-autoscaling', operation: 'RegisterScalableTarget' },
  { service: 'sns', operation: 'Publish' },
];

const faultArb = fc.record({
  call: fc.constantFrom(...callsThatFail),
  // 1-5: the SDK's retries absorb it; 6-8: the call fails in this invocation and a later tick repairs.
  times: fc.integer({ min: 1, max: 8 }),
});
const tickArb = fc.record({
  fault: fc.option(faultArb, { freq: 2 }),
  alarm: fc.oneof({ weight: 8, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  sageMakerFinishes: fc.oneof(
    { weight: 3, arbitrary: fc.constant(true) },
    { weight: 1, arbitrary: fc.constant(false) },
  ),
});

// The test's own reads outlast any injected fault (8 at most), so only the handlers see them fail.
const observer = new SageMakerClient({ maxAttempts: 12 });
const describeEndpoint = () => observer.send(new DescribeEndpointCommand({ EndpointName: 'fraud-prod' }));

const incumbent = 'fraud-detector-1';
const challenger = 'fraud-detector-2';

describe('whole rollouts under random faults', () => {
  it('never serves anything else, always serves, and ends agreeing with the endpoint once the faults stop', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(tickArb, { minLength: 3, maxLength: 12 }), async (ticks) => {
        await local.reset();
        const story = rolloutStory(local, { groupName: 'fraud-detector', endpointName: 'fraud-prod' });
        await story.createWatchedAlarms();
        await deployProductionEndpoint('fraud-detector', 'fraud-prod', story.settle);
        const packageArn = await story.registerApproved();
        await story.approved(packageArn);
        let alarmed = false;

        const checkServing = async () => {
          const endpoint = await describeEndpoint();
          const variants = endpoint.ProductionVariants ?? [];
          const serving = variants.filter((variant) => (variant.CurrentWeight ?? 0) > 0);
          if (endpoint.EndpointConfigName?.endsWith('-canary')) {
            // On the canary's config every weight is one the rollout set: percentages that sum to 100.
            const total = variants.reduce((sum, variant) => sum + (variant.CurrentWeight ?? 0), 0);
            expect(total).toBeCloseTo(100, 5);
          }
          expect(serving.length).toBeGreaterThan(0);
          expect(
            serving.map((variant) => variant.VariantName).filter((name) => name !== incumbent && name !== challenger),
          ).toEqual([]);
        };

        for (const tick of ticks) {
          if (tick.fault !== null) {
            const { service, operation } = tick.fault.call;
            await local.emulator.inject({
              service,
              operation,
              error: serverError[service],
              status: 500,
              times: tick.fault.times,
            });
          }
          if (tick.alarm && !alarmed) {
            alarmed = true;
            await new CloudWatchClient({}).send(
              new SetAlarmStateCommand({ AlarmName: 'fraud-prod-5xx', StateValue: 'ALARM', StateReason: 'test' }),
            );
            await local.send(alarmStateChange('fraud-prod-5xx', 'ALARM', story.now())); // may fail: the tick repairs
          }
          if (tick.sageMakerFinishes) await story.settle();
          story.wait(1);
          await local.send(scheduledTick(story.now()));
          await checkServing();
        }

        // The faults stop: the rollout must finish, and the endpoint agree with how it finished.
        await local.emulator.disarm();
        const done = await story.tickUntil(['Completed', 'RolledBack', 'Failed'], 80);
        await story.settle();
        await checkServing();
        const variants = (await describeEndpoint()).ProductionVariants ?? [];
        const names = variants.map((variant) => variant.VariantName);
        const scaled = (
          await new ApplicationAutoScalingClient({}).send(
            new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }),
          )
        ).ScalableTargets?.map((target) => target.ResourceId?.split('/').at(-1));
        if (done.phase === 'Completed') {
          expect(names).toEqual([challenger]);
          expect(scaled).toEqual([challenger]);
        } else {
          expect(names).toEqual([incumbent]);
          expect(scaled).toEqual([incumbent]);
        }
        expect(variants.every((variant) => (variant.CurrentInstanceCount ?? 0) >= 6)).toBe(true);
        // Nothing left behind: the guard alarms are gone; the package is rejected only by an alarm.
        const guards = await new CloudWatchClient({}).send(
          new DescribeAlarmsCommand({ AlarmNamePrefix: 'sagemaker-rollout-fraud-prod-' }),
        );
        expect(guards.MetricAlarms ?? []).toEqual([]);
        const rejected = done.phase === 'RolledBack' && done.rollbackCause === 'alarm';
        expect((await story.packageStatus(packageArn)).status).toBe(rejected ? 'Rejected' : 'Approved');
      }),
      { numRuns: 12, endOnFailure: true },
    );
  }, 240_000);
});
