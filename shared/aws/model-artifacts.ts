// A multi-model endpoint's models are objects under its model prefix: a version is copied there under a
// new name (SageMaker caches loaded models by name, so an object is never overwritten) and deleted when
// it is no longer kept. https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html
import type { Writer } from './aws-writes.ts';
import { parseS3Uri, s3 } from './evaluation-report.ts';

function located(uri: string): { bucket: string; key: string } {
  const location = parseS3Uri(uri);
  if (location === undefined) throw new Error(`${uri} is not an s3:// URI`);
  return location;
}

export async function artifactExists(uri: string): Promise<boolean> {
  const { bucket, key } = located(uri);
  try {
    const { sdk, client } = await s3();
    await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (error) {
    if ((error as Error).name === 'NotFound' || (error as Error).name === 'NoSuchKey') return false;
    throw error;
  }
}

export async function copyArtifact(writer: Writer, from: string, to: string): Promise<void> {
  const source = located(from);
  const target = located(to);
  const input = { Bucket: target.bucket, Key: target.key, CopySource: `${source.bucket}/${source.key}` };
  const { sdk, client } = await s3();
  await writer.write({ service: 's3', operation: 'CopyObject', input }, () =>
    client.send(new sdk.CopyObjectCommand(input)),
  );
}

export async function deleteArtifact(writer: Writer, uri: string): Promise<void> {
  const { bucket, key } = located(uri);
  const input = { Bucket: bucket, Key: key };
  const { sdk, client } = await s3();
  await writer.write({ service: 's3', operation: 'DeleteObject', input }, () =>
    client.send(new sdk.DeleteObjectCommand(input)),
  );
}
