// Application Auto Scaling of SageMaker variants: read what is registered, move it, put it back.
// https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling.html
import {
  ApplicationAutoScalingClient,
  DeleteScalingPolicyCommand,
  DeleteScheduledActionCommand,
  DeregisterScalableTargetCommand,
  DescribeScalableTargetsCommand,
  DescribeScalingPoliciesCommand,
  DescribeScheduledActionsCommand,
  PutScalingPolicyCommand,
  type PutScalingPolicyCommandInput,
  PutScheduledActionCommand,
  type PutScheduledActionCommandInput,
  RegisterScalableTargetCommand,
  type ScalingPolicy,
  type ScheduledAction,
} from '@aws-sdk/client-application-auto-scaling';
import type { VariantScaling } from '#shared/rollout/rollout-state.ts';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';

export const autoscaling = new ApplicationAutoScalingClient(clientOptions('autoscaling'));

const ServiceNamespace = 'sagemaker' as const;
const ScalableDimension = 'sagemaker:variant:DesiredInstanceCount' as const;
// DescribeScalableTargets takes at most 50 resource ids per call.
const resourceIdsPerCall = 50;

export function variantResourceId(endpointName: string, variantName: string): string {
  return `endpoint/${endpointName}/variant/${variantName}`;
}

const target = (endpointName: string, variantName: string) => ({
  ServiceNamespace,
  ScalableDimension,
  ResourceId: variantResourceId(endpointName, variantName),
});

/**
 * Describe* output as the Put* input that recreates it elsewhere: without the resource it names and the
 * fields only AWS sets, and with timestamps as ISO strings so it can be kept in the rollout record.
 */
function asInput(described: object, outputOnly: readonly string[]): Record<string, unknown> {
  const fields = JSON.parse(JSON.stringify(described)) as Record<string, unknown>;
  for (const name of ['ServiceNamespace', 'ResourceId', 'ScalableDimension', 'CreationTime', ...outputOnly]) {
    delete fields[name];
  }
  return fields;
}

const policyInput = (policy: ScalingPolicy) => ({
  ...asInput(policy, ['PolicyARN', 'Alarms']),
  PolicyName: policy.PolicyName ?? '',
});

const scheduledActionInput = (action: ScheduledAction) => ({
  ...asInput(action, ['ScheduledActionARN']),
  ScheduledActionName: action.ScheduledActionName ?? '',
});

async function readVariantScaling(
  endpointName: string,
  variantName: string,
  registered: { MinCapacity?: number; MaxCapacity?: number; SuspendedState?: object },
): Promise<VariantScaling> {
  const resourceId = variantResourceId(endpointName, variantName);
  const [policies, actions] = await Promise.all([
    autoscaling.send(
      new DescribeScalingPoliciesCommand({ ServiceNamespace, ScalableDimension, ResourceId: resourceId }),
    ),
    autoscaling.send(
      new DescribeScheduledActionsCommand({ ServiceNamespace, ScalableDimension, ResourceId: resourceId }),
    ),
  ]);
  return {
    variantName,
    minCapacity: registered.MinCapacity ?? 0,
    maxCapacity: registered.MaxCapacity ?? 0,
    // RoleARN is left out: SageMaker uses its service-linked role, and passing it would need iam:PassRole.
    targetSettings: registered.SuspendedState === undefined ? {} : { SuspendedState: registered.SuspendedState },
    // Exact ResourceId: only this variant's, whatever the service matches.
    policies: (policies.ScalingPolicies ?? []).filter((policy) => policy.ResourceId === resourceId).map(policyInput),
    scheduledActions: (actions.ScheduledActions ?? [])
      .filter((action) => action.ResourceId === resourceId)
      .map(scheduledActionInput),
  };
}

