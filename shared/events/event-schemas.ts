import { BadInputError, describeZodError } from '#shared/errors.ts';
import '#shared/zod-english.ts';
import * as z from 'zod/mini';

const nonEmptyText = z.string().check(z.minLength(1, 'expected a non-empty string'));

/**
 * A name or ARN no longer than the AWS API reference allows for that field, checked first: a 200 KB "ARN"
 * is bad input named here (exit 2), not a call AWS refuses later (exit 1, and Lambda's retries).
 */
function identifier(maxLength: number, what: string) {
  return z.string().check(
    z.maxLength(maxLength, {
      error: (issue) =>
        `expected at most ${maxLength} characters (${what}), got ${typeof issue.input === 'string' ? issue.input.length : '?'}`,
      abort: true,
    }),
    z.minLength(1, 'expected a non-empty string'),
  );
}

// The documented maxima: an ARN of any AWS resource in an event's resources (EventBridge's
// PutEventsRequestEntry.Resources), SageMaker's model-package, pipeline and pipeline-execution ARNs
// (API_DescribeModelPackage, API_DescribePipelineExecution): 2048; a CloudWatch alarm name
// (API_PutMetricAlarm): 255; a CodePipeline pipeline name (API_PipelineDeclaration): 100; a SageMaker
// entity name (a model package group, an endpoint, a transform job: API_CreateEndpoint...): 63.
const maxArnLength = 2048;

// The EventBridge envelope: https://docs.aws.amazon.com/eventbridge/latest/ref/overiew-event-structure.html
const envelope = z.object({
  version: z.string(),
  id: nonEmptyText,
  'detail-type': nonEmptyText,
  source: nonEmptyText,
  account: z.string().check(z.regex(/^\d{12}$/, 'expected a 12-digit account id')),
  time: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time such as 2026-11-25T09:00:00Z' }),
  region: nonEmptyText,
  resources: z.array(identifier(maxArnLength, "an ARN, as EventBridge's PutEvents allows")),
});

const modelPackageArn = identifier(maxArnLength, 'a model-package ARN, as SageMaker allows').check(
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
    ModelPackageGroupName: identifier(63, 'a model package group name'),
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
    alarmName: identifier(255, 'a CloudWatch alarm name'),
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
    pipelineArn: identifier(maxArnLength, 'a SageMaker pipeline ARN'),
    pipelineExecutionArn: identifier(maxArnLength, 'a SageMaker pipeline execution ARN'),
    currentPipelineExecutionStatus: nonEmptyText,
    executionStartTime: z.optional(z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time' })),
  }),
});

// https://docs.aws.amazon.com/codepipeline/latest/userguide/detect-state-changes-cloudwatch-events.html
export const deliveryPipelineExecutionSchema = z.extend(envelope, {
  'detail-type': z.literal('CodePipeline Pipeline Execution State Change'),
  source: z.literal('aws.codepipeline'),
  detail: z.object({
    pipeline: identifier(100, 'a CodePipeline pipeline name'),
    'execution-id': identifier(36, 'a CodePipeline execution id'),
    state: nonEmptyText,
  }),
});

// A deployment SageMaker carries out (guardrails) changed state: the event is a hint, the endpoint is read.
// https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html#eventbridge-deployment-state
export const endpointDeploymentStateChangeSchema = z.extend(envelope, {
  'detail-type': z.literal('SageMaker Endpoint Deployment State Change'),
  source: z.literal('aws.sagemaker'),
  detail: z.object({
    EndpointName: identifier(63, 'a SageMaker endpoint name'),
    EndpointStatus: z.optional(z.string()),
  }),
});

// Any change of an endpoint's status (Updating, InService, Failed...), whoever caused it: a person's edit of an
// endpoint in a bake wakes its rollout at once instead of at its next read (rollout/quiet-bake.ts).
// https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html#eventbridge-endpoint
export const endpointStateChangeSchema = z.extend(envelope, {
  'detail-type': z.literal('SageMaker Endpoint State Change'),
  source: z.literal('aws.sagemaker'),
  detail: z.object({
    EndpointName: identifier(63, 'a SageMaker endpoint name'),
    EndpointStatus: z.optional(z.string()),
  }),
});

// A transform job changed state: the event names the job, whose name is its group's and version's.
// https://docs.aws.amazon.com/sagemaker/latest/dg/automating-sagemaker-with-eventbridge.html#eventbridge-transform-job
export const transformJobStateChangeSchema = z.extend(envelope, {
  'detail-type': z.literal('SageMaker Transform Job State Change'),
  source: z.literal('aws.sagemaker'),
  detail: z.object({
    TransformJobName: identifier(63, 'a SageMaker transform job name'),
    TransformJobStatus: z.optional(z.string()),
  }),
});

