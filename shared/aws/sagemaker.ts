import {
  DescribeModelPackageCommand,
  type DescribeModelPackageCommandOutput,
  ListModelPackagesCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
} from '@aws-sdk/client-sagemaker';
import { apiRateLimited } from '#shared/runtime/settings.ts';
import { rateLimit } from './api-rate-limits.ts';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { registered } from './lazy-client.ts';
import { boundedText } from './stored-strings.ts';

export const sagemaker = registered(new SageMakerClient(clientOptions('sagemaker')));
rateLimit(sagemaker, 'sagemaker', apiRateLimited);

export type ModelPackage = DescribeModelPackageCommandOutput;
export type ApprovalStatus = 'Approved' | 'Rejected' | 'PendingManualApproval';

// SageMaker answers a missing package with a ValidationException; only the message says so.
const packageMissing = /does not exist|not found|could not find/i;

/** The package as it is now; undefined when it does not exist (deleted, or never was). */
export async function describeModelPackage(modelPackageArn: string): Promise<ModelPackage | undefined> {
  try {
    return await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: modelPackageArn }));
  } catch (error) {
    if ((error as Error).name === 'ValidationException' && packageMissing.test((error as Error).message)) {
      return undefined;
    }
    throw error;
  }
}

/** The newest Approved version of the group other than the candidate (the champion before any endpoint exists). */
export async function findNewestApprovedPackage(
  groupName: string,
  candidateArn: string,
): Promise<ModelPackage | undefined> {
  const listed = await sagemaker.send(
    new ListModelPackagesCommand({
      ModelPackageGroupName: groupName,
      ModelApprovalStatus: 'Approved',
      ModelPackageType: 'Versioned',
      SortBy: 'CreationTime',
      SortOrder: 'Descending',
      MaxResults: 10,
    }),
  );
  const champion = listed.ModelPackageSummaryList?.find((summary) => summary.ModelPackageArn !== candidateArn);
  return champion?.ModelPackageArn ? describeModelPackage(champion.ModelPackageArn) : undefined;
}

/** Every version of the group, whatever its status, newest first. */
export async function listVersionArns(groupName: string): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const listed = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelPackageGroupName: groupName,
        ModelPackageType: 'Versioned',
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 100,
        NextToken: nextToken,
      }),
    );
    arns.push(...(listed.ModelPackageSummaryList ?? []).flatMap((summary) => summary.ModelPackageArn ?? []));
    nextToken = listed.NextToken;
  } while (nextToken); // an empty token ends the listing too
  return arns;
}

// ApprovalDescription is limited to 1024 characters:
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_UpdateModelPackage.html
const approvalDescriptionLimit = 1024;

export async function setApprovalStatus(
  writer: Writer,
  modelPackageArn: string,
  status: ApprovalStatus,
  description: string,
): Promise<void> {
  const input = {
    ModelPackageArn: modelPackageArn,
    ModelApprovalStatus: status,
    // Status and description travel together: the emulator (like moto) resets fields an update omits.
    ApprovalDescription: boundedText(description, approvalDescriptionLimit),
  };
  await writer.write({ service: 'sagemaker', operation: 'UpdateModelPackage', input }, () =>
    sagemaker.send(new UpdateModelPackageCommand(input)),
  );
}

/**
 * Pending versions, of any group, that a pipeline execution registered (MetadataProperties.GeneratedBy),
 * created since it started: one listing for the whole registry, however many groups the policy has.
 */
export async function findPendingPackagesFrom(
  pipelineExecutionArn: string,
  startedAt: Date | undefined,
): Promise<string[]> {
  const arns: string[] = [];
  let nextToken: string | undefined;
  do {
    const listed = await sagemaker.send(
      new ListModelPackagesCommand({
        ModelApprovalStatus: 'PendingManualApproval',
        ModelPackageType: 'Versioned',
        ...(startedAt === undefined ? {} : { CreationTimeAfter: startedAt }),
        SortBy: 'CreationTime',
        SortOrder: 'Descending',
        MaxResults: 100,
        NextToken: nextToken,
      }),
    );
    arns.push(
      ...(listed.ModelPackageSummaryList ?? []).flatMap((summary) =>
        summary.ModelPackageArn ? [summary.ModelPackageArn] : [],
      ),
    );
    nextToken = listed.NextToken;
  } while (nextToken !== undefined);
  const described = await Promise.all(arns.map(describeModelPackage));
  return described
    .filter((modelPackage) => modelPackage?.MetadataProperties?.GeneratedBy === pipelineExecutionArn)
    .flatMap((modelPackage) => (modelPackage?.ModelPackageArn ? [modelPackage.ModelPackageArn] : []));
}
