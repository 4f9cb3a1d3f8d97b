// Application Auto Scaling of SageMaker variants: read what is registered, move it, put it back.
// https://docs.aws.amazon.com/sagemaker/latest/dg/endpoint-auto-scaling.html
import type {
  PutScalingPolicyCommandInput,
  PutScheduledActionCommandInput,
  ScalingPolicy,
  ScheduledAction,
} from '@aws-sdk/client-application-auto-scaling';
import type { StepPolicyAlarms, VariantScaling } from '#shared/rollout/rollout-state.ts';
import { listsNaming } from '#shared/targets/real-time/scaling-alarms.ts';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { alarmsWithActionPrefix, describeMetricAlarms, repointAlarms } from './cloudwatch.ts';
import { onFirstUse, registered as registeredClient } from './lazy-client.ts';

/** Application Auto Scaling, loaded when a rollout first reads or moves a variant's scaling (lazy-client.ts). */
export const autoscaling = onFirstUse(async () => {
  const sdk = await import('./sdk/autoscaling.ts');
  return { sdk, client: registeredClient(new sdk.ApplicationAutoScalingClient(clientOptions('autoscaling'))) };
});

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

/**
 * The team's alarms that invoke each step scaling policy, judged by their action lists: CloudWatch invokes
 * what an alarm's lists name, so CloudWatch is asked (DescribeAlarms, the policy's ARN as ActionPrefix).
 * DescribeScalingPolicies' `Alarms` ("The CloudWatch alarms associated with the scaling policy",
 * API_ScalingPolicy) is Application Auto Scaling's account of it, documented for what a target-tracking policy
 * creates; its names are read too, as are the names recorded before (an alarm whose ARN is stale or was
 * removed when the policy was deleted matches no prefix), so such an alarm is seen, with no list.
 * https://docs.aws.amazon.com/autoscaling/application/APIReference/API_ScalingPolicy.html
 */
async function readStepPolicies(
  variantName: string,
  policies: readonly ScalingPolicy[],
  recorded: VariantScaling | undefined,
): Promise<StepPolicyAlarms[]> {
  const steps = policies.flatMap(({ PolicyType, PolicyName, PolicyARN, Alarms }) =>
    PolicyType === 'StepScaling' && PolicyName !== undefined && PolicyARN !== undefined
      ? [{ PolicyName, PolicyARN, Alarms: Alarms ?? [] }]
      : [],
  );
  if (steps.length === 0) return [];
  const invoking = await Promise.all(steps.map((step) => alarmsWithActionPrefix(step.PolicyARN)));
  const candidates = steps.map((step, index) => [
    ...new Set([
      ...(invoking[index] ?? []).map((alarm) => alarm.AlarmName),
      ...step.Alarms.flatMap((alarm) => (alarm.AlarmName === undefined ? [] : [alarm.AlarmName])),
      ...(recorded?.stepPolicies?.find((policy) => policy.policyName === step.PolicyName)?.alarms ?? []).map(
        (alarm) => alarm.alarmName,
      ),
    ]),
  ]);
  const described = new Map(invoking.flat().map((alarm) => [alarm.AlarmName, alarm]));
  const unread = [...new Set(candidates.flat())].filter((name) => !described.has(name));
  for (const alarm of await describeMetricAlarms(unread)) described.set(alarm.AlarmName, alarm);
  return steps.map((step, index) => ({
    policyName: step.PolicyName,
    policyArn: step.PolicyARN,
    variantName,
    alarms: (candidates[index] ?? []).sort().flatMap((alarmName) => {
      const alarm = described.get(alarmName);
      return alarm === undefined ? [] : [{ alarmName, actionLists: listsNaming(alarm, step.PolicyARN) }];
    }),
  }));
}

