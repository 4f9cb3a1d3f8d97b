// A batch group's `batchTransform`: CreateTransformJob's settings, checked as SageMaker checks them, so that a
// policy SageMaker would refuse fails `npm run check` instead of the first approved version's job.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html (MaxPayloadInMB,
// MaxConcurrentTransforms, BatchStrategy), API_TransformInput.html (ContentType, SplitType),
// API_TransformS3DataSource.html (S3Uri), API_TransformOutput.html (S3OutputPath, Accept, AssembleWith),
// API_TransformResources.html (InstanceType, InstanceCount).
import * as z from 'zod/mini';
import {
  addProblem,
  endsWithSlash,
  instanceType,
  positiveInteger,
  s3Location,
  s3Uri,
  s3UriMaxLength,
} from './schema-values.ts';

// MaxPayloadInMB: "The value of MaxPayloadInMB cannot be greater than 100 MB. If you specify the
// MaxConcurrentTransforms parameter, the value of (MaxConcurrentTransforms * MaxPayloadInMB) also cannot
// exceed 100 MB." 0 is allowed: "set the value to 0" for payloads sent with HTTP chunked encoding.
export const maxPayloadMB = 100;

// The job writes under <outputS3Uri><group>/v<version>/ (batch-transform/decisions.ts): a group name is at most
// 63 characters (CreateModelPackageGroup) and a version at most 10 digits (ModelPackageVersion is an Integer),
// so 76 characters go after the policy's prefix, and S3OutputPath is at most 1024.
export const outputPathRoom = 63 + '/v'.length + 10 + '/'.length;
const outputPrefixMaxLength = s3UriMaxLength - outputPathRoom;

// ContentType and Accept: "Maximum length of 256".
const mimeType = z
  .string()
  .check(
    z.minLength(1, 'expected a non-empty string'),
    z.maxLength(256, "expected at most 256 characters (SageMaker's limit for a MIME type)"),
  );

/** A batch transform on approval: no endpoint, a job on the input, the version published when it completes. */
export const batchTransform = z
  .strictObject({
    inputS3Uri: s3Uri,
    /** Output goes under <outputS3Uri><group>/v<version>/. */
    outputS3Uri: s3Location.check(
      endsWithSlash(),
      z.maxLength(
        outputPrefixMaxLength,
        `expected at most ${outputPrefixMaxLength} characters: the job writes under <outputS3Uri><group>/v<version>/ ` +
          `(up to ${outputPathRoom} more), and SageMaker's S3OutputPath is at most ${s3UriMaxLength}`,
      ),
    ),
    instanceType,
    instanceCount: z._default(positiveInteger(1), 1),
    contentType: z.optional(mimeType),
    splitType: z.optional(z.enum(['None', 'Line', 'RecordIO', 'TFRecord'])),
    batchStrategy: z.optional(z.enum(['MultiRecord', 'SingleRecord'])),
    assembleWith: z.optional(z.enum(['None', 'Line'])),
    accept: z.optional(mimeType),
    maxPayloadInMB: z.optional(
      positiveInteger(0).check(
        z.maximum(maxPayloadMB, `expected at most ${maxPayloadMB} (SageMaker's largest MaxPayloadInMB)`),
      ),
    ),
    maxConcurrentTransforms: z.optional(positiveInteger(0)),
  })
  .check(
    z.superRefine((job, ctx) => {
      const { maxPayloadInMB: payload, maxConcurrentTransforms: concurrent } = job;
      if (payload === undefined || concurrent === undefined || concurrent * payload <= maxPayloadMB) return;
      addProblem(
        ctx,
        `${concurrent} transforms of ${payload} MB are ${concurrent * payload} MB at once: SageMaker allows at most ` +
          `${maxPayloadMB} MB (maxConcurrentTransforms × maxPayloadInMB)`,
        ['maxConcurrentTransforms'],
      );
    }),
  );
