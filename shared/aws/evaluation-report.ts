import { clientOptions } from './client-options.ts';
import { onFirstUse, registered } from './lazy-client.ts';

/** S3 and its commands, loaded at the first report or model artifact read (lazy-client.ts). */
export const s3 = onFirstUse(async () => {
  const sdk = await import('./sdk/s3.ts');
  // Path-style addressing when an endpoint is overridden: a local emulator on 127.0.0.1 has no bucket subdomains.
  const client = new sdk.S3Client({
    ...clientOptions('s3'),
    forcePathStyle: process.env.AWS_ENDPOINT_URL !== undefined,
  });
  return { sdk, client: registered(client) };
});

export type ReportReading = { readonly report: unknown } | { readonly unreadable: string };

/** Errors that say the report will never be readable as it stands; anything else is retried by Lambda. */
const permanentS3Errors = new Set(['NoSuchKey', 'NoSuchBucket', 'AccessDenied', 'InvalidObjectState']);

export function parseS3Uri(uri: string): { bucket: string; key: string } | undefined {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  return match?.[1] && match[2] ? { bucket: match[1], key: match[2] } : undefined;
}

/**
 * The largest report read: an evaluation step writes a few kilobytes. A larger object is not what the rules
 * expect, and reading it would cost the function's memory and time; a person looks at it instead.
 */
export const reportSizeLimitBytes = 5 * 1024 * 1024;

function tooLarge(s3Uri: string, size: number): ReportReading {
  return {
    unreadable: `the report ${s3Uri} is ${size} bytes, over the limit of ${reportSizeLimitBytes} bytes (5 MB): not read`,
  };
}

/** Reads the evaluation report JSON that a SageMaker Pipelines evaluation step wrote, if it is at most the limit. */
export async function readEvaluationReport(s3Uri: string | undefined): Promise<ReportReading> {
  if (s3Uri === undefined) return { unreadable: 'the package has no ModelMetrics.ModelQuality.Statistics report' };
  const location = parseS3Uri(s3Uri);
  if (location === undefined) return { unreadable: `the report location ${s3Uri} is not an s3:// URI` };
  let text: string;
  try {
    const { sdk, client } = await s3();
    const object = await client.send(new sdk.GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
    // GetObject answers with the headers; the body is read only on demand, so an oversize one is left unread.
    const size = object.ContentLength;
    if (size !== undefined && size > reportSizeLimitBytes) {
      (object.Body as { destroy?: () => void } | undefined)?.destroy?.();
      return tooLarge(s3Uri, size);
    }
    text = (await object.Body?.transformToString()) ?? '';
    // S3 always gives the length; should an answer lack it, the limit still holds for what is parsed.
    const readSize = Buffer.byteLength(text);
    if (size === undefined && readSize > reportSizeLimitBytes) return tooLarge(s3Uri, readSize);
  } catch (error) {
    const name = (error as Error).name;
    if (permanentS3Errors.has(name)) return { unreadable: `cannot read ${s3Uri}: ${name}` };
    throw error;
  }
  try {
    return { report: JSON.parse(text) };
  } catch {
    return { unreadable: `the report ${s3Uri} is not JSON` };
  }
}
