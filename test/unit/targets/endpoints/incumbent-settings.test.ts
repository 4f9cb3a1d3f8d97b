import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { groupPolicySchema } from '#shared/policy/policy-schema.ts';
import type { ObservedEndpoint, ObservedIncumbent } from '#shared/rollout/observed-state.ts';
import { codePathVariables, containerFields, environmentFor } from '#shared/targets/endpoints/challenger-model.ts';
import { firstDeploymentPlan, planFromIncumbent } from '#shared/targets/endpoints/incumbent-settings.ts';

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

  it('carries over an incumbent with Containers', () => {
    const plan = planFromIncumbent(group, incumbentWith({}, { Containers: [{ Image: 'old' }] }), live);
    expect('refused' in plan).toBe(false);
  });

  it("becomes a model with the package's containers in order, Serial unless the policy says Direct", () => {
    const serial = firstDeploymentPlan(group, packageContainers);
    expect(serial.containers).toEqual([
      { Image: 'pre:1', ModelDataUrl: 's3://m/pre.tar.gz' },
      { Image: 'xgb:1', ModelDataUrl: 's3://m/xgb.tar.gz', Environment: { A: '1' } },
    ]);
    expect(serial.modelSettings.InferenceExecutionConfig).toEqual({ Mode: 'Serial' });
    const direct = groupPolicySchema.parse({
      ...group,
      model: { inferenceExecution: 'Direct', environment: { B: '2' } },
    });
    const plan = firstDeploymentPlan(direct, packageContainers);
    expect(plan.modelSettings.InferenceExecutionConfig).toEqual({ Mode: 'Direct' });
    expect(plan.containers?.map((container) => container.Environment)).toEqual([{ B: '2' }, { A: '1', B: '2' }]);
  });

  it('names a package of one container by the package, with no Containers and no InferenceExecutionConfig', () => {
    const plan = firstDeploymentPlan(group, [packageContainers[1] as Record<string, unknown>]);
    expect(plan.containers).toBeUndefined();
    expect(plan.modelSettings).toEqual({});
    expect(plan.containerSettings).toEqual({ Environment: { A: '1' } });
  });
});

