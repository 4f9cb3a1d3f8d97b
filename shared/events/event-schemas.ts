import { BadInputError, describeZodError } from '#shared/errors.ts';
import '#shared/zod-english.ts';
import * as z from 'zod/mini';

const nonEmptyText = z.string().check(z.minLength(1, 'expected a non-empty string'));

// The EventBridge envelope: https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
const envelope = z.object({
  version: z.string(),
  id: nonEmptyText,
  'detail-type': nonEmptyText,
  source: nonEmptyText,
  account: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account id')),
  time: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time such as 2026-11-25T09:00:00Z' }),
  region: nonEmptyText,
  resources: z.array(z.string()),
});

const modelPackageArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws[a-z-]*:sagemaker:[a-z0-9-]+:\d{12}:model-package\/[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}\/\d+$/,
      'expected a versioned model-package ARN (arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>)',
    ),
  );

export const approvalStatuses = ['PendingManualApproval', 'Approved', 'Rejected'] as const;

// https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html#eventbridge-model-package
export const modelPackageStateChangeSchema = z.extend(envelope, {
  'detail-type': z.literal('SageMaker Model Package State Change'),
  source: z.literal('aws.sagemaker'),
  detail: z.object({
    ModelPackageGroupName: nonEmptyText,
    ModelPackageVersion: z.optional(z.int().check(z.minimum(1, 'expected a version >= 1'))),
    ModelPackageArn: modelPackageArn,
    ModelApprovalStatus: z.enum(approvalStatuses),
  }),
});

// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch-and-eventbridge.html
export const alarmStateChangeSchema = z.extend(envelope, {
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.literal('aws.cloudwatch'),
  detail: z.object({
    alarmName: nonEmptyText,
    state: z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']), reason: z._default(z.string(), '') }),
    previousState: z.optional(z.object({ value: z.enum(['OK', 'ALARM', 'INSUFFICIENT_DATA']) })),
  }),
});

export const scheduledEventSchema = z.extend(envelope, {
  'detail-type': z.literal('Scheduled Event'),
  source: z.literal('aws.events'),
});

// https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html#eventbridge-pipeline
export const trainingPipelineExecutionSchema = z.extend(envelope, {
  'detail-type': z.literal('SageMaker Model Building Pipeline Execution Status Change'),
  source: z.literal('aws.sagemaker'),
  detail: z.object({
    pipelineArn: nonEmptyText,
    pipelineExecutionArn: nonEmptyText,
    currentPipelineExecutionStatus: nonEmptyText,
  }),
});

// https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html
export const deliveryPipelineExecutionSchema = z.extend(envelope, {
  'detail-type': z.literal('CodePipeline Pipeline Execution State Change'),
  source: z.literal('aws.codepipeline'),
  detail: z.object({
    pipeline: nonEmptyText,
    'execution-id': nonEmptyText,
    state: nonEmptyText,
  }),
});

export type ModelPackageStateChange = z.infer<typeof modelPackageStateChangeSchema>;
export type AlarmStateChange = z.infer<typeof alarmStateChangeSchema>;
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;
export type TrainingPipelineExecution = z.infer<typeof trainingPipelineExecutionSchema>;
export type DeliveryPipelineExecution = z.infer<typeof deliveryPipelineExecutionSchema>;

/** Validates an event at the edge; the error names each field at fault (`detail.ModelPackageArn: ...`). */
export function parseEvent<Schema extends z.ZodMiniType>(schema: Schema, event: unknown): z.infer<Schema> {
  const result = schema.safeParse(event);
  if (!result.success) throw new BadInputError(`invalid event:\n${describeZodError(result.error)}`);
  return result.data;
}
