// The policy's strategy as SageMaker's deployment guardrails: a blue/green update whose traffic routing
// SageMaker carries out itself, with the group's alarms for its auto-rollback.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DeploymentConfig.html
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TrafficRoutingConfig.html
import type { RolloutPolicy } from '#shared/policy/policy-schema.ts';

/** BlueGreenUpdatePolicy.MaximumExecutionTimeoutInSeconds: 600 to 28,800 s. */
export const executionTimeoutRange = { least: 600, most: 28_800 } as const;
/** WaitIntervalInSeconds and TerminationWaitInSeconds: 0 to 3,600 s. */
export const longestWait = 3_600;

export interface TrafficShifts {
  readonly routing: Readonly<Record<string, unknown>>;
  /** Bakes between shifts (the last bake, after all traffic moved, is the termination wait). */
  readonly waits: number;
}

/** The canary's first step, linear's step size, or all at once; the schema allows only these. */
export function trafficShiftsFor(rollout: Pick<RolloutPolicy, 'strategy' | 'steps' | 'bakeMinutes'>): TrafficShifts {
  const wait = Math.min(longestWait, rollout.bakeMinutes * 60);
  const first = rollout.steps[0] ?? 100;
  if (rollout.strategy === 'canary' && rollout.steps.length > 1) {
    return {
      routing: { Type: 'CANARY', CanarySize: { Type: 'CAPACITY_PERCENT', Value: first }, WaitIntervalInSeconds: wait },
      waits: 1,
    };
  }
  if (rollout.strategy === 'linear' && rollout.steps.length > 1) {
    return {
      routing: {
        Type: 'LINEAR',
        LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: first },
        WaitIntervalInSeconds: wait,
      },
      waits: rollout.steps.length - 1,
    };
  }
  return { routing: { Type: 'ALL_AT_ONCE', WaitIntervalInSeconds: wait }, waits: 0 };
}

/**
 * Every wait AWS documents for a blue/green deployment, in seconds: a bake after each traffic shift (the
 * canary's, each linear step's), the final bake once all traffic moved, and the termination wait before
 * the old fleet goes. https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-blue-green-canary.html
 */
export function deploymentWaitsFor(rollout: Pick<RolloutPolicy, 'strategy' | 'steps' | 'bakeMinutes'>): number {
  const wait = Math.min(longestWait, rollout.bakeMinutes * 60);
  const bakes = trafficShiftsFor(rollout).waits + 1;
  return bakes * wait + wait;
}

/**
 * How long SageMaker may take before it gives up and rolls back: every wait, and the policy's progress
 * deadline for provisioning on top. The policy check refuses a plan whose waits alone exceed 28,800 s.
 */
export function executionTimeoutFor(
  rollout: Pick<RolloutPolicy, 'strategy' | 'steps' | 'bakeMinutes' | 'progressDeadlineMinutes'>,
): number {
  return timeoutForWaits(deploymentWaitsFor(rollout), rollout);
}

/** The waits and the progress deadline on top, within SageMaker's range. */
export function timeoutForWaits(waitSeconds: number, rollout: Pick<RolloutPolicy, 'progressDeadlineMinutes'>): number {
  const expected = waitSeconds + rollout.progressDeadlineMinutes * 60;
  return Math.min(executionTimeoutRange.most, Math.max(executionTimeoutRange.least, expected));
}

export function deploymentConfigFor(rollout: RolloutPolicy): Record<string, unknown> {
  return {
    BlueGreenUpdatePolicy: {
      TrafficRoutingConfiguration: trafficShiftsFor(rollout).routing,
      // The bake at full traffic, before SageMaker removes the old fleet (and can no longer roll back to it).
      TerminationWaitInSeconds: Math.min(longestWait, rollout.bakeMinutes * 60),
      MaximumExecutionTimeoutInSeconds: executionTimeoutFor(rollout),
    },
    ...autoRollbackFor(rollout),
  };
}

/** The group's alarms as SageMaker's AutoRollbackConfiguration (none: no such key). */
export function autoRollbackFor(rollout: Pick<RolloutPolicy, 'alarms'>): Record<string, unknown> {
  return rollout.alarms.length === 0
    ? {}
    : { AutoRollbackConfiguration: { Alarms: rollout.alarms.map((AlarmName) => ({ AlarmName })) } };
}