// The SQS event a reconcile worker receives: https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html
export const reconcileQueueEventSchema = z.object({
  Records: z
    .array(
      z.object({
        messageId: nonEmptyText,
        body: z.string(),
        // When SQS received the message, in ms since the epoch, as Lambda's SQS event gives it.
        attributes: z.optional(z.object({ SentTimestamp: z.optional(z.string()) })),
      }),
    )
    .check(z.minLength(1, 'expected records')),
});

/** A share of a tick: its time (the clock) and the endpoints to reconcile. */
export const reconcileWorkSchema = z.object({
  time: z.iso.datetime({ offset: true, error: 'expected an ISO 8601 time' }),
  endpoints: z.array(nonEmptyText).check(z.minLength(1, 'expected at least one endpoint')),
  /** Active rollouts in the whole tick (absent in messages from before it was sent). */
  activeRollouts: z.optional(z.number().check(z.int(), z.nonnegative())),
});

export type ModelPackageStateChange = z.infer<typeof modelPackageStateChangeSchema>;
export type AlarmStateChange = z.infer<typeof alarmStateChangeSchema>;
export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;
export type TrainingPipelineExecution = z.infer<typeof trainingPipelineExecutionSchema>;
export type DeliveryPipelineExecution = z.infer<typeof deliveryPipelineExecutionSchema>;

// EventBridge refuses events over 256 KB: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
export const maxEventBytes = 256 * 1024;

/** The events this system listens to, by detail-type: every one is validated in full, routed or not. */
export const eventSchemas: Readonly<Record<string, z.ZodMiniType>> = {
  'SageMaker Model Package State Change': modelPackageStateChangeSchema,
  'CloudWatch Alarm State Change': alarmStateChangeSchema,
  'Scheduled Event': scheduledEventSchema,
  'SageMaker Model Building Pipeline Execution Status Change': trainingPipelineExecutionSchema,
  'CodePipeline Pipeline Execution State Change': deliveryPipelineExecutionSchema,
  'SageMaker Endpoint Deployment State Change': endpointDeploymentStateChangeSchema,
  'SageMaker Endpoint State Change': endpointStateChangeSchema,
  'SageMaker Transform Job State Change': transformJobStateChangeSchema,
};

/** An untrusted value in a message: as it is when a string, else as JSON, cut short (String() can throw on objects). */
export function shown(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? typeof value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** An EventBridge event is a JSON object no larger than EventBridge allows, nested no deeper than JSON can say. */
function checkShape(event: unknown): void {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) {
    const kind = event === null ? 'null' : Array.isArray(event) ? 'an array' : typeof event;
    throw new BadInputError(`invalid event:\n(root): expected an EventBridge event (a JSON object), got ${kind}`);
  }
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(event), 'utf8');
  } catch {
    throw new BadInputError('invalid event:\n(root): nested too deeply (or cyclic) to be an EventBridge event');
  }
  if (bytes > maxEventBytes) {
    throw new BadInputError(
      `invalid event:\n(root): ${bytes} bytes is larger than EventBridge's ${maxEventBytes}-byte limit`,
    );
  }
}

/** Validates an event at the edge; the error names each field at fault (`detail.ModelPackageArn: ...`). */
export function parseEvent<Schema extends z.ZodMiniType>(schema: Schema, event: unknown): z.infer<Schema> {
  checkShape(event);
  const result = schema.safeParse(event);
  if (!result.success) throw new BadInputError(`invalid event:\n${describeZodError(result.error)}`);
  return result.data;
}

/**
 * Validates any event this system knows by its detail-type, whether or not a rule routes it: a
 * malformed event is bad input even when nothing would act on it. Unknown detail-types are bad input.
 */
export function parseKnownEvent(event: unknown): unknown {
  checkShape(event);
  const { source, 'detail-type': detailType } = event as Record<string, unknown>;
  const schema =
    typeof detailType === 'string' && Object.hasOwn(eventSchemas, detailType) ? eventSchemas[detailType] : undefined;
  if (schema === undefined) {
    throw new BadInputError(
      `invalid event:\ndetail-type: no function listens to ${shown(source)} / ${shown(detailType)} (see serverless.yml)`,
    );
  }
  return parseEvent(schema, event);
}
