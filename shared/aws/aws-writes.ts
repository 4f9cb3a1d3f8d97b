/**
 * Every change this system makes to AWS goes through a Writer, described as data first.
 * The live writer performs it; the plan writer only records it, which is how replay's
 * --dry-run reads the real world but changes nothing, and how --json lists the actions.
 */
export interface AwsWrite {
  readonly service:
    | 'sagemaker'
    | 'cloudwatch'
    | 'dynamodb'
    | 'sns'
    | 'sqs'
    | 'codepipeline'
    | 'application-autoscaling'
    | 's3'
    | 'ssm'
    | 'events';
  readonly operation: string;
  readonly input: object;
}

export interface Writer {
  /** Performs `write` by calling `send` (live) or records it without calling (plan). */
  write<Result>(write: AwsWrite, send: () => Promise<Result>): Promise<Result | undefined>;
  readonly dryRun: boolean;
  readonly performed: readonly AwsWrite[];
}

export function liveWriter(): Writer {
  const performed: AwsWrite[] = [];
  return {
    dryRun: false,
    performed,
    async write(write, send) {
      const result = await send();
      performed.push(write);
      return result;
    },
  };
}

export function planWriter(): Writer {
  const performed: AwsWrite[] = [];
  return {
    dryRun: true,
    performed,
    async write(write) {
      performed.push(write);
      return undefined;
    },
  };
}
