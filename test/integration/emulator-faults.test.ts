/**
 * Fault injection (POST /_emulator/inject, emulator/fill_ins/control.py and faults.py): the next
 * `times` calls of one operation answer an AWS error in the caller's protocol, so the AWS SDK
 * raises it by name, or answer late.
 *
 * Clients make one attempt (maxAttempts: 1) so that an injected error reaches the test.
 * Nothing here sleeps; the delays measured are the emulator's.
 */
import {
  ApplicationAutoScalingClient,
  ConcurrentUpdateException,
  DescribeScalableTargetsCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  InternalServiceFault,
  PutMetricDataCommand,
} from '@aws-sdk/client-cloudwatch';
import { CodePipelineClient, ListPipelinesCommand } from '@aws-sdk/client-codepipeline';
import {
  CreateTableCommand,
  DynamoDBClient,
  GetItemCommand,
  ProvisionedThroughputExceededException,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import {
  CreateModelCommand,
  DescribeModelCommand,
  ListEndpointsCommand,
  ListModelsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { CreateTopicCommand, PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EmulatorHandle } from '../../emulator/launch.ts';
import { clientConfig, useEmulatorPair } from '../support/emulator-pair.ts';

const REGION = 'us-east-1';
const TOPIC = `arn:aws:sns:${REGION}:123456789012:topic`;

let emulator: EmulatorHandle;
let plain: EmulatorHandle;
let sagemaker: SageMakerClient;
let dynamodb: DynamoDBClient;
let cloudwatch: CloudWatchClient;
let sns: SNSClient;
let s3: S3Client;
let scaling: ApplicationAutoScalingClient;
let codepipeline: CodePipelineClient;

const emulators = useEmulatorPair();
beforeAll(() => {
  ({ withFillIns: emulator, plain } = emulators());
  const config = clientConfig(emulator);
  sagemaker = new SageMakerClient(config);
  dynamodb = new DynamoDBClient(config);
  cloudwatch = new CloudWatchClient(config);
  sns = new SNSClient(config);
  s3 = new S3Client({ ...config, forcePathStyle: true });
  scaling = new ApplicationAutoScalingClient(config);
  codepipeline = new CodePipelineClient(config);
});

const inject = (body: object) =>
  fetch(`${emulator.endpointUrl}/_emulator/inject`, { method: 'POST', body: JSON.stringify(body) });

const status = (code: number) => expect.objectContaining({ httpStatusCode: code });

async function timed<T>(call: Promise<T>): Promise<number> {
  const started = performance.now();
  await call.catch(() => undefined);
  return performance.now() - started;
}

describe('injected errors', () => {
  it('answers the next `times` calls with the error, as the SDK names it, then lets calls through', async () => {
    await emulator.inject({
      service: 'sagemaker',
      operation: 'ListEndpoints',
      error: 'ThrottlingException',
      message: 'Rate exceeded',
      times: 2,
    });
    const list = () => sagemaker.send(new ListEndpointsCommand({}));

    await expect(list()).rejects.toMatchObject({
      name: 'ThrottlingException',
      message: 'Rate exceeded',
      $metadata: status(400),
    });
    expect(await emulator.injected()).toMatchObject([{ operation: 'ListEndpoints', remaining: 1 }]);
    await expect(sagemaker.send(new ListModelsCommand({}))).resolves.toBeDefined(); // another operation
    await expect(list()).rejects.toMatchObject({ name: 'ThrottlingException' });
    await expect(list()).resolves.toMatchObject({ Endpoints: [] });
    expect(await emulator.injected()).toEqual([]);
  });

  it('DynamoDB (JSON 1.0): a typed ProvisionedThroughputExceededException, and the write does not happen', async () => {
    await dynamodb.send(
      new CreateTableCommand({
        TableName: 'table',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await emulator.inject({
      service: 'dynamodb',
      operation: 'PutItem',
      error: 'ProvisionedThroughputExceededException',
    });

    const put = dynamodb.send(new PutItemCommand({ TableName: 'table', Item: { pk: { S: 'a' } } }));

    await expect(put).rejects.toBeInstanceOf(ProvisionedThroughputExceededException);
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: 'table', Key: { pk: { S: 'a' } } }));
    expect(Item).toBeUndefined();
  });

  it('SNS (query protocol): a typed error from the Action in the form body', async () => {
    await sns.send(new CreateTopicCommand({ Name: 'topic' }));
    await emulator.inject({ service: 'sns', operation: 'Publish', error: 'Throttled', message: 'slow down' });

    const publish = sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'hello' }));

    await expect(publish).rejects.toBeInstanceOf(ThrottledException);
    await expect(publish).rejects.toMatchObject({ message: 'slow down', $metadata: status(400) });
    await expect(sns.send(new PublishCommand({ TopicArn: TOPIC, Message: 'hello' }))).resolves.toBeDefined();
  });

  it('S3: GetObject answers SlowDown with 503', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'k', Body: 'v' }));
    await emulator.inject({ service: 's3', operation: 'GetObject', error: 'SlowDown', status: 503 });

    await expect(s3.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }))).rejects.toMatchObject({
      name: 'SlowDown',
      $metadata: status(503),
    });
    const object = await s3.send(new GetObjectCommand({ Bucket: 'bucket', Key: 'k' }));
    expect(await object.Body?.transformToString()).toBe('v');
  });

  it.each([
    ['CreateBucket', () => s3.send(new CreateBucketCommand({ Bucket: 'other' }))],
    ['PutObject', () => s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'k2', Body: 'v' }))],
    ['CopyObject', () => s3.send(new CopyObjectCommand({ Bucket: 'bucket', Key: 'k2', CopySource: 'bucket/k' }))],
    ['DeleteObject', () => s3.send(new DeleteObjectCommand({ Bucket: 'bucket', Key: 'k' }))],
    ['ListObjectsV2', () => s3.send(new ListObjectsV2Command({ Bucket: 'bucket' }))],
    ['HeadObject', () => s3.send(new HeadObjectCommand({ Bucket: 'bucket', Key: 'k' }))],
  ])('S3: recognises %s from the REST request', async (operation, call) => {
    await s3.send(new CreateBucketCommand({ Bucket: 'bucket' }));
    await s3.send(new PutObjectCommand({ Bucket: 'bucket', Key: 'k', Body: 'v' }));
    await emulator.inject({ service: 's3', operation, error: 'InternalError', status: 500 });

    // a HEAD answer has no body: the SDK can only go by the status
    const named = operation === 'HeadObject' ? {} : { name: 'InternalError' };
    await expect(call()).rejects.toMatchObject({ ...named, $metadata: status(500) });
    await expect(call()).resolves.toBeDefined();
  });

  it('CloudWatch (JSON 1.0, "cloudwatch" as an alias of its signing name monitoring)', async () => {
    await emulator.inject({
      service: 'cloudwatch',
      operation: 'PutMetricData',
      error: 'InternalServiceFault',
      status: 500,
    });
    expect(await emulator.injected()).toMatchObject([{ service: 'monitoring', operation: 'PutMetricData' }]);

    const put = cloudwatch.send(
      new PutMetricDataCommand({ Namespace: 'ns', MetricData: [{ MetricName: 'm', Value: 1 }] }),
    );

    await expect(put).rejects.toBeInstanceOf(InternalServiceFault);
    await expect(put).rejects.toMatchObject({ name: 'InternalServiceFault', $metadata: status(500) });
    await expect(cloudwatch.send(new DescribeAlarmsCommand({}))).resolves.toBeDefined();
  });

  it('Application Auto Scaling and CodePipeline (JSON 1.1): typed errors', async () => {
    await emulator.inject({
      service: 'application-autoscaling',
      operation: 'DescribeScalableTargets',
      error: 'ConcurrentUpdateException',
      status: 500,
    });
    await emulator.inject({ service: 'codepipeline', operation: 'ListPipelines', error: 'ThrottlingException' });

    await expect(
      scaling.send(new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' })),
    ).rejects.toBeInstanceOf(ConcurrentUpdateException);
    await expect(codepipeline.send(new ListPipelinesCommand({}))).rejects.toMatchObject({
      name: 'ThrottlingException',
    });
  });

  it('tells services apart by the credential scope: a fault for one service leaves the others alone', async () => {
    await emulator.inject({ service: 'codepipeline', operation: 'ListEndpoints', error: 'ThrottlingException' });

    await expect(sagemaker.send(new ListEndpointsCommand({}))).resolves.toBeDefined();
    expect(await emulator.injected()).toHaveLength(1);
  });
});