async function readVariantScaling(
  endpointName: string,
  variantName: string,
  registered: { MinCapacity?: number; MaxCapacity?: number; SuspendedState?: object },
  recorded: VariantScaling | undefined,
): Promise<VariantScaling> {
  const { sdk, client } = await autoscaling();
  const resourceId = variantResourceId(endpointName, variantName);
  const [policies, actions] = await Promise.all([
    client.send(
      new sdk.DescribeScalingPoliciesCommand({ ServiceNamespace, ScalableDimension, ResourceId: resourceId }),
    ),
    client.send(
      new sdk.DescribeScheduledActionsCommand({ ServiceNamespace, ScalableDimension, ResourceId: resourceId }),
    ),
  ]);
  // Exact ResourceId: only this variant's, whatever the service matches.
  const own = (policies.ScalingPolicies ?? []).filter((policy) => policy.ResourceId === resourceId);
  const stepPolicies = await readStepPolicies(variantName, own, recorded);
  return {
    variantName,
    minCapacity: registered.MinCapacity ?? 0,
    maxCapacity: registered.MaxCapacity ?? 0,
    // RoleARN is left out: SageMaker uses its service-linked role, and passing it would need iam:PassRole.
    targetSettings: registered.SuspendedState === undefined ? {} : { SuspendedState: registered.SuspendedState },
    policies: own.map(policyInput),
    scheduledActions: (actions.ScheduledActions ?? [])
      .filter((action) => action.ResourceId === resourceId)
      .map(scheduledActionInput),
    ...(stepPolicies.length === 0 ? {} : { stepPolicies }),
  };
}

/**
 * The registrations of these variants, with their policies, scheduled actions and the alarms that invoke
 * their step policies, by variant name; `recorded` (what the rollout moved) names alarms to look at too.
 */
export async function readScaling(
  endpointName: string,
  variantNames: readonly string[],
  recorded: readonly VariantScaling[] = [],
): Promise<Record<string, VariantScaling>> {
  const { sdk, client } = await autoscaling();
  const unique = [...new Set(variantNames)];
  const found: Record<string, VariantScaling> = {};
  for (let start = 0; start < unique.length; start += resourceIdsPerCall) {
    const names = unique.slice(start, start + resourceIdsPerCall);
    const page = await client.send(
      new sdk.DescribeScalableTargetsCommand({
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
      registrations.map(({ name, registered }) =>
        readVariantScaling(
          endpointName,
          name,
          registered,
          recorded.find((scaling) => scaling.variantName === name),
        ),
      ),
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
  const { sdk, client } = await autoscaling();
  for (const variant of scaling) {
    const resource = target(endpointName, variant.variantName);
    for (const policy of variant.policies) {
      const input = { ...resource, PolicyName: policy.PolicyName };
      await writer.write({ service: 'application-autoscaling', operation: 'DeleteScalingPolicy', input }, () =>
        tolerateMissing(() => client.send(new sdk.DeleteScalingPolicyCommand(input))),
      );
    }
    for (const action of variant.scheduledActions) {
      const input = { ...resource, ScheduledActionName: action.ScheduledActionName };
      await writer.write({ service: 'application-autoscaling', operation: 'DeleteScheduledAction', input }, () =>
        tolerateMissing(() => client.send(new sdk.DeleteScheduledActionCommand(input))),
      );
    }
    await writer.write(
      { service: 'application-autoscaling', operation: 'DeregisterScalableTarget', input: resource },
      () => tolerateMissing(() => client.send(new sdk.DeregisterScalableTargetCommand(resource))),
    );
  }
}

/** Registers (or updates: RegisterScalableTarget and the puts are upserts) and puts the policies back. */
export async function registerScaling(writer: Writer, endpointName: string, scaling: readonly VariantScaling[]) {
  const { sdk, client } = await autoscaling();
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
      () => client.send(new sdk.RegisterScalableTargetCommand(registration)),
    );
    for (const policy of variant.policies) {
      const input = { ...policy, ...resource } as PutScalingPolicyCommandInput;
      const answer = await writer.write(
        { service: 'application-autoscaling', operation: 'PutScalingPolicy', input },
        () => client.send(new sdk.PutScalingPolicyCommand(input)),
      );
      const step = variant.stepPolicies?.find((recorded) => recorded.policyName === policy.PolicyName);
      const invoking = (step?.alarms ?? []).filter((alarm) => alarm.actionLists.length > 0);
      if (step === undefined || invoking.length === 0) continue;
      // A policy put after a delete has a new ARN: the alarms that invoked it name the old one, or none.
      await repointAlarms(
        writer,
        invoking.map((alarm) => alarm.alarmName),
        {
          recorded: step,
          // A plan (dry run) puts nothing, so there is no ARN yet.
          policyArn: answer?.PolicyARN ?? `<the PolicyARN PutScalingPolicy returns for ${policy.PolicyName}>`,
          variantName: variant.variantName,
          resourceIdOf: (variantName) => variantResourceId(endpointName, variantName),
        },
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
        client.send(new sdk.PutScheduledActionCommand(input)),
      );
    }
  }
}
