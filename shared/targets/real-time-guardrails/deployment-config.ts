// A real-time group's `sagemaker-*` strategy as UpdateEndpoint's DeploymentConfig. sagemaker-canary and
// sagemaker-linear are the blue/green traffic routing a serverless endpoint gets (serverless/deployment-config.ts,
// reused as it is); sagemaker-rolling is a RollingUpdatePolicy: SageMaker replaces the fleet batch by batch,
// each batch of new instances baking WaitIntervalInSeconds before the old batch it replaces is terminated.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_RollingUpdatePolicy.html
//   MaximumBatchSize (required): "Value must be between 5% to 50% of the variant's total instance count."
//   WaitIntervalInSeconds (required): 0 to 3600. MaximumExecutionTimeoutInSeconds: 600 to 28800.
//   RollbackMaximumBatchSize: "If this field is absent, the default value will be set to 100% of total
//   capacity which means to bring up the whole capacity of the old fleet at once during rollback."
// https://docs.aws.amazon.com/sagemaker/latest/dg/deployment-guardrails-rolling.html
import type { RolloutPolicy, Strategy } from '#shared/policy/policy-schema.ts';
import {
  autoRollbackFor,
  deploymentConfigFor as blueGreenConfigFor,
  deploymentWaitsFor,
  longestWait,
  timeoutForWaits,
} from '../serverless/deployment-config.ts';

type Timing = Pick<RolloutPolicy, 'strategy' | 'steps' | 'bakeMinutes'>;

/** The blue/green strategy a `sagemaker-canary` or `sagemaker-linear` stands for. */
const blueGreenStrategy: Partial<Record<Strategy, Strategy>> = {
  'sagemaker-canary': 'canary',
  'sagemaker-linear': 'linear',
};

/** The batches of a rolling update: steps[0] percent of the fleet each, the last one what is left. */
export function rollingBatchesFor(rollout: Pick<RolloutPolicy, 'steps'>): number {
  return Math.ceil(100 / (rollout.steps[0] ?? 100));
}

/**
 * Every wait SageMaker's deployment takes, in seconds: blue/green's (a bake after each shift, the final bake,
 * the termination wait: deploymentWaitsFor), or a rolling update's bake of every batch.
 */
export function guardrailWaitsFor(rollout: Timing): number {
  if (rollout.strategy === 'sagemaker-rolling') {
    return rollingBatchesFor(rollout) * Math.min(longestWait, rollout.bakeMinutes * 60);
  }
  return deploymentWaitsFor({ ...rollout, strategy: blueGreenStrategy[rollout.strategy] ?? rollout.strategy });
}

export function realTimeDeploymentConfigFor(rollout: RolloutPolicy): Record<string, unknown> {
  const asBlueGreen = blueGreenStrategy[rollout.strategy];
  if (asBlueGreen !== undefined) return blueGreenConfigFor({ ...rollout, strategy: asBlueGreen });
  const batch = { Type: 'CAPACITY_PERCENT', Value: rollout.steps[0] ?? 100 };
  return {
    RollingUpdatePolicy: {
      MaximumBatchSize: batch,
      WaitIntervalInSeconds: Math.min(longestWait, rollout.bakeMinutes * 60),
      MaximumExecutionTimeoutInSeconds: timeoutForWaits(guardrailWaitsFor(rollout), rollout),
      // Back in batches of the same size: the old fleet is brought up again as the new one went out, not all
      // at once (AWS's default), so a rollback never asks for a whole second fleet.
      RollbackMaximumBatchSize: batch,
    },
    ...autoRollbackFor(rollout),
  };
}
