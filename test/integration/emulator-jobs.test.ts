/**
 * Emulator fill-ins for batch transform jobs (emulator/fill_ins/transform_jobs.py, request_validation.py) and
 * SageMaker Runtime invocations of multi-model endpoints (endpoint_invocations.py): each behaves as the AWS
 * pages its module cites say, and plain moto 5.2.1 still needs it. S3 CopyObject between buckets and SSM
 * parameters, which the batch and multi-model targets need and moto already has, are pinned on both emulators.
 *
 * Nothing here sleeps: updateSeconds is an hour, and tests finish jobs with settle() and make calls fail with
 * the controls.
 */
import {
  CopyObjectCommand,
  CreateBucketCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateTransformJobCommand,
  type CreateTransformJobCommandInput,
  DescribeTransformJobCommand,
  ListTransformJobsCommand,
  SageMakerClient,
  StopTransformJobCommand,
  UpdateEndpointCommand,
} from '@aws-sdk/client-sagemaker';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../emulator/launch.ts';
import { ACCOUNT, clientConfig, IMAGE, REGION, ROLE, useEmulatorPair } from '../support/emulator-pair.ts';

interface Aws {
  emulator: EmulatorHandle;
  sagemaker: SageMakerClient;
  s3: S3Client;
}

let aws: Aws;
let plainAws: Aws;

function connect(emulator: EmulatorHandle): Aws {
  const config = clientConfig(emulator);
  return {
    emulator,
    sagemaker: new SageMakerClient(config),
    s3: new S3Client({ ...config, forcePathStyle: true }),
  };
}

const emulators = useEmulatorPair();
beforeAll(() => {
  aws = connect(emulators().withFillIns);
  plainAws = connect(emulators().plain);
});

// -- helpers ----------------------------------------------------------------------

const BUCKET = 'rollout-models';
const MODEL_PREFIX = `s3://${BUCKET}/customers/`;
const jobArn = (name: string) => `arn:aws:sagemaker:${REGION}:${ACCOUNT}:transform-job/${name}`;
const invalid = (message: string) => ({ name: 'ValidationException', message });

async function putObject({ s3 }: Aws, Bucket: string, Key: string, Body = 'x'): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket, Key, Body }));
}

async function createBucket({ s3 }: Aws, Bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket }));
}

/** Model `name`: a single model, or a multi-model container loading models from `modelPrefix`. */
const createModel = ({ sagemaker }: Aws, name: string, modelPrefix?: string) =>
  sagemaker.send(
    new CreateModelCommand({
      ModelName: name,
      ExecutionRoleArn: ROLE,
      PrimaryContainer:
        modelPrefix === undefined ? { Image: IMAGE } : { Image: IMAGE, Mode: 'MultiModel', ModelDataUrl: modelPrefix },
    }),
  );

async function createEndpoint(account: Aws, name: string, modelName: string, settle = true): Promise<void> {
  await account.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: name,
      ProductionVariants: [
        { VariantName: 'main', ModelName: modelName, InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
      ],
    }),
  );
  await account.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: name }));
  if (settle) await account.emulator.settle();
}

/** A transform job of model `model` over s3://rollout-models/input/ (which holds one object). */
const transformJob = (name: string, extra: Partial<CreateTransformJobCommandInput> = {}) =>
  ({
    TransformJobName: name,
    ModelName: 'model',
    TransformInput: {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: `s3://${BUCKET}/input/` } },
      ContentType: 'text/csv',
      SplitType: 'Line',
    },
    TransformOutput: { S3OutputPath: `s3://${BUCKET}/output/`, AssembleWith: 'Line' },
    TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 1 },
    ...extra,
  }) satisfies CreateTransformJobCommandInput;

async function prepareBatch(account: Aws): Promise<void> {
  await createBucket(account, BUCKET);
  await putObject(account, BUCKET, 'input/rows.csv', '1,2\n3,4\n');
  await createModel(account, 'model');
}

/** Endpoint `customers` serves model `mme`, which loads models from s3://rollout-models/customers/. */
async function prepareMultiModel(account: Aws): Promise<void> {
  await createBucket(account, BUCKET);
  await putObject(account, BUCKET, 'customers/acme-v1.tar.gz');
  await createModel(account, 'mme', MODEL_PREFIX);
  await createEndpoint(account, 'customers', 'mme');
}

