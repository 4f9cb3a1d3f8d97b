import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  DescribeModelPackageGroupCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';

/** Where the local demo and tests keep model artifacts and evaluation reports. */
export const demoBucket = 'sagemaker-rollout-demo';

export interface SeededPackage {
  readonly groupName: string;
  /** The evaluation report a SageMaker Pipelines evaluation step would write; omit for a package without one. */
  readonly evaluationReport?: unknown;
  readonly customerMetadata?: Record<string, string>;
  readonly approvalStatus?: 'PendingManualApproval' | 'Approved' | 'Rejected';
  /** The training pipeline execution that registered it (MetadataProperties.GeneratedBy). */
  readonly generatedBy?: string;
  /** Containers of its inference specification: more than one is a serial inference pipeline (default 1). */
  readonly containers?: number;
  /** Each container's own Environment, in order, as a training pipeline registers it (default: none). */
  readonly environments?: readonly (Readonly<Record<string, string>> | undefined)[];
}

/**
 * Registers a model package the way a training pipeline does: the evaluation report in S3,
 * then a versioned package in the group pointing to it. Returns the package ARN.
 */
export async function registerModelPackage(seed: SeededPackage): Promise<string> {
  const sagemaker = new SageMakerClient({});
  const s3 = new S3Client({ forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: demoBucket })).catch((error: Error) => {
    if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
  });
  await sagemaker
    .send(new DescribeModelPackageGroupCommand({ ModelPackageGroupName: seed.groupName }))
    .catch(() => sagemaker.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: seed.groupName })));
  const folder = `${seed.groupName}/${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const reportKey = `${folder}/evaluation.json`;
  // Each version's own artifacts, as a training job leaves them: a multi-model rollout copies them.
  const containers = Array.from({ length: seed.containers ?? 1 }, (_, index) => {
    const step = (seed.containers ?? 1) > 1 ? `-step${index + 1}` : '';
    const environment = seed.environments?.[index];
    return {
      Image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${seed.groupName}${step}:latest`,
      ModelDataUrl: `s3://${demoBucket}/${folder}/model${step}.tar.gz`,
      ...(environment === undefined ? {} : { Environment: { ...environment } }),
    };
  });
  for (const container of containers) {
    const key = container.ModelDataUrl.replace(`s3://${demoBucket}/`, '');
    await s3.send(new PutObjectCommand({ Bucket: demoBucket, Key: key, Body: `model artifact ${key}` }));
  }
  if (seed.evaluationReport !== undefined) {
    await s3.send(
      new PutObjectCommand({ Bucket: demoBucket, Key: reportKey, Body: JSON.stringify(seed.evaluationReport) }),
    );
  }
  const created = await sagemaker.send(
    new CreateModelPackageCommand({
      ModelPackageGroupName: seed.groupName,
      ModelApprovalStatus: seed.approvalStatus,
      InferenceSpecification: {
        Containers: containers,
        SupportedContentTypes: ['text/csv'],
        SupportedResponseMIMETypes: ['text/csv'],
      },
      ModelMetrics:
        seed.evaluationReport === undefined
          ? undefined
          : {
              ModelQuality: {
                Statistics: { ContentType: 'application/json', S3Uri: `s3://${demoBucket}/${reportKey}` },
              },
            },
      CustomerMetadataProperties: seed.customerMetadata,
      MetadataProperties: seed.generatedBy === undefined ? undefined : { GeneratedBy: seed.generatedBy },
    }),
  );
  if (created.ModelPackageArn === undefined) throw new Error('CreateModelPackage returned no ARN');
  return created.ModelPackageArn;
}

export function binaryClassificationReport(auc: number, falsePositiveRate: number): unknown {
  return {
    binary_classification_metrics: {
      auc: { value: auc, standard_deviation: 0.01 },
      false_positive_rate: { value: falsePositiveRate, standard_deviation: 0.005 },
    },
  };
}
