// The driver of each kind of deployment target. A rollout keeps the kind it started with.
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { realTimeDriver } from './real-time/driver.ts';
import type { TargetDriver } from './target.ts';

export function driverFor(_rollout: Rollout): TargetDriver {
  return realTimeDriver;
}
