import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { plainChallengerPlan } from '../../demo/fleet-seed.ts';

export { plainChallengerPlan };

/** A rollout record as the store holds it, for unit tests: every field set, `overrides` on top. */
export function rolloutRecord(
  overrides: Partial<Rollout> & Pick<Rollout, 'endpointName' | 'groupName' | 'packageVersion' | 'phase'>,
): Rollout {
  const { endpointName, groupName, packageVersion } = overrides;
  return {
    rolloutId: `${endpointName}-v${packageVersion}`,
    packageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/${packageVersion}`,
    stage: 'canary',
    stepIndex: 0,
    phaseSince: '2026-11-25T09:00:00Z',
    challengerVariant: `${groupName}-${packageVersion}`,
    challengerModel: `${endpointName}-v${packageVersion}`,
    incumbentVariants: [],
    incumbentInstanceCounts: {},
    incumbentScaling: [],
    challenger: plainChallengerPlan,
    targetConfigName: '',
    guardAlarms: [],
    watchedAlarms: [],
    paused: false,
    noticesSent: [],
    history: [],
    retainedVersions: [],
    version: 1,
    ...overrides,
  };
}
