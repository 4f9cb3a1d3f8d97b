import { type CodePipelineClient, CreatePipelineCommand } from '@aws-sdk/client-codepipeline';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/**
 * moto's CreatePipeline wants an IAM role that trusts codepipeline.amazonaws.com.
 * The role is created with a plain query-protocol request (moto does not check the
 * signature, only the credential scope to route it to IAM), sparing an IAM client.
 */
export async function createDeliveryPipeline(
  endpointUrl: string,
  codepipeline: CodePipelineClient,
  name: string,
  variableName = 'ModelPackageArn',
): Promise<void> {
  const trust = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'codepipeline.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
  const response = await fetch(endpointUrl, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${REGION}/iam/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams({
      Action: 'CreateRole',
      Version: '2010-05-08',
      RoleName: 'codepipeline',
      AssumeRolePolicyDocument: JSON.stringify(trust),
    }),
  });
  if (!response.ok) throw new Error(`CreateRole failed: ${await response.text()}`);

  await codepipeline.send(
    new CreatePipelineCommand({
      pipeline: {
        name,
        roleArn: `arn:aws:iam::${ACCOUNT}:role/codepipeline`,
        artifactStore: { type: 'S3', location: 'artifacts' },
        variables: [{ name: variableName, defaultValue: 'none' }],
        stages: [
          {
            name: 'Source',
            actions: [
              {
                name: 'Source',
                actionTypeId: { category: 'Source', owner: 'AWS', provider: 'S3', version: '1' },
                configuration: { S3Bucket: 'artifacts', S3ObjectKey: 'source.zip' },
                outputArtifacts: [{ name: 'source' }],
              },
            ],
          },
          {
            name: 'Deploy',
            actions: [
              {
                name: 'Deploy',
                actionTypeId: { category: 'Deploy', owner: 'AWS', provider: 'S3', version: '1' },
                configuration: { BucketName: 'artifacts', Extract: 'true' },
                inputArtifacts: [{ name: 'source' }],
              },
            ],
          },
        ],
      },
    }),
  );
}