describe('injected delays', () => {
  const createModel = () =>
    sagemaker.send(
      new CreateModelCommand({
        ModelName: 'model',
        PrimaryContainer: { Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1' },
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/r',
      }),
    );

  it('without an error, answers late and the call takes effect; other calls are not held up meanwhile', async () => {
    await emulator.inject({ service: 'sagemaker', operation: 'CreateModel', delayMs: 1000 });

    const create = timed(createModel());
    while ((await emulator.injected()).length > 0); // until CreateModel has arrived and is waiting
    const listed = await sagemaker.send(new ListModelsCommand({}));
    const listing = await timed(sagemaker.send(new ListModelsCommand({})));

    expect(listed.Models).toEqual([]);
    expect(listing).toBeLessThan(500);
    expect(await create).toBeGreaterThanOrEqual(900);
    await expect(sagemaker.send(new DescribeModelCommand({ ModelName: 'model' }))).resolves.toBeDefined();
  });

  it('with an error, answers late with the error', async () => {
    await emulator.inject({
      service: 'sagemaker',
      operation: 'CreateModel',
      delayMs: 300,
      error: 'ServiceUnavailable',
      status: 503,
    });

    const started = performance.now();
    await expect(createModel()).rejects.toMatchObject({ name: 'ServiceUnavailable', $metadata: status(503) });
    expect(performance.now() - started).toBeGreaterThanOrEqual(250);
    await expect(sagemaker.send(new DescribeModelCommand({ ModelName: 'model' }))).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('the inject route', () => {
  it('lists what is armed, oldest first, with the calls each has left', async () => {
    await emulator.inject({ service: 's3', operation: 'GetObject', error: 'SlowDown', status: 503, times: 3 });
    await emulator.inject({ service: 'sns', operation: 'Publish', delayMs: 10 });

    expect(await emulator.injected()).toEqual([
      {
        service: 's3',
        operation: 'GetObject',
        error: 'SlowDown',
        status: 503,
        message: 'SlowDown injected by the emulator into GetObject',
        remaining: 3,
      },
      {
        service: 'sns',
        operation: 'Publish',
        error: null,
        status: 400,
        message: 'Delay injected by the emulator into Publish',
        remaining: 1,
        delayMs: 10,
      },
    ]);
  });

  it('disarms every fault on DELETE: the next call goes through', async () => {
    await emulator.inject({ service: 'sagemaker', operation: 'ListEndpoints', error: 'ThrottlingException', times: 5 });

    await emulator.disarm();

    expect(await emulator.injected()).toEqual([]);
    await expect(sagemaker.send(new ListEndpointsCommand({}))).resolves.toBeDefined();
  });

  it("is cleared by moto's reset", async () => {
    await emulator.inject({ service: 'sagemaker', operation: 'ListEndpoints', error: 'ThrottlingException' });

    await emulator.reset();

    expect(await emulator.injected()).toEqual([]);
    await expect(sagemaker.send(new ListEndpointsCommand({}))).resolves.toBeDefined();
  });

  const valid = { service: 'sagemaker', operation: 'ListEndpoints', error: 'ThrottlingException' };
  it.each([
    [{ ...valid, service: undefined }, 'service must be a non-empty string'],
    [{ ...valid, service: 'ec2' }, 'service must be one of sagemaker, dynamodb, monitoring, cloudwatch,'],
    [{ ...valid, operation: '' }, 'operation must be a non-empty string'],
    [{ ...valid, error: undefined }, 'error must be a non-empty string (or give delayMs'],
    [{ ...valid, error: 7 }, 'error must be a non-empty string'],
    [{ ...valid, status: 200 }, 'status must be an integer between 400 and 599'],
    [{ ...valid, times: 0 }, 'times must be an integer >= 1'],
    [{ ...valid, times: 1.5 }, 'times must be an integer >= 1'],
    [{ ...valid, delayMs: -1 }, 'delayMs must be a number between 0'],
    [{ ...valid, time: 2 }, "unknown field 'time'"],
  ])('refuses %j with 400', async (body, message) => {
    const response = await inject(body);

    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain(message);
    expect(await emulator.injected()).toEqual([]);
  });

  it('refuses a body that is not JSON', async () => {
    const response = await fetch(`${emulator.endpointUrl}/_emulator/inject`, { method: 'POST', body: '{' });

    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringContaining('body is not JSON') });
  });

  it('is refused on the plain emulator', async () => {
    await expect(plain.inject(valid)).rejects.toThrow(/409/);
    await expect(plain.injected()).rejects.toThrow(/409/);
  });
});
