import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  NoSuchKey,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseS3Uri, readEvaluationReport, reportSizeLimitBytes } from '#shared/aws/evaluation-report.ts';

const s3 = mockClient(S3Client);

const reportUri = 's3://sagemaker-rollout-demo/fraud-detector/7/evaluation.json';

// The adapter only calls transformToString(), the SDK's way of reading a small object.
function body(text: string) {
  return { transformToString: async () => text } as unknown as GetObjectCommandOutput['Body'];
}

function s3Error(name: string, fault: 'client' | 'server' = 'client') {
  return new S3ServiceException({ name, $fault: fault, $metadata: { httpStatusCode: 403 }, message: name });
}

describe('parseS3Uri', () => {
  it.each([
    { uri: 's3://bucket/key.json', bucket: 'bucket', key: 'key.json' },
    { uri: reportUri, bucket: 'sagemaker-rollout-demo', key: 'fraud-detector/7/evaluation.json' },
    { uri: 's3://my.bucket-1/a/b/', bucket: 'my.bucket-1', key: 'a/b/' },
  ])('splits $uri into bucket and key', ({ uri, bucket, key }) => {
    expect(parseS3Uri(uri)).toEqual({ bucket, key });
  });

  it.each([
    '',
    'bucket/key.json',
    'https://bucket.s3.amazonaws.com/key.json',
    'S3://bucket/key.json',
    'xs3://bucket/key.json',
    ' s3://bucket/key.json',
    's3:/bucket/key.json',
    's3://bucket',
    's3://bucket/',
    's3:///key.json',
  ])('rejects %j as not an s3:// URI with a bucket and a key', (uri) => {
    expect(parseS3Uri(uri)).toBeUndefined();
  });
});

describe('readEvaluationReport', () => {
  beforeEach(() => {
    s3.reset();
  });

  it('reads the JSON report from the bucket and key of the URI', async () => {
    const report = { binary_classification_metrics: { auc: { value: 0.91 } } };
    s3.on(GetObjectCommand).resolves({ Body: body(JSON.stringify(report)) });

    expect(await readEvaluationReport(reportUri)).toEqual({ report });
    expect(s3).toHaveReceivedCommandTimes(GetObjectCommand, 1);
    expect(s3).toHaveReceivedCommandWith(GetObjectCommand, {
      Bucket: 'sagemaker-rollout-demo',
      Key: 'fraud-detector/7/evaluation.json',
    });
  });

  it('says the report is unreadable, without reading S3, when the package names no report', async () => {
    expect(await readEvaluationReport(undefined)).toEqual({
      unreadable: 'the package has no ModelMetrics.ModelQuality.Statistics report',
    });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it('says the report is unreadable, without reading S3, when its location is not an s3:// URI', async () => {
    const uri = 'https://example.com/evaluation.json';

    expect(await readEvaluationReport(uri)).toEqual({ unreadable: `the report location ${uri} is not an s3:// URI` });
    expect(s3).not.toHaveReceivedCommand(GetObjectCommand);
  });

  it.each([
    { name: 'NoSuchKey', error: new NoSuchKey({ message: 'The specified key does not exist.', $metadata: {} }) },
    { name: 'AccessDenied', error: s3Error('AccessDenied') },
    { name: 'NoSuchBucket', error: s3Error('NoSuchBucket') },
    { name: 'InvalidObjectState', error: s3Error('InvalidObjectState') },
  ])('says the report is unreadable, naming the error, when S3 answers $name', async ({ name, error }) => {
    s3.on(GetObjectCommand).rejects(error);

    expect(await readEvaluationReport(reportUri)).toEqual({ unreadable: `cannot read ${reportUri}: ${name}` });
  });

  it.each([
    { name: 'SlowDown', error: s3Error('SlowDown', 'server') },
    { name: 'ThrottlingException', error: s3Error('ThrottlingException', 'client') },
    { name: 'InternalError', error: s3Error('InternalError', 'server') },
    { name: 'TimeoutError', error: Object.assign(new Error('socket timed out'), { name: 'TimeoutError' }) },
  ])('re-throws a transient $name so that Lambda retries', async ({ error }) => {
    s3.on(GetObjectCommand).rejects(error);

    await expect(readEvaluationReport(reportUri)).rejects.toBe(error);
  });

  it.each([
    { what: 'text that is not JSON', text: 'auc=0.91' },
    { what: 'truncated JSON', text: '{"binary_classification_metrics": {' },
    { what: 'empty', text: '' },
  ])('says the report is unreadable when its body is $what', async ({ text }) => {
    s3.on(GetObjectCommand).resolves({ Body: body(text) });

    expect(await readEvaluationReport(reportUri)).toEqual({ unreadable: `the report ${reportUri} is not JSON` });
  });

  it('says the report is unreadable when S3 returns no body', async () => {
    s3.on(GetObjectCommand).resolves({});

    expect(await readEvaluationReport(reportUri)).toEqual({ unreadable: `the report ${reportUri} is not JSON` });
  });

  it('returns any JSON value as the report, leaving its shape to the caller', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('[1, 2, 3]') });

    expect(await readEvaluationReport(reportUri)).toEqual({ report: [1, 2, 3] });
  });

  describe('size limit (5 MB)', () => {
    /** A body that records whether it was read or released. */
    function watchedBody(text: string) {
      const seen = { read: false, destroyed: false };
      const streamed = {
        transformToString: async () => {
          seen.read = true;
          return text;
        },
        destroy: () => {
          seen.destroyed = true;
        },
      } as unknown as GetObjectCommandOutput['Body'];
      return { streamed, seen };
    }

    it('does not read a report over the limit, and names its size and the limit', async () => {
      const { streamed, seen } = watchedBody('{}');
      s3.on(GetObjectCommand).resolves({ Body: streamed, ContentLength: reportSizeLimitBytes + 1 });

      expect(await readEvaluationReport(reportUri)).toEqual({
        unreadable: `the report ${reportUri} is 5242881 bytes, over the limit of 5242880 bytes (5 MB): not read`,
      });
      expect(seen).toEqual({ read: false, destroyed: true });
    });

    it('reads a report of exactly the limit', async () => {
      const { streamed, seen } = watchedBody('{"auc": 0.9}');
      s3.on(GetObjectCommand).resolves({ Body: streamed, ContentLength: reportSizeLimitBytes });

      expect(await readEvaluationReport(reportUri)).toEqual({ report: { auc: 0.9 } });
      expect(seen.read).toBe(true);
    });

    it('still holds the limit when an answer gives no length', async () => {
      const oversize = `{"padding": "${'x'.repeat(reportSizeLimitBytes)}"}`;
      s3.on(GetObjectCommand).resolves({ Body: body(oversize) });

      expect(await readEvaluationReport(reportUri)).toEqual({
        unreadable: `the report ${reportUri} is ${oversize.length} bytes, over the limit of 5242880 bytes (5 MB): not read`,
      });
    });
  });
});