const createJob = ({ sagemaker }: Aws, input: CreateTransformJobCommandInput) =>
  sagemaker.send(new CreateTransformJobCommand(input));

const describeJob = ({ sagemaker }: Aws, name: string) =>
  sagemaker.send(new DescribeTransformJobCommand({ TransformJobName: name }));

const stopJob = ({ sagemaker }: Aws, name: string) =>
  sagemaker.send(new StopTransformJobCommand({ TransformJobName: name }));

async function listedJobs({ sagemaker }: Aws) {
  return (await sagemaker.send(new ListTransformJobsCommand({}))).TransformJobSummaries ?? [];
}

/** How moto's unimplemented actions surface in the SDK: an HTML 500 it cannot parse. */
const unparseable500 = { name: 'SyntaxError', $metadata: expect.objectContaining({ httpStatusCode: 500 }) };

interface AwsAnswer {
  status: number;
  headers: Headers;
  /** The JSON body. */
  body: Record<string, unknown>;
  /** The error, named as the AWS SDKs name it: the X-Amzn-ErrorType header, else the body's __type. */
  error?: { name: string; message: unknown };
}

/**
 * An AWS call sent as the AWS SDKs send it, for the services whose SDK client the project does not depend on
 * (SageMaker Runtime, SSM). It is signed for `service` in name only: moto routes a request by its credential
 * scope and does not check signatures.
 */
