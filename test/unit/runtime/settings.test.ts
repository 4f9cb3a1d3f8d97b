import { describe, expect, it } from 'vitest';
import { stageOfParameterPrefix } from '#shared/runtime/settings.ts';

describe('the stage of a deployed function', () => {
  it('is the last part of its parameter prefix, /<service>/<stage>', () => {
    expect(stageOfParameterPrefix('/sagemaker-rollout/prod')).toBe('prod');
    expect(stageOfParameterPrefix('/sagemaker-rollout/eu-prod-2')).toBe('eu-prod-2');
  });

  it('fails the cold start when the prefix is not that shape', () => {
    expect(() => stageOfParameterPrefix('sagemaker-rollout-prod')).toThrow(
      'environment variable ROLLOUT_PARAMETER_PREFIX must be /<service>/<stage>, got sagemaker-rollout-prod',
    );
  });
});
