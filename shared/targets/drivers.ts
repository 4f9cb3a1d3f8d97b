// The driver of each kind of deployment target. A rollout keeps the kind it started with.
import { type GroupPolicy, targetOf } from '#shared/policy/policy-schema.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { batchTransformDriver } from './batch-transform/driver.ts';
import { inferenceComponentDriver } from './inference-component/driver.ts';
import { multiModelDriver } from './multi-model/driver.ts';
import { realTimeDriver } from './real-time/driver.ts';
import { realTimeGuardrailsDriver } from './real-time-guardrails/driver.ts';
import { serverlessDriver } from './serverless/driver.ts';
import type { TargetDriver } from './target.ts';

const drivers = {
  'real-time': realTimeDriver,
  'real-time-guardrails': realTimeGuardrailsDriver,
  serverless: serverlessDriver,
  'multi-model': multiModelDriver,
  'batch-transform': batchTransformDriver,
  'inference-component': inferenceComponentDriver,
} as const;

/** Records from before targets have none: they are real-time rollouts. */
const recordedByDefault = 'real-time';

export function driverFor(rollout: Pick<Rollout, 'target'>): TargetDriver {
  const kind = rollout.target ?? recordedByDefault;
  if (!(kind in drivers)) throw new Error(`no driver for target ${JSON.stringify(kind)}`);
  return drivers[kind as keyof typeof drivers];
}

/**
 * The driver of the target the group's policy names (a real-time endpoint unless it says otherwise); a
 * real-time group whose strategy is SageMaker's own (`sagemaker-canary`...) is deployed by SageMaker's guardrails.
 */
export function driverForGroup(group: GroupPolicy): TargetDriver {
  const kind = targetOf(group).kind;
  if (kind === 'real-time' && group.rollout.strategy.startsWith('sagemaker-')) return drivers['real-time-guardrails'];
  return drivers[kind];
}

/** The record's `target` field for a driver: absent for the default, as records from before targets. */
export function targetField(driver: TargetDriver): Pick<Rollout, 'target'> {
  return driver.kind === recordedByDefault ? {} : { target: driver.kind };
}
