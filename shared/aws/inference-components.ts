// An inference component's version is its Specification: created once, then updated by SageMaker's rolling
// update, which watches the group's alarms and rolls back by itself.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateInferenceComponent.html
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateInferenceComponent.html
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeInferenceComponent.html
import {
  CreateInferenceComponentCommand,
  type CreateInferenceComponentCommandInput,
  DescribeInferenceComponentCommand,
  UpdateInferenceComponentCommand,
  type UpdateInferenceComponentCommandInput,
} from '@aws-sdk/client-sagemaker';
import type { ObservedInferenceComponent } from '#shared/rollout/observed-state.ts';
import { withStackTag } from '#shared/rollout/stack-ownership.ts';
import type { Writer } from './aws-writes.ts';
import { sagemaker } from './sagemaker.ts';

export interface InferenceComponentPlan {
  readonly componentName: string;
  readonly endpointName: string;
  readonly variantName: string;
  readonly specification: Readonly<Record<string, unknown>>;
  readonly copyCount: number;
}

const exists = /already exists|already in use/i;

export async function createInferenceComponent(writer: Writer, plan: InferenceComponentPlan, stackName: string) {
  const input = {
    InferenceComponentName: plan.componentName,
    EndpointName: plan.endpointName,
    VariantName: plan.variantName,
    Specification: plan.specification,
    RuntimeConfig: { CopyCount: plan.copyCount },
    Tags: withStackTag([], stackName),
  } as CreateInferenceComponentCommandInput;
  await writer.write({ service: 'sagemaker', operation: 'CreateInferenceComponent', input }, async () => {
    try {
      await sagemaker.send(new CreateInferenceComponentCommand(input));
    } catch (error) {
      // A retried start finds the component it created: the next read decides what it serves.
      if (!exists.test((error as Error).message)) throw error;
    }
  });
}

/**
 * A new Specification, never a RuntimeConfig: the component's copy count is what its auto scaling
 * (`sagemaker:inference-component:DesiredCopyCount`) or the team set, and a rollout leaves it so.
 */
export async function updateInferenceComponent(
  writer: Writer,
  componentName: string,
  specification: Readonly<Record<string, unknown>>,
  deploymentConfig: Readonly<Record<string, unknown>> | undefined,
) {
  const input = {
    InferenceComponentName: componentName,
    Specification: specification,
    ...(deploymentConfig === undefined ? {} : { DeploymentConfig: deploymentConfig }),
  } as UpdateInferenceComponentCommandInput;
  await writer.write({ service: 'sagemaker', operation: 'UpdateInferenceComponent', input }, () =>
    sagemaker.send(new UpdateInferenceComponentCommand(input)),
  );
}

/** The component as SageMaker reports it; null when it does not exist. */
export async function describeInferenceComponent(componentName: string): Promise<ObservedInferenceComponent | null> {
  try {
    const described = await sagemaker.send(
      new DescribeInferenceComponentCommand({ InferenceComponentName: componentName }),
    );
    return {
      status: described.InferenceComponentStatus as ObservedInferenceComponent['status'],
      modelName: described.Specification?.ModelName ?? '',
      computeResources: { ...(described.Specification?.ComputeResourceRequirements ?? {}) },
      currentCopyCount: described.RuntimeConfig?.CurrentCopyCount ?? 0,
      ...(described.FailureReason === undefined ? {} : { failureReason: described.FailureReason }),
      lastModifiedTime: (described.LastModifiedTime ?? new Date(0)).toISOString(),
    };
  } catch (error) {
    const { name, message } = error as Error;
    if (name === 'ResourceNotFound' || /could not find|not found|does not exist/i.test(message)) return null;
    throw error;
  }
}
