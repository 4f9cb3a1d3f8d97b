// A batch group's `batchTransform` is checked as CreateTransformJob checks its request, each refusal naming the
// key (shared/policy/batch-transform-schema.ts).
import { describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import { parsePolicy } from '#shared/policy/load-policy.ts';

const job = {
  inputS3Uri: 's3://scoring/input/',
  outputS3Uri: 's3://scoring/output/',
  instanceType: 'ml.m5.xlarge',
};

const policyWith = (batchTransform: Record<string, unknown>) =>
  JSON.stringify({
    defaults: { executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution', approval: { mode: 'manual' } },
    modelPackageGroups: { 'nightly-scoring': { batchTransform } },
  });

function problemsOf(batchTransform: Record<string, unknown>): string {
  try {
    parsePolicy(policyWith(batchTransform), 't.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
}

const accepted = (batchTransform: Record<string, unknown>) =>
  parsePolicy(policyWith(batchTransform), 't.yml').group('nightly-scoring')?.batchTransform;

/** An s3:// URI of exactly `length` characters, ending with /. */
const uriOfLength = (length: number) => `s3://scoring/${'k'.repeat(length - 's3://scoring/'.length - 1)}/`;

const at = (key: string) => `modelPackageGroups.nightly-scoring.batchTransform.${key}`;

describe('batchTransform, as CreateTransformJob takes it', () => {
  it('takes MaxPayloadInMB from 0 (chunked encoding) to 100, and a product of at most 100 MB', () => {
    expect(accepted({ ...job, maxPayloadInMB: 0 })?.maxPayloadInMB).toBe(0);
    expect(accepted({ ...job, maxPayloadInMB: 100, maxConcurrentTransforms: 1 })?.maxPayloadInMB).toBe(100);
    expect(accepted({ ...job, maxPayloadInMB: 20, maxConcurrentTransforms: 5 })?.maxConcurrentTransforms).toBe(5);
    expect(accepted({ ...job, maxConcurrentTransforms: 0 })?.maxConcurrentTransforms).toBe(0);
  });

  it('refuses MaxPayloadInMB over 100', () => {
    expect(problemsOf({ ...job, maxPayloadInMB: 101 })).toContain(
      `${at('maxPayloadInMB')}: expected at most 100 (SageMaker's largest MaxPayloadInMB)`,
    );
  });

  it('refuses MaxConcurrentTransforms × MaxPayloadInMB over 100 MB, naming both', () => {
    expect(problemsOf({ ...job, maxPayloadInMB: 30, maxConcurrentTransforms: 4 })).toContain(
      `${at('maxConcurrentTransforms')}: 4 transforms of 30 MB are 120 MB at once: SageMaker allows at most 100 MB (maxConcurrentTransforms × maxPayloadInMB)`,
    );
  });

  it.each([
    [{ maxPayloadInMB: -1 }, 'maxPayloadInMB: expected a whole number >= 0'],
    [{ maxPayloadInMB: 1.5 }, 'maxPayloadInMB:'],
    [{ maxConcurrentTransforms: -1 }, 'maxConcurrentTransforms: expected a whole number >= 0'],
    [{ instanceCount: 0 }, 'instanceCount: expected a whole number >= 1'],
    [{ instanceType: 'm5.xlarge' }, 'instanceType: expected an instance type such as ml.m5.large'],
    [{ inputS3Uri: 'https://scoring/input/' }, 'inputS3Uri: expected an s3:// URI'],
    [{ outputS3Uri: 's3://scoring/output' }, 'outputS3Uri: expected an s3:// prefix ending with /'],
    [{ splitType: 'Lines' }, 'splitType:'],
    [{ assembleWith: 'RecordIO' }, 'assembleWith:'],
    [{ batchStrategy: 'OneByOne' }, 'batchStrategy:'],
    [{ contentType: '' }, 'contentType: expected a non-empty string'],
    [
      { contentType: 't'.repeat(257) },
      "contentType: expected at most 256 characters (SageMaker's limit for a MIME type)",
    ],
    [{ accept: 'a'.repeat(257) }, "accept: expected at most 256 characters (SageMaker's limit for a MIME type)"],
  ])('refuses %o, naming the key', (change, problem) => {
    expect(problemsOf({ ...job, ...change })).toContain(at(problem));
  });

  it('takes the enums as SageMaker spells them', () => {
    const all = { splitType: 'TFRecord', assembleWith: 'None', batchStrategy: 'SingleRecord' };
    expect(accepted({ ...job, ...all })).toMatchObject(all);
    for (const splitType of ['None', 'Line', 'RecordIO'])
      expect(accepted({ ...job, splitType })?.splitType).toBe(splitType);
  });

  it('takes S3 URIs up to the lengths SageMaker takes, leaving room for the output path the job writes under', () => {
    expect(accepted({ ...job, inputS3Uri: uriOfLength(1024) })?.inputS3Uri).toHaveLength(1024);
    expect(problemsOf({ ...job, inputS3Uri: uriOfLength(1025) })).toContain(
      `${at('inputS3Uri')}: expected at most 1024 characters (SageMaker's limit for an S3 URI)`,
    );
    // <outputS3Uri><group>/v<version>/: a group of 63 characters and a version of 10 digits fill 1024 exactly
    expect(accepted({ ...job, outputS3Uri: uriOfLength(948) })?.outputS3Uri).toHaveLength(948);
    expect(problemsOf({ ...job, outputS3Uri: uriOfLength(949) })).toContain(
      `${at('outputS3Uri')}: expected at most 948 characters: the job writes under <outputS3Uri><group>/v<version>/ (up to 76 more), and SageMaker's S3OutputPath is at most 1024`,
    );
  });
});