async function awsCall(
  emulator: EmulatorHandle,
  service: string,
  path: string,
  headers: Record<string, string>,
  body: string,
): Promise<AwsAnswer> {
  const response = await fetch(`${emulator.endpointUrl}${path}`, {
    method: 'POST',
    headers: {
      ...headers,
      'x-amz-date': '20250101T000000Z',
      authorization: `AWS4-HMAC-SHA256 Credential=test/20250101/${REGION}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    },
    body,
  });
  const text = await response.text();
  const json = (text.startsWith('{') ? JSON.parse(text) : { text }) as Record<string, unknown>;
  const errorType = response.headers.get('x-amzn-errortype') ?? (json.__type as string | undefined);
  const answer: AwsAnswer = { status: response.status, headers: response.headers, body: json };
  if (response.status >= 300 && errorType !== undefined) {
    answer.error = {
      name: errorType.split(':')[0]?.split('#').pop() ?? errorType,
      message: json.message ?? json.Message,
    };
  }
  return answer;
}

/** SageMaker Runtime InvokeEndpoint (REST-JSON: POST /endpoints/{EndpointName}/invocations). */
const invokeEndpoint = (emulator: EmulatorHandle, endpointName: string, body: string, targetModel?: string) =>
  awsCall(
    emulator,
    'sagemaker',
    `/endpoints/${encodeURIComponent(endpointName)}/invocations`,
    {
      'content-type': 'text/csv',
      accept: 'application/json',
      ...(targetModel === undefined ? {} : { 'x-amzn-sagemaker-target-model': targetModel }),
    },
    body,
  );

/** An SSM action (AWS JSON 1.1). */
const ssm = (emulator: EmulatorHandle, action: string, input: object) =>
  awsCall(
    emulator,
    'ssm',
    '/',
    { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AmazonSSM.${action}` },
    JSON.stringify(input),
  );

async function control(emulator: EmulatorHandle, route: string, body: object): Promise<Response> {
  return fetch(`${emulator.endpointUrl}/_emulator/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

// -- transform jobs -------------------------------------------------------------------

describe('transform jobs', () => {
  beforeEach(async () => {
    await prepareBatch(aws);
  });

  it('stay InProgress after CreateTransformJob, with the request as given and no TransformEndTime', async () => {
    const created = await createJob(aws, transformJob('score-v2', { BatchStrategy: 'MultiRecord', MaxPayloadInMB: 6 }));
    expect(created.TransformJobArn).toBe(jobArn('score-v2'));

    const job = await describeJob(aws, 'score-v2');
    expect(job).toEqual({
      $metadata: expect.anything(),
      TransformJobName: 'score-v2',
      TransformJobArn: jobArn('score-v2'),
      TransformJobStatus: 'InProgress',
      ModelName: 'model',
      BatchStrategy: 'MultiRecord',
      MaxPayloadInMB: 6,
      TransformInput: transformJob('score-v2').TransformInput,
      TransformOutput: transformJob('score-v2').TransformOutput,
      TransformResources: transformJob('score-v2').TransformResources,
      CreationTime: expect.any(Date),
      TransformStartTime: expect.any(Date),
    });
    const [summary] = await listedJobs(aws);
    expect(summary).toMatchObject({ TransformJobName: 'score-v2', TransformJobStatus: 'InProgress' });
    expect(summary?.TransformEndTime).toBeUndefined();
  });

  it('complete at settle, with a TransformEndTime and no FailureReason', async () => {
    await createJob(aws, transformJob('score-v2'));
    await aws.emulator.settle();

    const job = await describeJob(aws, 'score-v2');
    expect(job.TransformJobStatus).toBe('Completed');
    expect(job.FailureReason).toBeUndefined();
    expect(job.TransformEndTime?.getTime()).toBeGreaterThanOrEqual(job.TransformStartTime?.getTime() ?? Infinity);
    expect((await listedJobs(aws))[0]).toMatchObject({
      TransformJobStatus: 'Completed',
      TransformEndTime: expect.any(Date),
    });
  });

  it('complete by themselves on the update clock, as endpoint updates do', async () => {
    await aws.emulator.configure({ updateSeconds: 0 });
    await createJob(aws, transformJob('score-v2'));

    expect((await describeJob(aws, 'score-v2')).TransformJobStatus).toBe('Completed');
  });

  it('end Failed with the FailureReason armed by failNextTransformJob, one job per failure armed', async () => {
    await aws.emulator.failNextTransformJob('ClientError: See job logs for more information');
    await createJob(aws, transformJob('first'));
    await createJob(aws, transformJob('second'));
    await aws.emulator.settle();

    expect(await describeJob(aws, 'first')).toMatchObject({
      TransformJobStatus: 'Failed',
      FailureReason: 'ClientError: See job logs for more information',
      TransformEndTime: expect.any(Date),
    });
    expect(await describeJob(aws, 'second')).toMatchObject({ TransformJobStatus: 'Completed' });
    expect((await listedJobs(aws)).map((s) => [s.TransformJobName, s.TransformJobStatus, s.FailureReason])).toEqual([
      ['first', 'Failed', 'ClientError: See job logs for more information'],
      ['second', 'Completed', undefined],
    ]);
  });

  it('end Stopped with a FailureReason when the failure armed says Stopped', async () => {
    await createJob(aws, transformJob('score-v2'));
    await aws.emulator.failNextTransformJob('stopped by the operator', 'Stopped');
    await aws.emulator.settle();

    expect(await describeJob(aws, 'score-v2')).toMatchObject({
      TransformJobStatus: 'Stopped',
      FailureReason: 'stopped by the operator',
      TransformEndTime: expect.any(Date),
    });
  });

  it('forget an armed failure when the emulator is reset', async () => {
    await aws.emulator.failNextTransformJob('never used');
    await aws.emulator.reset();
    await prepareBatch(aws);
    await createJob(aws, transformJob('score-v2'));
    await aws.emulator.settle();

    expect((await describeJob(aws, 'score-v2')).TransformJobStatus).toBe('Completed');
  });

  it('StopTransformJob moves an InProgress job to Stopping, and to Stopped at the next settle', async () => {
    await createJob(aws, transformJob('score-v2'));
    await aws.emulator.failNextTransformJob('for the next job that runs to its end');

    await stopJob(aws, 'score-v2');
    const stopping = await describeJob(aws, 'score-v2');
    expect(stopping.TransformJobStatus).toBe('Stopping');
    expect(stopping.TransformEndTime).toBeUndefined();
    await stopJob(aws, 'score-v2'); // stopping again is accepted

    await aws.emulator.settle();
    const stopped = await describeJob(aws, 'score-v2');
    expect(stopped).toMatchObject({ TransformJobStatus: 'Stopped', TransformEndTime: expect.any(Date) });
    expect(stopped.FailureReason).toBeUndefined();

    // the stopped job did not use the armed failure
    await createJob(aws, transformJob('next'));
    await aws.emulator.settle();
    expect((await describeJob(aws, 'next')).TransformJobStatus).toBe('Failed');
  });

  it('StopTransformJob refuses a job that has ended, and answers ResourceNotFound for an unknown one', async () => {
    await createJob(aws, transformJob('score-v2'));
    await aws.emulator.settle();

    await expect(stopJob(aws, 'score-v2')).rejects.toMatchObject(
      invalid('The request was rejected because the transform job is in status Completed.'),
    );
    await expect(stopJob(aws, 'missing')).rejects.toMatchObject({
      name: 'ResourceNotFound',
      message: `Could not find transform job '${jobArn('missing')}'.`,
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    });
  });

  it('CreateTransformJob refuses an unknown model and a name already used, even by a job that has ended', async () => {
    await expect(createJob(aws, transformJob('score-v2', { ModelName: 'nope' }))).rejects.toMatchObject(
      invalid(`Could not find model "arn:aws:sagemaker:${REGION}:${ACCOUNT}:model/nope".`),
    );
    await createJob(aws, transformJob('score-v2'));
    await aws.emulator.settle();

    await expect(createJob(aws, transformJob('score-v2'))).rejects.toMatchObject({
      name: 'ResourceInUse',
      message: `Job name must be unique within an AWS account and region, and a job with this name already exists (${jobArn('score-v2')})`,
      $metadata: expect.objectContaining({ httpStatusCode: 400 }),
    });
    expect((await describeJob(aws, 'score-v2')).TransformJobStatus).toBe('Completed');
  });

  it('CreateTransformJob reports every missing or malformed field at once, as AWS request validation does', async () => {
    const { TransformOutput: _output, ...withoutOutput } = transformJob('score_v2', {
      TransformResources: { InstanceType: 'ml.m5.large', InstanceCount: 0 },
      TransformInput: { DataSource: {} } as CreateTransformJobCommandInput['TransformInput'],
      BatchStrategy: 'OneByOne' as 'MultiRecord',
    });

    await expect(createJob(aws, withoutOutput as CreateTransformJobCommandInput)).rejects.toMatchObject(
      invalid(
        '5 validation errors detected: ' +
          "Value 'score_v2' at 'transformJobName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}; " +
          "Value 'OneByOne' at 'batchStrategy' failed to satisfy constraint: Member must satisfy enum value set: [MultiRecord, SingleRecord]; " +
          "Value null at 'transformInput.dataSource.s3DataSource' failed to satisfy constraint: Member must not be null; " +
          "Value null at 'transformOutput' failed to satisfy constraint: Member must not be null; " +
          "Value '0' at 'transformResources.instanceCount' failed to satisfy constraint: Member must have value greater than or equal to 1",
      ),
    );
    await expect(
      createJob(
        aws,
        transformJob('score-v2', {
          TransformResources: { InstanceType: 'ml.x9.huge' as 'ml.m5.large', InstanceCount: 1 },
        }),
      ),
    ).rejects.toMatchObject({
      name: 'ValidationException',
      message: expect.stringMatching(
        /^1 validation error detected: Value 'ml\.x9\.huge' at 'transformResources\.instanceType' failed to satisfy constraint: Member must satisfy enum value set: \[ml\.m4\.xlarge, .*ml\.m5\.large, .*\]$/,
      ),
    });
    expect(await listedJobs(aws)).toEqual([]);
  });

  it('CreateTransformJob refuses MaxPayloadInMB over 100 MB, alone or times MaxConcurrentTransforms', async () => {
    await expect(createJob(aws, transformJob('score-v2', { MaxPayloadInMB: 101 }))).rejects.toMatchObject(
      invalid('MaxPayloadInMB 101 is not valid: the value of MaxPayloadInMB cannot be greater than 100 MB.'),
    );
    await expect(
      createJob(aws, transformJob('score-v2', { MaxPayloadInMB: 30, MaxConcurrentTransforms: 4 })),
    ).rejects.toMatchObject(
      invalid(
        'MaxConcurrentTransforms 4 * MaxPayloadInMB 30 is 120 MB: the value of (MaxConcurrentTransforms * MaxPayloadInMB) cannot exceed 100 MB.',
      ),
    );
    expect(await listedJobs(aws)).toEqual([]);

    // At the limit, and 0 (HTTP chunked encoding), are taken; so is a concurrency without a payload size.
    await createJob(aws, transformJob('at-limit', { MaxPayloadInMB: 20, MaxConcurrentTransforms: 5 }));
    await createJob(aws, transformJob('largest', { MaxPayloadInMB: 100 }));
    await createJob(aws, transformJob('chunked', { MaxPayloadInMB: 0, MaxConcurrentTransforms: 50 }));
    await createJob(aws, transformJob('concurrent', { MaxConcurrentTransforms: 50 }));
    expect(await describeJob(aws, 'at-limit')).toMatchObject({ MaxPayloadInMB: 20, MaxConcurrentTransforms: 5 });
  });

  it('CreateTransformJob refuses an S3Prefix input with no objects under it', async () => {
    const input = {
      DataSource: { S3DataSource: { S3DataType: 'S3Prefix' as const, S3Uri: `s3://${BUCKET}/nothing/` } },
    };

    await expect(createJob(aws, transformJob('score-v2', { TransformInput: input }))).rejects.toMatchObject(
      invalid(
        `No S3 objects found under S3 URL "s3://${BUCKET}/nothing/" given in input data source. Please ensure that the bucket exists in the selected region (${REGION}), that objects exist under that S3 prefix, and that the role "${ROLE}" has "s3:ListBucket" permissions on bucket "${BUCKET}".`,
      ),
    );
  });

  it('the control refuses a status other than Failed or Stopped, and a missing reason', async () => {
    expect((await control(aws.emulator, 'fail-next-transform-job', { reason: 'x', status: 'Completed' })).status).toBe(
      400,
    );
    expect((await control(aws.emulator, 'fail-next-transform-job', {})).status).toBe(400);
  });
});

