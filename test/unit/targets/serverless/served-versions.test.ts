import {
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { EndpointDeployment } from '#shared/aws/endpoint-deployment.ts';
import {
  readServerlessServing,
  versionInConfigName,
  versionOfPackage,
} from '#shared/targets/serverless/served-versions.ts';

const sagemaker = mockClient(SageMakerClient);
const packageArn = (version: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/search-ranker/${version}`;

/** Configs search-prod-v<N>-final whose one variant runs model search-prod-v<N>, made from package N. */
function configsOf(versions: number[]) {
  for (const version of versions) {
    sagemaker.on(DescribeEndpointConfigCommand, { EndpointConfigName: `search-prod-v${version}-final` }).resolves({
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: `search-prod-v${version}` }],
    });
    sagemaker.on(DescribeModelCommand, { ModelName: `search-prod-v${version}` }).resolves({
      ModelName: `search-prod-v${version}`,
      PrimaryContainer: { ModelPackageName: packageArn(version) },
    });
  }
}

const endpoint = (fields: Partial<EndpointDeployment>): EndpointDeployment => ({
  status: 'InService',
  configName: 'search-prod-v1-final',
  pending: null,
  failureReason: null,
  ...fields,
});

describe('the version in a name', () => {
  it('reads <endpoint>-v<N>-final, and nothing else', () => {
    expect(versionInConfigName('search-prod', 'search-prod-v12-final')).toBe(12);
    expect(versionInConfigName('search-prod', 'search-prod-v2-canary')).toBeNull();
    expect(versionInConfigName('search', 'search-prod-v2-final')).toBeNull();
    expect(versionInConfigName('search-prod', 'team-config')).toBeNull();
  });

  it('reads a package ARN’s version', () => {
    expect(versionOfPackage(packageArn(7))).toBe(7);
    expect(versionOfPackage('arn:aws:sagemaker:us-east-1:123456789012:model-package/search-ranker')).toBeNull();
  });
});

describe('readServerlessServing', () => {
  beforeEach(() => {
    sagemaker.reset();
    sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
  });

  it('tells the serving version and the deployed one by their models’ packages', async () => {
    configsOf([1, 2]);
    const pending = { configName: 'search-prod-v2-final', startedAt: '2026-11-25T09:01:00.000Z', variantStatus: [] };

    const serving = await readServerlessServing(
      'search-prod',
      'search-ranker',
      endpoint({ status: 'Updating', pending, failureReason: 'an earlier rollback' }),
    );

    expect(serving).toEqual({
      serving: {
        configName: 'search-prod-v1-final',
        modelName: 'search-prod-v1',
        packageArn: packageArn(1),
        version: 1,
        unidentified: null,
      },
      deploying: {
        configName: 'search-prod-v2-final',
        modelName: 'search-prod-v2',
        packageArn: packageArn(2),
        version: 2,
        unidentified: null,
        startedAt: '2026-11-25T09:01:00.000Z',
        status: null,
      },
      // Left from an earlier deployment: it says nothing of the one in flight.
      failureReason: null,
    });
  });

  it('keeps SageMaker’s FailureReason once no deployment is in flight, on an InService or Failed endpoint', async () => {
    configsOf([1]);
    const reasonOf = async (status: string) =>
      (await readServerlessServing('search-prod', 'search-ranker', endpoint({ status, failureReason: 'rolled back' })))
        .failureReason;

    expect(await reasonOf('InService')).toBe('rolled back');
    expect(await reasonOf('Failed')).toBe('rolled back');
    expect(await reasonOf('SystemUpdating')).toBeNull();
  });

  it('falls back on the config’s name when the config is gone, saying so', async () => {
    sagemaker
      .on(DescribeEndpointConfigCommand)
      .rejects(Object.assign(new Error('Could not find endpoint configuration "x".'), { name: 'ValidationException' }));

    const serving = await readServerlessServing('search-prod', 'search-ranker', endpoint({}));

    expect(serving.serving).toEqual({
      configName: 'search-prod-v1-final',
      modelName: null,
      packageArn: null,
      version: 1,
      unidentified: 'config search-prod-v1-final does not exist any more',
    });
  });

  it('serves nothing while the endpoint is being created: its first config is being deployed', async () => {
    configsOf([1]);

    const serving = await readServerlessServing('search-prod', 'search-ranker', endpoint({ status: 'Creating' }));

    expect(serving.serving).toBeNull();
    expect(serving.deploying).toMatchObject({ configName: 'search-prod-v1-final', version: 1, startedAt: null });
  });
});
