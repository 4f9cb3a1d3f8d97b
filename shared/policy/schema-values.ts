// The values and the problem reporting the policy's schemas share: the group's (policy-schema.ts) and each
// target's (serverless-schema.ts, batch-transform-schema.ts).
import '#shared/zod-english.ts';
import * as z from 'zod/mini';

export type Refinement<Value> = (value: Value, ctx: z.core.$RefinementCtx<Value>) => void;

/** A problem at `path` (relative to the value being refined): `npm run check` prints it with the key path. */
export function addProblem(ctx: z.core.$RefinementCtx, message: string, path: PropertyKey[]): void {
  ctx.addIssue({ code: 'custom', message, path });
}

export const nonEmptyText = z.string().check(z.minLength(1, 'expected a non-empty string'));
export const nonNegative = z.number().check(z.minimum(0, 'expected a number >= 0'));
export const positiveInteger = (least: number) =>
  z.int().check(z.minimum(least, `expected a whole number >= ${least}`));

export const instanceType = z
  .string()
  .check(z.regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'expected an instance type such as ml.m5.large'));

// An S3 location: s3://bucket/key... SageMaker's S3 URIs are at most 1024 characters (S3Uri, S3OutputPath and
// ModelDataUrl alike): https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_TransformS3DataSource.html
export const s3UriMaxLength = 1024;
/** An s3:// location of any length: a target whose URI SageMaker extends says how long it may be. */
export const s3Location = z
  .string()
  .check(z.regex(/^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/.*)?$/, 'expected an s3:// URI'));
export const endsWithSlash = () => z.regex(/\/$/, 'expected an s3:// prefix ending with /');
export const s3Uri = s3Location.check(
  z.maxLength(s3UriMaxLength, `expected at most ${s3UriMaxLength} characters (SageMaker's limit for an S3 URI)`),
);
export const s3Prefix = s3Uri.check(endsWithSlash());