// -- multi-model endpoints -------------------------------------------------------------

describe('InvokeEndpoint', () => {
  beforeEach(async () => {
    await prepareMultiModel(aws);
  });

  it('answers a multi-model endpoint when <ModelDataUrl prefix><TargetModel> exists in S3', async () => {
    const answer = await invokeEndpoint(aws.emulator, 'customers', '1,2,3', 'acme-v1.tar.gz');

    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ targetModel: 'acme-v1.tar.gz', received: 5 });
    expect(answer.headers.get('x-amzn-invoked-production-variant')).toBe('main');
  });

  it('answers ValidationError naming the bucket and key when the target model does not exist', async () => {
    const answer = await invokeEndpoint(aws.emulator, 'customers', '1,2,3', 'acme-v2.tar.gz');

    expect(answer.status).toBe(400);
    expect(answer.error).toEqual({
      name: 'ValidationError',
      message: `Failed to download model data(bucket: ${BUCKET}, key: customers/acme-v2.tar.gz). Please ensure that there is an object located at the URL and that the role passed to CreateModel has permissions to download the model.`,
    });
  });

  it('finds a model copied under the prefix from another bucket (CopyObject) at the next invocation', async () => {
    await createBucket(aws, 'rollout-staging');
    await putObject(aws, 'rollout-staging', 'acme-v2.tar.gz', 'weights');
    expect((await invokeEndpoint(aws.emulator, 'customers', '1', 'acme-v2.tar.gz')).status).toBe(400);

    await aws.s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'customers/acme-v2.tar.gz',
        CopySource: 'rollout-staging/acme-v2.tar.gz',
      }),
    );

    expect((await invokeEndpoint(aws.emulator, 'customers', '1', 'acme-v2.tar.gz')).body).toEqual({
      targetModel: 'acme-v2.tar.gz',
      received: 1,
    });
  });

  it('asks a multi-model endpoint for a target model header', async () => {
    const answer = await invokeEndpoint(aws.emulator, 'customers', '1');

    expect(answer.status).toBe(400);
    expect(answer.error).toEqual({
      name: 'ValidationError',
      message: expect.stringMatching(/^Request [0-9a-f-]{36} is missing a target model header\.$/),
    });
  });

  it('keeps moto canned answer for a single-model endpoint, which refuses a target model header', async () => {
    await createModel(aws, 'single');
    await createEndpoint(aws, 'single', 'single');

    expect(await invokeEndpoint(aws.emulator, 'single', '1')).toMatchObject({ status: 200, body: { text: 'body' } });
    const answer = await invokeEndpoint(aws.emulator, 'single', '1', 'acme-v1.tar.gz');
    expect(answer.status).toBe(400);
    expect(answer.error).toEqual({
      name: 'ValidationError',
      message: 'Endpoint single is not a multi-model endpoint and does not support target model header.',
    });
    expect(answer.body.ErrorCode).toBe('TARGET_MODEL_HEADER_NOT_SUPPORTED');
  });

  it('answers ValidationError for an endpoint that does not exist or is still Creating', async () => {
    await createEndpoint(aws, 'creating', 'mme', false);

    for (const name of ['missing', 'creating']) {
      const answer = await invokeEndpoint(aws.emulator, name, '1', 'acme-v1.tar.gz');
      expect(answer.status).toBe(400);
      expect(answer.error).toEqual({
        name: 'ValidationError',
        message: `Endpoint ${name} of account ${ACCOUNT} not found.`,
      });
    }
    await aws.emulator.settle();
    expect((await invokeEndpoint(aws.emulator, 'creating', '1', 'acme-v1.tar.gz')).status).toBe(200);
  });

  it('serves from the current config while the endpoint is Updating', async () => {
    await createModel(aws, 'mme-v2', `s3://${BUCKET}/other-prefix/`);
    await aws.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: 'customers-v2',
        ProductionVariants: [
          { VariantName: 'main', ModelName: 'mme-v2', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 },
        ],
      }),
    );
    await aws.sagemaker.send(
      new UpdateEndpointCommand({ EndpointName: 'customers', EndpointConfigName: 'customers-v2' }),
    );

    expect((await invokeEndpoint(aws.emulator, 'customers', '1', 'acme-v1.tar.gz')).status).toBe(200);
    await aws.emulator.settle();
    expect((await invokeEndpoint(aws.emulator, 'customers', '1', 'acme-v1.tar.gz')).error?.message).toContain(
      'key: other-prefix/acme-v1.tar.gz',
    );
  });

  it('answers ModelError (424) once after failNextInvocation, as a smoke test sees a failing model', async () => {
    await aws.emulator.failNextInvocation('customers', 'model acme-v1 raised ValueError');

    const failed = await invokeEndpoint(aws.emulator, 'customers', '1', 'acme-v1.tar.gz');
    expect(failed.status).toBe(424);
    expect(failed.error).toEqual({
      name: 'ModelError',
      message: `Received server error (500) from primary with message "model acme-v1 raised ValueError". See https://${REGION}.console.aws.amazon.com/cloudwatch/home?region=${REGION}#logEventViewer:group=/aws/sagemaker/Endpoints/customers in account ${ACCOUNT} for more information.`,
    });
    expect(failed.body).toMatchObject({
      OriginalStatusCode: 500,
      OriginalMessage: 'model acme-v1 raised ValueError',
      LogStreamArn: `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:/aws/sagemaker/Endpoints/customers`,
    });
    expect((await invokeEndpoint(aws.emulator, 'customers', '1', 'acme-v1.tar.gz')).status).toBe(200);
  });

  it('keeps an armed ModelError for an invocation that reaches the model, with the status the model answered', async () => {
    await aws.emulator.failNextInvocation('customers', 'bad input', 400);

    // the model cannot be loaded, so the container is never called
    expect((await invokeEndpoint(aws.emulator, 'customers', '1', 'acme-v9.tar.gz')).error?.name).toBe(
      'ValidationError',
    );
    const failed = await invokeEndpoint(aws.emulator, 'customers', '1', 'acme-v1.tar.gz');
    expect(failed.error?.message).toMatch(/^Received client error \(400\) from primary with message "bad input"\./);
    expect(failed.body.OriginalStatusCode).toBe(400);
  });

  it('the control needs an endpoint name and a message', async () => {
    expect((await control(aws.emulator, 'fail-next-invocation', { endpointName: 'customers' })).status).toBe(400);
    expect(
      (
        await control(aws.emulator, 'fail-next-invocation', {
          endpointName: 'c',
          message: 'm',
          originalStatusCode: 200,
        })
      ).status,
    ).toBe(400);
  });
});