describe('the new model, from the incumbent model and the package', () => {
  const vpcImages = {
    RepositoryAccessMode: 'Vpc',
    RepositoryAuthConfig: { RepositoryCredentialsProviderArn: 'arn:l' },
  };
  /** An incumbent whose primary model (m-main) is `model`. */
  const over = (model: Record<string, unknown>) => incumbentWith({}, { PrimaryContainer: undefined, ...model });
  const plan = (model: Record<string, unknown>, packageContainers?: Record<string, unknown>[], policy = group) => {
    const planned = planFromIncumbent(policy, over(model), live, packageContainers);
    if ('refused' in planned) throw new Error(planned.refused);
    return planned.challenger;
  };
  const twoContainers = {
    Containers: [
      {
        ContainerHostname: 'pre',
        Image: 'pre:0',
        ImageConfig: vpcImages,
        Environment: { STEP: 'pre', WORKERS: '2' },
      },
      { ContainerHostname: 'model', Image: 'xgb:0', Environment: { WORKERS: '4' } },
    ],
    InferenceExecutionConfig: { Mode: 'Direct' },
  };
  const preStep = { Image: 'pre:1', ModelDataUrl: 's3://m/pre1.tar.gz' };
  const modelStep = { Image: 'xgb:1', ModelDataUrl: 's3://m/xgb1.tar.gz', Environment: { MODEL: 'xgb' } };
  const newPipeline = [preStep, modelStep];

  it("keeps the container's ImageConfig (a private registry in the VPC) and its Environment", () => {
    const challenger = plan(
      { PrimaryContainer: { ModelPackageName: 'old', ImageConfig: vpcImages, Environment: { A: '1' } } },
      [{ Image: 'new:2', ModelDataUrl: 's3://m/new.tar.gz' }],
    );

    expect(challenger.containerSettings).toEqual({ ImageConfig: vpcImages, Environment: { A: '1' } });
    expect(challenger.containers).toBeUndefined();
  });

  it("keeps every container's ImageConfig and Environment of a multi-container incumbent, by position", () => {
    const challenger = plan(twoContainers, newPipeline);

    expect(challenger.containers).toEqual([
      {
        ContainerHostname: 'pre',
        ImageConfig: vpcImages,
        Image: 'pre:1',
        ModelDataUrl: 's3://m/pre1.tar.gz',
        Environment: { STEP: 'pre', WORKERS: '2' },
      },
      {
        ContainerHostname: 'model',
        Image: 'xgb:1',
        ModelDataUrl: 's3://m/xgb1.tar.gz',
        Environment: { MODEL: 'xgb', WORKERS: '4' },
      },
    ]);
    expect(challenger.modelSettings.InferenceExecutionConfig).toEqual({ Mode: 'Direct' }); // as the incumbent ran
  });

  it('matches containers by ContainerHostname when the package names them', () => {
    const challenger = plan(twoContainers, [
      { ...modelStep, ContainerHostname: 'model' },
      { ...preStep, ContainerHostname: 'pre' },
    ]);

    expect(challenger.containers?.map((container) => [container.ContainerHostname, container.Environment])).toEqual([
      ['model', { MODEL: 'xgb', WORKERS: '4' }],
      ['pre', { STEP: 'pre', WORKERS: '2' }],
    ]);
    expect(challenger.containers?.[1]?.ImageConfig).toEqual(vpcImages);
  });

  it('puts no InferenceExecutionConfig on a model of one container, even over a multi-container incumbent', () => {
    const challenger = plan(twoContainers, [{ Image: 'one:1', ModelDataUrl: 's3://m/one.tar.gz' }]);

    expect(challenger.modelSettings).not.toHaveProperty('InferenceExecutionConfig');
    expect(challenger.containers).toBeUndefined();
    expect(challenger.containerSettings).toEqual({
      ContainerHostname: 'pre',
      ImageConfig: vpcImages,
      Environment: { STEP: 'pre', WORKERS: '2' },
    });
  });

  it("does not force the incumbent's code-path variables on a package that brings its own Environment", () => {
    const incumbentEnvironment = {
      SAGEMAKER_PROGRAM: 'inference.py',
      SAGEMAKER_SUBMIT_DIRECTORY: 's3://code/v1/sourcedir.tar.gz',
      HF_MODEL_ID: 'org/old-model',
      SAGEMAKER_MODEL_SERVER_WORKERS: '4',
      LOG_LEVEL: 'debug',
    };
    const incumbentModel = { PrimaryContainer: { ModelPackageName: 'old', Environment: incumbentEnvironment } };
    const own = [{ Image: 'new:2', Environment: { SAGEMAKER_PROGRAM: 'serve.py', LOG_LEVEL: 'info' } }];

    // The package's own for the code path, the incumbent's for the rest.
    expect(plan(incumbentModel, own).containerSettings.Environment).toEqual({
      SAGEMAKER_PROGRAM: 'serve.py',
      SAGEMAKER_MODEL_SERVER_WORKERS: '4',
      LOG_LEVEL: 'debug',
    });
    // The policy's model.environment wins over both.
    const overriding = groupPolicySchema.parse({
      ...group,
      model: { environment: { LOG_LEVEL: 'warn', SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code' } },
    });
    expect(plan(incumbentModel, own, overriding).containerSettings.Environment).toEqual({
      SAGEMAKER_PROGRAM: 'serve.py',
      SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
      SAGEMAKER_MODEL_SERVER_WORKERS: '4',
      LOG_LEVEL: 'warn',
    });
    // A package without an Environment of its own keeps running the incumbent's code path.
    expect(plan(incumbentModel, [{ Image: 'new:2' }]).containerSettings.Environment).toEqual(incumbentEnvironment);
  });

  it('lists the code-path variables and merges package, incumbent and policy in that order', () => {
    expect(codePathVariables).toEqual(['SAGEMAKER_PROGRAM', 'SAGEMAKER_SUBMIT_DIRECTORY', 'HF_MODEL_ID', 'HF_TASK']);
    expect(environmentFor({ A: 'package', B: 'package' }, { B: 'incumbent', C: 'incumbent' }, { C: 'policy' })).toEqual(
      {
        A: 'package',
        B: 'incumbent',
        C: 'policy',
      },
    );
  });

  it('classifies every ContainerDefinition field of the bundled SDK: an upgrade that adds one fails here', () => {
    // The SDK's own type declarations: what DescribeModel can return to the functions.
    const typesDirectory = join(
      dirname(createRequire(import.meta.url).resolve('@aws-sdk/client-sagemaker')),
      '../dist-types/models',
    );
    const declarations = readdirSync(typesDirectory).map((file) => readFileSync(join(typesDirectory, file), 'utf8'));
    const body = declarations
      .map((text) => /export interface ContainerDefinition \{([\s\S]*?)\n\}/.exec(text)?.[1])
      .find((found) => found !== undefined);
    const sdkFields = [...(body ?? '').matchAll(/^ {4}([A-Z][A-Za-z]+)\?:/gm)].map((match) => match[1]);

    expect(sdkFields.length).toBeGreaterThan(10);
    expect([...containerFields.fromPackage, ...containerFields.kept].sort()).toEqual(sdkFields.sort());
  });

  it.each([
    [
      { PrimaryContainer: { ModelPackageName: 'old', FutureContainerField: { S3Uri: 's3://old' } } },
      'PrimaryContainer.FutureContainerField',
    ],
    [{ Containers: [{ Image: 'a' }, { Image: 'b', FutureContainerField: 'x' }] }, 'Containers[1].FutureContainerField'],
    [{ Containers: [{ Image: 'a', Mode: 'MultiModel' }] }, 'Containers[0].Mode MultiModel'],
  ])('refuses an incumbent container with a field it cannot carry, naming it (%#)', (model, named) => {
    const planned = planFromIncumbent(group, over(model), live, newPipeline);
    expect('refused' in planned && planned.refused).toContain(named);
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
