// A serverless rollout over what serves (shared/targets/serverless/plan.ts): what it carries, and what it refuses
// before touching the endpoint because Serverless Inference does not support it.
import { describe, expect, it } from 'vitest';
import { groupPolicySchema } from '#shared/policy/policy-schema.ts';
import type { ObservedIncumbent } from '#shared/rollout/observed-state.ts';
import { planFromServerlessIncumbent } from '#shared/targets/serverless/plan.ts';

const group = groupPolicySchema.parse({
  endpointName: 'search-prod',
  executionRoleArn: 'arn:aws:iam::123456789012:role/R',
  serverless: { memorySizeInMB: 4096, maxConcurrency: 20 },
  approval: { mode: 'manual' },
  rollout: { strategy: 'canary', steps: [20, 100], bakeMinutes: 10 },
});
const target = { memorySizeInMB: 4096, maxConcurrency: 20 };
const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1';

/** A serverless endpoint's config and model as DescribeEndpointConfig and DescribeModel give them, changed. */
function incumbentWith({
  settings = {},
  model = {},
}: {
  settings?: Record<string, unknown>;
  model?: Record<string, unknown>;
} = {}): ObservedIncumbent {
  return {
    endpointOwner: { kind: 'this stack' },
    config: {
      variants: [
        { VariantName: 'AllTraffic', ModelName: 'm-1', ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20 } },
      ],
      shadowVariants: [],
      // the emulator (moto) answers an empty DataCaptureConfig for a config without one
      settings: { KmsKeyId: 'key', DataCaptureConfig: {}, ...settings },
      tags: [],
    },
    models: {
      'm-1': {
        // moto answers an empty VpcConfig and Containers for a model without them
        fields: {
          PrimaryContainer: { Image: image, Environment: { A: '1' } },
          VpcConfig: {},
          Containers: [],
          ...model,
        },
        tags: [],
      },
    },
  };
}

const plan = (incumbent: ObservedIncumbent, packageContainers?: readonly Record<string, unknown>[]) =>
  planFromServerlessIncumbent(group, target, incumbent, packageContainers);

describe('planFromServerlessIncumbent', () => {
  it('keeps the variant’s name and the config’s settings, with the policy’s serverless config', () => {
    const planned = plan(incumbentWith(), [{ Image: image }]);
    if ('refused' in planned) throw new Error(planned.refused);

    expect(planned.variantName).toBe('AllTraffic');
    expect(planned.challenger.variantSettings).toEqual({
      ServerlessConfig: { MemorySizeInMB: 4096, MaxConcurrency: 20 },
    });
    expect(planned.challenger.configSettings).toEqual({ KmsKeyId: 'key', DataCaptureConfig: {} });
    expect(planned.challenger.containerSettings).toEqual({ Environment: { A: '1' } });
  });

  it.each([
    [
      'data capture in the config',
      incumbentWith({
        settings: {
          DataCaptureConfig: { InitialSamplingPercentage: 10, DestinationS3Uri: 's3://b/c', CaptureOptions: [] },
        },
      }),
      'its endpoint config has DataCaptureConfig, which the new config would carry: Serverless Inference does not support data capture',
    ],
    [
      'a VPC',
      incumbentWith({ model: { VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1'] } } }),
      'its model has VpcConfig: Serverless Inference does not support VPC configuration',
    ],
    [
      'network isolation',
      incumbentWith({ model: { EnableNetworkIsolation: true } }),
      'its model has EnableNetworkIsolation: Serverless Inference does not support network isolation',
    ],
    [
      'several containers',
      incumbentWith({ model: { PrimaryContainer: undefined, Containers: [{ Image: image }, { Image: image }] } }),
      'its model has 2 Containers (an inference pipeline): Serverless Inference does not support inference pipelines',
    ],
    [
      'an InferenceExecutionConfig',
      incumbentWith({ model: { InferenceExecutionConfig: { Mode: 'Serial' } } }),
      "its model has InferenceExecutionConfig (an inference pipeline's): Serverless Inference does not support inference pipelines",
    ],
    [
      'a private Docker registry',
      incumbentWith({ model: { PrimaryContainer: { Image: image, ImageConfig: { RepositoryAccessMode: 'Vpc' } } } }),
      'its model has PrimaryContainer.ImageConfig.RepositoryAccessMode Vpc: Serverless Inference does not support private Docker registries',
    ],
  ])('refuses an incumbent with %s, naming the field and AWS’s rule', (_, incumbent, refused) => {
    expect(plan(incumbent)).toEqual({ refused });
  });

  it('refuses a package of several containers: the new model would be an inference pipeline', () => {
    expect(plan(incumbentWith(), [{ Image: image }, { Image: image }])).toEqual({
      refused:
        'the package has 2 containers (an inference pipeline): Serverless Inference does not support inference pipelines',
    });
  });

  it('takes what a serverless model has anyway: no isolation, one container, images from ECR', () => {
    const incumbent = incumbentWith({
      model: {
        EnableNetworkIsolation: false,
        PrimaryContainer: undefined,
        Containers: [{ Image: image, ImageConfig: { RepositoryAccessMode: 'Platform' } }],
      },
    });
    expect(plan(incumbent, [{ Image: image }])).not.toHaveProperty('refused');
  });

  it('still refuses several variants and a variant on instances', () => {
    const base = incumbentWith();
    const [variant] = base.config.variants;
    const twoVariants = { ...base, config: { ...base.config, variants: [variant, { ...variant, VariantName: 'B' }] } };
    expect(plan(twoVariants as ObservedIncumbent)).toEqual({
      refused: 'it has more than one variant: a serverless rollout replaces its one variant',
    });
    const onInstances = {
      ...base,
      config: {
        ...base.config,
        variants: [{ VariantName: 'AllTraffic', ModelName: 'm-1', InstanceType: 'ml.m5.large' }],
      },
    };
    expect(plan(onInstances)).toEqual({
      refused: 'variant AllTraffic runs on instances, not serverless: give the group instanceType',
    });
  });
});