// -- what the batch and multi-model targets need from S3 and SSM --------------------

describe.each([
  ['with fill-ins', () => aws],
  ['plain', () => plainAws],
])('S3 and SSM through the emulator (%s)', (_label, account) => {
  it('CopyObject copies an object and its metadata to another bucket, and names a missing source', async () => {
    const { s3 } = account();
    await createBucket(account(), 'rollout-staging');
    await createBucket(account(), BUCKET);
    await s3.send(
      new PutObjectCommand({
        Bucket: 'rollout-staging',
        Key: 'acme-v2.tar.gz',
        Body: 'weights',
        Metadata: { version: '2' },
      }),
    );

    await s3.send(
      new CopyObjectCommand({
        Bucket: BUCKET,
        Key: 'customers/acme-v2.tar.gz',
        CopySource: 'rollout-staging/acme-v2.tar.gz',
      }),
    );

    const copy = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'customers/acme-v2.tar.gz' }));
    expect(await copy.Body?.transformToString()).toBe('weights');
    expect(copy.Metadata).toEqual({ version: '2' });
    await expect(
      s3.send(new CopyObjectCommand({ Bucket: BUCKET, Key: 'k', CopySource: 'rollout-staging/missing.tar.gz' })),
    ).rejects.toMatchObject({ name: 'NoSuchKey', $metadata: expect.objectContaining({ httpStatusCode: 404 }) });
  });

  it('PutParameter, GetParameter and DeleteParameter keep versions and refuse what SSM refuses', async () => {
    const { emulator } = account();
    const name = '/rollout/customers/acme';

    expect(
      (await ssm(emulator, 'PutParameter', { Name: name, Value: 'acme-v1.tar.gz', Type: 'String' })).body,
    ).toMatchObject({
      Version: 1,
    });
    expect(
      (await ssm(emulator, 'PutParameter', { Name: name, Value: 'acme-v2.tar.gz', Type: 'String' })).error,
    ).toEqual({
      name: 'ParameterAlreadyExists',
      message:
        'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.',
    });
    expect(
      (await ssm(emulator, 'PutParameter', { Name: name, Value: 'acme-v2.tar.gz', Overwrite: true })).body,
    ).toMatchObject({
      Version: 2,
    });
    expect((await ssm(emulator, 'GetParameter', { Name: name })).body.Parameter).toMatchObject({
      Name: name,
      Value: 'acme-v2.tar.gz',
      Version: 2,
      Type: 'String',
      ARN: `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`,
    });

    expect((await ssm(emulator, 'DeleteParameter', { Name: name })).status).toBe(200);
    for (const action of ['GetParameter', 'DeleteParameter']) {
      const answer = await ssm(emulator, action, { Name: name });
      expect(answer.status).toBe(400);
      expect(answer.error).toEqual({ name: 'ParameterNotFound', message: `Parameter ${name} not found.` });
    }
  });
});

