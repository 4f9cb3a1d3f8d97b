// The driver of each kind of deployment target. A rollout keeps the kind it started with.
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { batchTransformDriver } from './batch-transform/driver.ts';
import { multiModelDriver } from './multi-model/driver.ts';
import { realTimeDriver } from './real-time/driver.ts';
import { serverlessDriver } from './serverless/driver.ts';
import type { TargetDriver } from './target.ts';

const drivers = {
  'real-time': realTimeDriver,
  serverless: serverlessDriver,
  'multi-model': multiModelDriver,
  'batch-transform': batchTransformDriver,
} as const;

export function driverFor(rollout: Pick<Rollout, 'target'>): TargetDriver {
  return drivers[rollout.target ?? 'real-time'];
}
