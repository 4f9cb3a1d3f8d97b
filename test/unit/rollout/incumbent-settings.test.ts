import { describe, expect, it } from 'vitest';
import { groupPolicySchema } from '#shared/policy/policy-schema.ts';
import { firstDeploymentPlan, planFromIncumbent, withPackageContainers } from '#shared/rollout/incumbent-settings.ts';
import type { ObservedEndpoint, ObservedIncumbent } from '#shared/rollout/observed-state.ts';

const group = groupPolicySchema.parse({
  endpointName: 'e',
  executionRoleArn: 'arn:aws:iam::123456789012:role/R',
  instanceType: 'ml.m5.large',
  initialInstanceCount: 2,
  approval: { mode: 'manual' },
  rollout: { strategy: 'canary', steps: [10, 100], bakeMinutes: 1 },
});

const live: ObservedEndpoint = {
  status: 'InService',
  configName: 'e-v1-final',
  variants: [
    { VariantName: 'main', weight: 3, currentInstanceCount: 5 },
    { VariantName: 'side', weight: 1, currentInstanceCount: 1 },
  ],
  shadowVariants: [],
  lastModifiedTime: '2026-11-25T09:00:00Z',
};

function incumbentWith(changes: Partial<ObservedIncumbent['config']> = {}, model: Record<string, unknown> = {}) {
  return {
    endpointOwner: { kind: 'this stack' },
    config: {
      variants: [
        { VariantName: 'side', ModelName: 'm-side', InstanceType: 'ml.m5.large', InitialVariantWeight: 1 },
        {
          VariantName: 'main',
          ModelName: 'm-main',
          InstanceType: 'ml.g5.xlarge',
          InitialVariantWeight: 1,
          FutureVariantField: 'x',
        },
      ],
      shadowVariants: [],
      settings: {
        AsyncInferenceConfig: { OutputConfig: { S3OutputPath: 's3://out/' } },
        ExplainerConfig: { ClarifyExplainerConfig: {} },
        FutureConfigField: { a: 1 },
      },
      tags: [
        { Key: 'aws:cloudformation:stack-id', Value: 'x' },
        { Key: 'team', Value: 't' },
      ],
      ...changes,
    },
    models: {
      'm-main': {
        fields: {
          PrimaryContainer: { ModelPackageName: 'old', Environment: { A: '1' }, ContainerHostname: 'h' },
          FutureModelField: 7,
          ...model,
        },
        tags: [],
      },
      'm-side': { fields: { PrimaryContainer: {} }, tags: [] },
    },
  } satisfies ObservedIncumbent;
}

describe('planFromIncumbent', () => {
  it('takes the primary variant (largest live weight) as the template and copies fields it does not know', () => {
    const plan = planFromIncumbent(group, incumbentWith(), live);
    if ('refused' in plan) throw new Error(plan.refused);

    expect(plan.challenger.variantSettings).toEqual({ InstanceType: 'ml.g5.xlarge', FutureVariantField: 'x' });
    expect(plan.challenger.configSettings).toEqual(incumbentWith().config.settings);
    expect(plan.challenger.configTags).toEqual([{ Key: 'team', Value: 't' }]);
    expect(plan.challenger.modelSettings).toEqual({ FutureModelField: 7 });
    expect(plan.challenger.containerSettings).toEqual({ Environment: { A: '1' }, ContainerHostname: 'h' });
  });

  it('records the live weights and counts, and sizes from the instances that serve', () => {
    const plan = planFromIncumbent(group, incumbentWith(), live);
    if ('refused' in plan) throw new Error(plan.refused);

    expect(plan.incumbentVariants.map((variant) => variant.InitialVariantWeight)).toEqual([1, 3]);
    expect(plan.incumbentInstanceCounts).toEqual({ side: 1, main: 5 });
    expect(plan.challenger.baselineInstanceCount).toBe(6);
  });

  it.each([
    [{ shadowVariants: [{ VariantName: 's' }] }, {}, 'ShadowProductionVariants'],
    [
      { variants: [{ VariantName: 'main', ModelName: 'm-main', ServerlessConfig: { MemorySizeInMB: 2048 } }] },
      {},
      'ServerlessConfig',
    ],
    [{ variants: [{ VariantName: 'main' }] }, {}, 'no ModelName'],
    [{}, { PrimaryContainer: { Mode: 'MultiModel' } }, 'MultiModel'],
  ])('refuses what it cannot carry over, naming the field (%#)', (config, model, field) => {
    const plan = planFromIncumbent(group, incumbentWith(config, model), live);
    expect('refused' in plan && plan.refused).toContain(field);
  });
});

describe('a serial inference pipeline', () => {
  const packageContainers = [
    { Image: 'pre:1', ModelDataUrl: 's3://m/pre.tar.gz', ImageDigest: 'sha256:1' },
    { Image: 'xgb:1', ModelDataUrl: 's3://m/xgb.tar.gz', Environment: { A: '1' } },
  ];

  it("carries over an incumbent with Containers: the new model's containers are the package's", () => {
    const plan = planFromIncumbent(group, incumbentWith({}, { Containers: [{ Image: 'old' }] }), live);
    expect('refused' in plan).toBe(false);
  });

  it("becomes a model with the package's containers in order, Serial unless the policy says Direct", () => {
    const serial = withPackageContainers(group, firstDeploymentPlan(group), packageContainers);
    expect(serial.containers).toEqual([
      { Image: 'pre:1', ModelDataUrl: 's3://m/pre.tar.gz' },
      { Image: 'xgb:1', ModelDataUrl: 's3://m/xgb.tar.gz', Environment: { A: '1' } },
    ]);
    expect(serial.modelSettings.InferenceExecutionConfig).toEqual({ Mode: 'Serial' });
    const direct = groupPolicySchema.parse({
      ...group,
      model: { inferenceExecution: 'Direct', environment: { B: '2' } },
    });
    const plan = withPackageContainers(direct, firstDeploymentPlan(direct), packageContainers);
    expect(plan.modelSettings.InferenceExecutionConfig).toEqual({ Mode: 'Direct' });
    expect(plan.containers?.map((container) => container.Environment)).toEqual([{ B: '2' }, { A: '1', B: '2' }]);
  });

  it('leaves a package of one container as it is', () => {
    const plan = firstDeploymentPlan(group);
    expect(withPackageContainers(group, plan, [packageContainers[0] as Record<string, unknown>])).toBe(plan);
    expect(withPackageContainers(group, plan, undefined)).toBe(plan);
  });
});

describe('firstDeploymentPlan', () => {
  it('is the policy: its instance type, its count from the first step, its model settings', () => {
    const withModel = groupPolicySchema.parse({
      ...group,
      model: { environment: { B: '2' }, enableNetworkIsolation: true },
    });
    expect(firstDeploymentPlan(withModel)).toMatchObject({
      variantSettings: { InstanceType: 'ml.m5.large' },
      modelSettings: { EnableNetworkIsolation: true },
      containerSettings: { Environment: { B: '2' } },
      baselineInstanceCount: 2,
      capacity: 'full',
    });
  });
});
