// The policy's inference component as SageMaker's requests: the Specification of a version, and the
// DeploymentConfig of its rolling update (batches, a bake after each, the group's alarms for auto-rollback).
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentDeploymentConfig.html
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceComponentRollingUpdatePolicy.html
import {
  batchesFor,
  batchWaitSeconds,
  type CapacitySize,
  executionTimeoutRange,
} from '#shared/policy/inference-component-schema.ts';
import type { GroupPolicy, InferenceComponentTarget } from '#shared/policy/policy-schema.ts';
import { autoRollbackFor } from '../serverless/deployment-config.ts';

/** InferenceComponentComputeResourceRequirements from the policy's computeResources. */
export function computeResourcesOf(target: InferenceComponentTarget): Record<string, unknown> {
  const resources = target.computeResources;
  return {
    MinMemoryRequiredInMb: resources.minMemoryRequiredInMb,
    ...(resources.maxMemoryRequiredInMb === undefined
      ? {}
      : { MaxMemoryRequiredInMb: resources.maxMemoryRequiredInMb }),
    ...(resources.numberOfCpuCoresRequired === undefined
      ? {}
      : { NumberOfCpuCoresRequired: resources.numberOfCpuCoresRequired }),
    ...(resources.numberOfAcceleratorDevicesRequired === undefined
      ? {}
      : { NumberOfAcceleratorDevicesRequired: resources.numberOfAcceleratorDevicesRequired }),
  };
}

export function specificationOf(modelName: string, computeResources: Readonly<Record<string, unknown>>) {
  return { ModelName: modelName, ComputeResourceRequirements: computeResources };
}

const capacity = (size: CapacitySize) => ({ Type: size.type, Value: size.value });

/**
 * SageMaker gives up after MaximumExecutionTimeoutInSeconds and rolls back: every batch's bake, and the
 * progress deadline on top for provisioning, within 600 to 28,800 s.
 */
export function executionTimeoutFor(group: GroupPolicy, target: InferenceComponentTarget, copies: number): number {
  const waits = batchesFor(target.maximumBatchSize, copies) * batchWaitSeconds(group.rollout.bakeMinutes);
  const expected = waits + group.rollout.progressDeadlineMinutes * 60;
  return Math.min(executionTimeoutRange.most, Math.max(executionTimeoutRange.least, expected));
}

export function deploymentConfigFor(
  group: GroupPolicy,
  target: InferenceComponentTarget,
  executionTimeoutSeconds: number,
): Record<string, unknown> {
  return {
    RollingUpdatePolicy: {
      MaximumBatchSize: capacity(target.maximumBatchSize),
      WaitIntervalInSeconds: batchWaitSeconds(group.rollout.bakeMinutes),
      MaximumExecutionTimeoutInSeconds: executionTimeoutSeconds,
      ...(target.rollbackMaximumBatchSize === undefined
        ? {}
        : { RollbackMaximumBatchSize: capacity(target.rollbackMaximumBatchSize) }),
    },
    ...autoRollbackFor(group.rollout),
  };
}