/** The registrations of these variants, with their policies and scheduled actions, by variant name. */
export async function readScaling(
  endpointName: string,
  variantNames: readonly string[],
): Promise<Record<string, VariantScaling>> {
  const unique = [...new Set(variantNames)];
  const found: Record<string, VariantScaling> = {};
  for (let start = 0; start < unique.length; start += resourceIdsPerCall) {
    const names = unique.slice(start, start + resourceIdsPerCall);
    const page = await autoscaling.send(
      new DescribeScalableTargetsCommand({
        ServiceNamespace,
        ScalableDimension,
        ResourceIds: names.map((name) => variantResourceId(endpointName, name)),
      }),
    );
    const registrations = names.flatMap((name) => {
      const registered = page.ScalableTargets?.find((t) => t.ResourceId === variantResourceId(endpointName, name));
      return registered === undefined ? [] : [{ name, registered }];
    });
    const read = await Promise.all(
      registrations.map(({ name, registered }) => readVariantScaling(endpointName, name, registered)),
    );
    for (const scaling of read) found[scaling.variantName] = scaling;
  }
  return found;
}

/** Gone already is success: a retried step deletes again. */
async function tolerateMissing(send: () => Promise<unknown>): Promise<void> {
  try {
    await send();
  } catch (error) {
    const { name, message } = error as Error;
    const missing =
      name === 'ObjectNotFoundException' ||
      (name === 'ValidationException' && /no scal(able target|ing policy)|not found/i.test(message));
    if (!missing) throw error;
  }
}

/** The documented order: the policies and scheduled actions first, then the target. */
export async function deregisterScaling(writer: Writer, endpointName: string, scaling: readonly VariantScaling[]) {
  for (const variant of scaling) {
    const resource = target(endpointName, variant.variantName);
    for (const policy of variant.policies) {
      const input = { ...resource, PolicyName: policy.PolicyName };
      await writer.write({ service: 'application-autoscaling', operation: 'DeleteScalingPolicy', input }, () =>
        tolerateMissing(() => autoscaling.send(new DeleteScalingPolicyCommand(input))),
      );
    }
    for (const action of variant.scheduledActions) {
      const input = { ...resource, ScheduledActionName: action.ScheduledActionName };
      await writer.write({ service: 'application-autoscaling', operation: 'DeleteScheduledAction', input }, () =>
        tolerateMissing(() => autoscaling.send(new DeleteScheduledActionCommand(input))),
      );
    }
    await writer.write(
      { service: 'application-autoscaling', operation: 'DeregisterScalableTarget', input: resource },
      () => tolerateMissing(() => autoscaling.send(new DeregisterScalableTargetCommand(resource))),
    );
  }
}

/** Registers (or updates: RegisterScalableTarget and the puts are upserts) and puts the policies back. */
export async function registerScaling(writer: Writer, endpointName: string, scaling: readonly VariantScaling[]) {
  for (const variant of scaling) {
    const resource = target(endpointName, variant.variantName);
    const registration = {
      ...variant.targetSettings,
      ...resource,
      MinCapacity: variant.minCapacity,
      MaxCapacity: variant.maxCapacity,
    };
    await writer.write(
      { service: 'application-autoscaling', operation: 'RegisterScalableTarget', input: registration },
      () => autoscaling.send(new RegisterScalableTargetCommand(registration)),
    );
    for (const policy of variant.policies) {
      const input = { ...policy, ...resource } as PutScalingPolicyCommandInput;
      await writer.write({ service: 'application-autoscaling', operation: 'PutScalingPolicy', input }, () =>
        autoscaling.send(new PutScalingPolicyCommand(input)),
      );
    }
    for (const action of variant.scheduledActions) {
      const { StartTime, EndTime, ...rest } = action;
      const input = {
        ...rest,
        ...resource,
        ...(typeof StartTime === 'string' ? { StartTime: new Date(StartTime) } : {}),
        ...(typeof EndTime === 'string' ? { EndTime: new Date(EndTime) } : {}),
      } as PutScheduledActionCommandInput;
      await writer.write({ service: 'application-autoscaling', operation: 'PutScheduledAction', input }, () =>
        autoscaling.send(new PutScheduledActionCommand(input)),
      );
    }
  }
}
