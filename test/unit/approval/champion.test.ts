import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type DescribeModelCommandOutput,
  DescribeModelPackageCommand,
  ListModelPackagesCommand,
  ListTagsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { type Champion, findChampion } from '#shared/approval/champion.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { Rollout } from '#shared/rollout/rollout-state.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';

const sagemaker = mockClient(SageMakerClient);
const dynamodb = mockClient(DynamoDBDocumentClient);

const policy = loadPolicyFile('examples/demo.config.yml');
const fraud = policy.group('fraud-detector') as GroupPolicy;
const arnOf = (version: number, group = 'fraud-detector') =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${group}/${version}`;
const candidate = arnOf(9);
const image = '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-detector:latest';
const artifactOf = (version: number) => `s3://sagemaker-rollout-demo/fraud-detector/${version}/model.tar.gz`;

/** Versions of the group as the registry holds them: each with its own artifact unless told otherwise. */
function registry(versions: { version: number; artifact?: string }[]) {
  sagemaker.on(ListModelPackagesCommand).resolves({
    ModelPackageSummaryList: versions.map(({ version }) => ({
      ModelPackageArn: arnOf(version),
      ModelPackageGroupName: 'fraud-detector',
      CreationTime: new Date(),
      ModelPackageStatus: 'Completed',
    })),
  });
  for (const { version, artifact } of versions) {
    sagemaker.on(DescribeModelPackageCommand, { ModelPackageName: arnOf(version) }).resolves({
      ModelPackageArn: arnOf(version),
      ModelPackageGroupName: 'fraud-detector',
      ModelPackageVersion: version,
      ModelApprovalStatus: 'Approved',
      InferenceSpecification: {
        Containers: [{ Image: image, ModelDataUrl: artifact ?? artifactOf(version) }],
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
    });
  }
}

/** fraud-prod serving, as a team deployed it, the models given with their live weights. */
function endpointServing(models: { name: string; weight: number; fields: Partial<DescribeModelCommandOutput> }[]) {
  sagemaker.on(DescribeEndpointCommand).resolves({
    EndpointName: 'fraud-prod',
    EndpointStatus: 'InService',
    EndpointConfigName: 'by-hand',
    ProductionVariants: models.map(({ name, weight }) => ({ VariantName: name, CurrentWeight: weight })),
    CreationTime: new Date(),
  });
  sagemaker.on(DescribeEndpointConfigCommand).resolves({
    EndpointConfigName: 'by-hand',
    ProductionVariants: models.map(({ name }) => ({ VariantName: name, ModelName: name })),
  });
  for (const { name, fields } of models) {
    sagemaker.on(DescribeModelCommand, { ModelName: name }).resolves({ ModelName: name, ...fields });
  }
}

function recorded(rollout: Rollout) {
  dynamodb.on(QueryCommand).resolves({ Items: [{ ...rollout, pk: rollout.endpointName, sk: 'ROLLOUT' }] });
}

const champion = (group: GroupPolicy = fraud, groupName = 'fraud-detector') =>
  findChampion('rollouts', groupName, group, candidate);
const versionOf = (found: Champion) => ('modelPackage' in found ? found.modelPackage.ModelPackageVersion : found);

describe('findChampion', () => {
  beforeEach(() => {
    sagemaker.reset();
    dynamodb.reset();
    dynamodb.on(QueryCommand).resolves({ Items: [] });
    sagemaker.on(ListTagsCommand).resolves({ Tags: [] });
    sagemaker
      .on(DescribeEndpointCommand)
      .rejects(Object.assign(new Error('Could not find endpoint "fraud-prod".'), { name: 'ValidationException' }));
    registry([{ version: 1 }, { version: 4 }, { version: 5 }]);
  });

  describe('on an endpoint deployed by hand (no rollout recorded)', () => {
    it('is the package its model names in PrimaryContainer', async () => {
      endpointServing([{ name: 'v1-model', weight: 1, fields: { PrimaryContainer: { ModelPackageName: arnOf(1) } } }]);
      expect(versionOf(await champion())).toBe(1);
      expect(sagemaker).not.toHaveReceivedCommand(ListModelPackagesCommand);
    });

    it('is the package any of a multi-container model’s Containers names', async () => {
      endpointServing([
        {
          name: 'pipeline-model',
          weight: 1,
          fields: { Containers: [{ Image: 'preprocess:1' }, { ModelPackageName: arnOf(4) }] },
        },
      ]);
      expect(versionOf(await champion())).toBe(4);
    });

    it('is the version registered with the same image and artifact, for a model made from them', async () => {
      endpointServing([
        { name: 'v1-by-hand', weight: 1, fields: { PrimaryContainer: { Image: image, ModelDataUrl: artifactOf(1) } } },
      ]);
      // v5 is the newest Approved version, but v1 serves: v1 is the champion (the reported repro).
      expect(versionOf(await champion())).toBe(1);
      expect(sagemaker).toHaveReceivedCommandWith(ListModelPackagesCommand, {
        ModelPackageGroupName: 'fraud-detector',
        ModelPackageType: 'Versioned',
      });
    });

    it('reads the model of the variant with the largest live weight', async () => {
      endpointServing([
        { name: 'small', weight: 0.2, fields: { PrimaryContainer: { ModelPackageName: arnOf(4) } } },
        { name: 'large', weight: 0.8, fields: { PrimaryContainer: { ModelPackageName: arnOf(1) } } },
      ]);
      expect(versionOf(await champion())).toBe(1);
    });

    it.each([
      {
        what: 'a model whose image and artifact match no version',
        fields: { PrimaryContainer: { Image: image, ModelDataUrl: 's3://elsewhere/model.tar.gz' } },
        says: `the endpoint fraud-prod serves model by-hand (image ${image}, artifact s3://elsewhere/model.tar.gz), which matches no version of fraud-detector`,
      },
      {
        what: 'a package of another group',
        fields: { PrimaryContainer: { ModelPackageName: arnOf(3, 'churn-model') } },
        says: `the endpoint fraud-prod serves model by-hand, which serves ${arnOf(3, 'churn-model')}, not a version of fraud-detector`,
      },
      {
        what: 'a model with no container',
        fields: {},
        says: 'the endpoint fraud-prod serves model by-hand, which has no container',
      },
    ])('is unidentified for $what, saying why', async ({ fields, says }) => {
      endpointServing([{ name: 'by-hand', weight: 1, fields }]);
      expect(await champion()).toEqual({ unidentified: says });
    });

    it('is unidentified when two versions have the same image and artifact', async () => {
      registry([{ version: 1 }, { version: 2, artifact: artifactOf(1) }]);
      endpointServing([
        { name: 'by-hand', weight: 1, fields: { PrimaryContainer: { Image: image, ModelDataUrl: artifactOf(1) } } },
      ]);
      expect(await champion()).toEqual({
        unidentified: expect.stringContaining('matches several versions alike: v1, v2'),
      });
    });

    it('is unidentified when the serving version is no longer in the registry', async () => {
      endpointServing([{ name: 'v7-model', weight: 1, fields: { PrimaryContainer: { ModelPackageName: arnOf(7) } } }]);
      sagemaker
        .on(DescribeModelPackageCommand, { ModelPackageName: arnOf(7) })
        .rejects(
          Object.assign(new Error(`Model package ${arnOf(7)} does not exist.`), { name: 'ValidationException' }),
        );
      expect(await champion()).toEqual({
        unidentified: `the serving version ${arnOf(7)} is no longer in the registry`,
      });
    });
  });

  it('is the newest other Approved version when there is no endpoint yet', async () => {
    sagemaker.on(ListModelPackagesCommand, { ModelApprovalStatus: 'Approved' }).resolves({
      ModelPackageSummaryList: [
        {
          ModelPackageArn: arnOf(5),
          ModelPackageGroupName: 'fraud-detector',
          CreationTime: new Date(),
          ModelPackageStatus: 'Completed',
        },
      ],
    });
    expect(versionOf(await champion())).toBe(5);
  });

  describe('with a rollout recorded', () => {
    const record = (overrides: Partial<Rollout> & Pick<Rollout, 'phase'>) =>
      rolloutRecord({ endpointName: 'fraud-prod', groupName: 'fraud-detector', packageVersion: 5, ...overrides });

    it('is the completed rollout’s version', async () => {
      recorded(record({ phase: 'Completed' }));
      expect(versionOf(await champion())).toBe(5);
      expect(sagemaker).not.toHaveReceivedCommand(DescribeEndpointCommand);
    });

    it.each(['RolledBack', 'Failed', 'Baking'] as const)(
      'is the incumbent it retained when the rollout is %s, not the rollout’s version',
      async (phase) => {
        recorded(
          record({
            phase,
            retainedVersions: [{ packageVersion: 4, packageArn: arnOf(4), modelName: 'm4', configName: 'c4' }],
          }),
        );
        expect(versionOf(await champion())).toBe(4);
        expect(sagemaker).not.toHaveReceivedCommand(DescribeEndpointCommand);
      },
    );

    it.each(['RolledBack', 'Failed', 'Baking'] as const)(
      'is the hand-deployed incumbent it recorded when its first rollout there is %s',
      async (phase) => {
        recorded(
          record({
            phase,
            incumbentVariants: [
              { VariantName: 'spare', ModelName: 'spare-model', InitialVariantWeight: 0.1 },
              { VariantName: 'main', ModelName: 'v1-by-hand', InitialVariantWeight: 0.9 },
            ],
          }),
        );
        sagemaker.on(DescribeModelCommand, { ModelName: 'v1-by-hand' }).resolves({
          ModelName: 'v1-by-hand',
          PrimaryContainer: { Image: image, ModelDataUrl: artifactOf(1) },
        });
        expect(versionOf(await champion())).toBe(1);
        expect(sagemaker).not.toHaveReceivedCommand(DescribeEndpointCommand);
      },
    );

    it('reads the endpoint, leaving out the rollout’s own model, when the record names no incumbent', async () => {
      // Failed before it read the incumbent (refused at its start): the endpoint still serves the team's v1.
      recorded(record({ phase: 'Failed', challengerModel: 'fraud-prod-v5' }));
      endpointServing([
        { name: 'fraud-prod-v5', weight: 1, fields: { PrimaryContainer: { ModelPackageName: arnOf(5) } } },
        { name: 'v1-model', weight: 0.5, fields: { PrimaryContainer: { ModelPackageName: arnOf(1) } } },
      ]);
      expect(versionOf(await champion())).toBe(1);
    });

    it('is none when only the rollout’s own version was ever on the endpoint (a first deployment)', async () => {
      recorded(record({ phase: 'Failed', challengerModel: 'fraud-prod-v5' }));
      endpointServing([
        { name: 'fraud-prod-v5', weight: 1, fields: { PrimaryContainer: { ModelPackageName: arnOf(5) } } },
      ]);
      expect(await champion()).toEqual({ none: 'the endpoint fraud-prod has served no other version yet' });
      expect(sagemaker).not.toHaveReceivedCommand(ListModelPackagesCommand);
    });
  });

  describe('a multi-model or batch group (no endpoint of its own)', () => {
    const churn = policy.group('acme-churn') as GroupPolicy;

    it('keeps the newest other Approved version when no rollout is recorded', async () => {
      sagemaker.on(ListModelPackagesCommand, { ModelApprovalStatus: 'Approved' }).resolves({
        ModelPackageSummaryList: [
          {
            ModelPackageArn: arnOf(5),
            ModelPackageGroupName: 'acme-churn',
            CreationTime: new Date(),
            ModelPackageStatus: 'Completed',
          },
        ],
      });
      expect(versionOf(await champion(churn, 'acme-churn'))).toBe(5);
      expect(sagemaker).not.toHaveReceivedCommand(DescribeEndpointCommand);
    });

    it('is none when its recorded rollout retained no version that served', async () => {
      recorded(
        rolloutRecord({
          endpointName: churn.endpointName,
          groupName: 'acme-churn',
          packageVersion: 1,
          phase: 'Failed',
        }),
      );
      expect(await champion(churn, 'acme-churn')).toEqual({ none: 'no version has served yet' });
    });
  });
});