// -- capabilities --------------------------------------------------------------------

describe('moto 5.2.1 capabilities (plain, without fill-ins)', () => {
  it('moto still completes a transform job at once and checks nothing: if this fails, moto fixed it, revisit transform_jobs.py', async () => {
    await createBucket(plainAws, BUCKET);

    await createJob(plainAws, transformJob('score-v2', { ModelName: 'no-such-model' }));
    await createJob(plainAws, transformJob('score-v2', { ModelName: 'no-such-model' }));

    expect(await describeJob(plainAws, 'score-v2')).toMatchObject({
      TransformJobStatus: 'Completed',
      TransformEndTime: expect.any(Date),
      FailureReason: '',
    });
    await expect(stopJob(plainAws, 'score-v2')).rejects.toMatchObject(unparseable500);
  });

  it('moto still takes any MaxPayloadInMB: if this fails, moto checks it now, revisit transform_jobs.py', async () => {
    await createBucket(plainAws, BUCKET);

    await createJob(plainAws, transformJob('score-v2', { MaxPayloadInMB: 500, MaxConcurrentTransforms: 4 }));

    expect(await describeJob(plainAws, 'score-v2')).toMatchObject({ MaxPayloadInMB: 500, MaxConcurrentTransforms: 4 });
  });

  it('moto still answers InvokeEndpoint with canned data whatever the endpoint and TargetModel: if this fails, revisit endpoint_invocations.py', async () => {
    await prepareMultiModel(plainAws);

    expect(await invokeEndpoint(plainAws.emulator, 'customers', '1', 'acme-v2.tar.gz')).toMatchObject({
      status: 200,
      body: { text: 'body' },
    });
    expect(await invokeEndpoint(plainAws.emulator, 'missing', '1')).toMatchObject({
      status: 200,
      body: { text: 'body' },
    });
  });
});
