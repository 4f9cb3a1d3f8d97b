// A batch group's version runs as a transform job on the group's input; the tick and the job's event
// both read it back. https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateTransformJob.html
import {
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTransformJobCommand,
  StopTransformJobCommand,
} from '@aws-sdk/client-sagemaker';
import { withStackTag } from '#shared/rollout/stack-ownership.ts';
import type { Writer } from './aws-writes.ts';
import { sagemaker } from './sagemaker.ts';

export interface TransformJobPlan {
  readonly jobName: string;
  readonly modelName: string;
  /** CreateTransformJob's fields besides the names: TransformInput, TransformOutput, TransformResources... */
  readonly settings: Readonly<Record<string, unknown>>;
}

export interface ObservedTransformJob {
  readonly status: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
  readonly failureReason?: string;
  readonly outputS3Uri?: string;
}

const exists = /already exists|in use/i;

export async function createTransformJob(writer: Writer, plan: TransformJobPlan, stackName: string) {
  const input = {
    ...plan.settings,
    TransformJobName: plan.jobName,
    ModelName: plan.modelName,
    Tags: withStackTag([], stackName),
  } as CreateTransformJobCommandInput;
  await writer.write({ service: 'sagemaker', operation: 'CreateTransformJob', input }, async () => {
    try {
      await sagemaker.send(new CreateTransformJobCommand(input));
    } catch (error) {
      // A retried start finds its own job: job names are the version's, so it is the same job.
      if (!exists.test((error as Error).message)) throw error;
    }
  });
}

/** The job as SageMaker reports it; undefined when it does not exist. */
export async function describeTransformJob(jobName: string): Promise<ObservedTransformJob | undefined> {
  try {
    const job = await sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: jobName }));
    return {
      status: job.TransformJobStatus as ObservedTransformJob['status'],
      ...(job.FailureReason === undefined ? {} : { failureReason: job.FailureReason }),
      ...(job.TransformOutput?.S3OutputPath === undefined ? {} : { outputS3Uri: job.TransformOutput.S3OutputPath }),
    };
  } catch (error) {
    // AWS documents ResourceNotFound; a ValidationException saying so is seen too.
    const { name, message } = error as Error;
    const missing = /could not find|not found|does not exist/i.test(message);
    if (name === 'ResourceNotFound' || (name === 'ValidationException' && missing)) return undefined;
    throw error;
  }
}

export async function stopTransformJob(writer: Writer, jobName: string) {
  const input = { TransformJobName: jobName };
  await writer.write({ service: 'sagemaker', operation: 'StopTransformJob', input }, () =>
    sagemaker.send(new StopTransformJobCommand(input)),
  );
}
