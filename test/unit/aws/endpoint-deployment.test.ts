import { DescribeEndpointConfigCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deploymentOf, readConfigModels } from '#shared/aws/endpoint-deployment.ts';

const sagemaker = mockClient(SageMakerClient);
const at = (minute: number) => new Date(Date.UTC(2026, 10, 25, 9, minute));

describe('deploymentOf', () => {
  it('reads a deployment in flight from PendingDeploymentSummary, each variant at its newest status', () => {
    const deployment = deploymentOf({
      EndpointName: 'search-prod',
      EndpointArn: 'arn',
      EndpointStatus: 'Updating',
      EndpointConfigName: 'search-prod-v1-final',
      CreationTime: at(0),
      LastModifiedTime: at(1),
      PendingDeploymentSummary: {
        EndpointConfigName: 'search-prod-v2-final',
        StartTime: at(1),
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            VariantStatus: [
              { Status: 'Baking', StatusMessage: 'Canary receiving 20% of the traffic.', StartTime: at(3) },
              { Status: 'Creating', StartTime: at(1) },
            ],
          },
        ],
      },
    });

    expect(deployment).toEqual({
      status: 'Updating',
      configName: 'search-prod-v1-final',
      pending: {
        configName: 'search-prod-v2-final',
        startedAt: '2026-11-25T09:01:00.000Z',
        variantStatus: ['Baking: Canary receiving 20% of the traffic.'],
      },
      failureReason: null,
    });
  });

  it('has no deployment in flight without PendingDeploymentSummary, and keeps SageMaker’s FailureReason', () => {
    const deployment = deploymentOf({
      EndpointName: 'search-prod',
      EndpointArn: 'arn',
      EndpointStatus: 'InService',
      EndpointConfigName: 'search-prod-v1-final',
      CreationTime: at(0),
      LastModifiedTime: at(9),
      FailureReason: 'Deployment rolled back: alarm search-prod-errors in ALARM.',
    });

    expect(deployment).toEqual({
      status: 'InService',
      configName: 'search-prod-v1-final',
      pending: null,
      failureReason: 'Deployment rolled back: alarm search-prod-errors in ALARM.',
    });
  });
});

describe('readConfigModels', () => {
  beforeEach(() => sagemaker.reset());

  it('names the model of each variant of the config', async () => {
    sagemaker.on(DescribeEndpointConfigCommand, { EndpointConfigName: 'search-prod-v2-final' }).resolves({
      EndpointConfigName: 'search-prod-v2-final',
      EndpointConfigArn: 'arn',
      CreationTime: at(0),
      ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'search-prod-v2' }],
    });

    expect(await readConfigModels('search-prod-v2-final')).toEqual([
      { variantName: 'AllTraffic', modelName: 'search-prod-v2' },
    ]);
  });

  it('is undefined for a config that does not exist any more, and throws on any other error', async () => {
    const error = (name: string, message: string) => Object.assign(new Error(message), { name });
    sagemaker
      .on(DescribeEndpointConfigCommand)
      .rejectsOnce(error('ValidationException', 'Could not find endpoint configuration "arn".'))
      .rejectsOnce(error('ThrottlingException', 'Rate exceeded'));

    expect(await readConfigModels('search-prod-v1-final')).toBeUndefined();
    await expect(readConfigModels('search-prod-v1-final')).rejects.toThrow('Rate exceeded');
  });
});
