// An endpoint shaped like the ones teams run before they adopt sagemaker-rollout: deployed by hand,
// scaled out by auto scaling past its config's count, with data capture, a KMS key, tags and a model
// in a VPC with network isolation. The demo and the production tests roll new versions over it.
import {
  ApplicationAutoScalingClient,
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import {
  CloudWatchClient,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} from '@aws-sdk/client-sagemaker';
import { withStackTag } from '#shared/rollout/stack-ownership.ts';
import { readStackDefinition, stackSettings } from '../cli/stack-definition.ts';
import { binaryClassificationReport, registerModelPackage } from './model-registry-seed.ts';

export const productionShape = {
  instanceType: 'ml.c5.2xlarge',
  /** What the config says... */
  configInstanceCount: 2,
  /** ...and what auto scaling made of it. */
  liveInstanceCount: 6,
  minCapacity: 2,
  maxCapacity: 10,
  kmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/0b5c2d4e-1111-4a2b-9c3d-5e6f7a8b9c0d',
  captureUri: 's3://sagemaker-rollout-demo/data-capture/fraud-prod',
  tags: [
    { Key: 'team', Value: 'fraud' },
    { Key: 'cost-centre', Value: 'ml-platform' },
  ],
  vpcConfig: { SecurityGroupIds: ['sg-0fraud0001'], Subnets: ['subnet-0aaa0001', 'subnet-0bbb0002'] },
  environment: { SAGEMAKER_MODEL_SERVER_WORKERS: '4', LOG_LEVEL: 'info' },
  scalingPolicyName: 'invocations-per-instance',
} as const;

/** The alarm a team puts on its endpoint's server errors: more than 5 in a minute. */
export function endpointErrorAlarm(alarmName: string, endpointName: string): PutMetricAlarmCommandInput {
  return {
    AlarmName: alarmName,
    Namespace: 'AWS/SageMaker',
    MetricName: 'Invocation5XXErrors',
    Dimensions: [{ Name: 'EndpointName', Value: endpointName }],
    Statistic: 'Sum',
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 5,
    ComparisonOperator: 'GreaterThanThreshold',
  };
}

export interface ProductionEndpoint {
  readonly packageArn: string;
  readonly modelName: string;
  readonly configName: string;
  readonly variantName: string;
}

/**
 * v1 of the group serving on `endpointName` as a production team deployed it, then handed over to the
 * local stack with its tag (`rollout groups --tag-endpoints`) unless `handedOverTo` is null. `settle`
 * finishes what SageMaker does in the background (the emulator's endpoints stay Creating/Updating until then).
 */
export async function deployProductionEndpoint(
  groupName: string,
  endpointName: string,
  settle: () => Promise<void>,
  {
    executionRoleArn = 'arn:aws:iam::123456789012:role/SageMakerExecution',
    handedOverTo = stackSettings(readStackDefinition()).stackName as string | null,
  } = {},
): Promise<ProductionEndpoint> {
  const sagemaker = new SageMakerClient({});
  const autoscaling = new ApplicationAutoScalingClient({});
  const shape = productionShape;
  const packageArn = await registerModelPackage({
    groupName,
    evaluationReport: binaryClassificationReport(0.9, 0.05),
    approvalStatus: 'Approved',
  });
  const modelName = `${endpointName}-v1`;
  const configName = `${endpointName}-v1-final`;
  const variantName = `${groupName}-1`;
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: modelName,
      ExecutionRoleArn: executionRoleArn,
      PrimaryContainer: { ModelPackageName: packageArn, Environment: { ...shape.environment } },
      VpcConfig: { SecurityGroupIds: [...shape.vpcConfig.SecurityGroupIds], Subnets: [...shape.vpcConfig.Subnets] },
      EnableNetworkIsolation: true,
      Tags: [...shape.tags],
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: configName,
      ProductionVariants: [
        {
          VariantName: variantName,
          ModelName: modelName,
          InstanceType: shape.instanceType,
          InitialInstanceCount: shape.configInstanceCount,
          InitialVariantWeight: 1,
          VolumeSizeInGB: 64,
          ModelDataDownloadTimeoutInSeconds: 1200,
          ContainerStartupHealthCheckTimeoutInSeconds: 600,
          RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
        },
      ],
      DataCaptureConfig: {
        EnableCapture: true,
        InitialSamplingPercentage: 25,
        DestinationS3Uri: shape.captureUri,
        KmsKeyId: shape.kmsKeyId,
        CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
        CaptureContentTypeHeader: { CsvContentTypes: ['text/csv'] },
      },
      KmsKeyId: shape.kmsKeyId,
      Tags: [...shape.tags],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: endpointName,
      EndpointConfigName: configName,
      Tags: handedOverTo === null ? [...shape.tags] : withStackTag(shape.tags, handedOverTo),
    }),
  );
  await settle();
  // Auto scaling has since scaled it out: the config says 2, the endpoint serves on 6.
  await sagemaker.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpointName,
      DesiredWeightsAndCapacities: [{ VariantName: variantName, DesiredInstanceCount: shape.liveInstanceCount }],
    }),
  );
  await settle();
  const target = {
    ServiceNamespace: 'sagemaker' as const,
    ResourceId: `endpoint/${endpointName}/variant/${variantName}`,
    ScalableDimension: 'sagemaker:variant:DesiredInstanceCount' as const,
  };
  await autoscaling.send(
    new RegisterScalableTargetCommand({ ...target, MinCapacity: shape.minCapacity, MaxCapacity: shape.maxCapacity }),
  );
  await autoscaling.send(
    new PutScalingPolicyCommand({
      ...target,
      PolicyName: shape.scalingPolicyName,
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: {
        TargetValue: 70,
        PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
        ScaleInCooldown: 300,
        ScaleOutCooldown: 60,
      },
    }),
  );
  return { packageArn, modelName, configName, variantName };
}

/**
 * A step scaling policy on the variant as teams set one up (create-step-scaling-policy-cli.html): the policy,
 * then their own alarms that invoke it, one on a metric and one on metric math, each also paging on-call.
 * Answers the policy's ARN and the alarms' names.
 */
export async function addStepScaling(endpointName: string, variantName: string) {
  const autoscaling = new ApplicationAutoScalingClient({});
  const cloudwatch = new CloudWatchClient({});
  const { PolicyARN } = await autoscaling.send(
    new PutScalingPolicyCommand({
      ServiceNamespace: 'sagemaker',
      ResourceId: `endpoint/${endpointName}/variant/${variantName}`,
      ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      PolicyName: stepScalingShape.policyName,
      PolicyType: 'StepScaling',
      StepScalingPolicyConfiguration: {
        AdjustmentType: 'ChangeInCapacity',
        StepAdjustments: [
          { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 500, ScalingAdjustment: 1 },
          { MetricIntervalLowerBound: 500, ScalingAdjustment: 3 },
        ],
        Cooldown: 120,
        MetricAggregationType: 'Maximum',
      },
    }),
  );
  const policyArn = PolicyARN as string;
  const variant = [
    { Name: 'EndpointName', Value: endpointName },
    { Name: 'VariantName', Value: variantName },
  ];
  const { onCall } = stepScalingShape;
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: `${endpointName}-high-load`,
      AlarmDescription: 'Scale out when each instance takes more than 1,000 requests a minute',
      Namespace: 'AWS/SageMaker',
      MetricName: 'InvocationsPerInstance',
      Dimensions: variant,
      Statistic: 'Sum',
      Unit: 'None',
      Period: 60,
      EvaluationPeriods: 3,
      DatapointsToAlarm: 2,
      Threshold: 1000,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [onCall, policyArn],
      OKActions: [onCall],
      Tags: [{ Key: 'team', Value: 'fraud' }],
    }),
  );
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: `${endpointName}-slow-and-busy`,
      Metrics: [
        {
          Id: 'latency',
          MetricStat: {
            Metric: { Namespace: 'AWS/SageMaker', MetricName: 'ModelLatency', Dimensions: variant },
            Period: 60,
            Stat: 'Average',
          },
          ReturnData: false,
        },
        { Id: 'milliseconds', Expression: 'latency / 1000', Label: 'latency (ms)', ReturnData: true },
      ],
      EvaluationPeriods: 2,
      Threshold: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'missing',
      AlarmActions: [policyArn],
      InsufficientDataActions: [onCall],
    }),
  );
  return { policyArn, alarmNames: [`${endpointName}-high-load`, `${endpointName}-slow-and-busy`] };
}

export const stepScalingShape = {
  policyName: 'scale-out-on-load',
  onCall: 'arn:aws:sns:us-east-1:123456789012:fraud-on-call',
} as const;

/** The endpoint's health as its team watches it: a composite of its error and latency alarms. */
export async function createHealthAlarm(endpointName: string, compositeName: string): Promise<string[]> {
  const cloudwatch = new CloudWatchClient({});
  const children = [
    { name: `${endpointName}-5xx`, metric: 'Invocation5XXErrors', statistic: 'Sum' as const, threshold: 5 },
    { name: `${endpointName}-latency`, metric: 'ModelLatency', statistic: 'Average' as const, threshold: 500_000 },
  ];
  for (const child of children) {
    await cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: child.name,
        Namespace: 'AWS/SageMaker',
        MetricName: child.metric,
        Dimensions: [{ Name: 'EndpointName', Value: endpointName }],
        Statistic: child.statistic,
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: child.threshold,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    );
  }
  await cloudwatch.send(
    new PutCompositeAlarmCommand({
      AlarmName: compositeName,
      AlarmRule: children.map((child) => `ALARM("${child.name}")`).join(' OR '),
    }),
  );
  return children.map((child) => child.name);
}

/** An asynchronous endpoint's settings: where results and failures go, who is told, how many at once. */
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_AsyncInferenceConfig.html
export const asyncShape = {
  instanceCount: 2,
  asyncInferenceConfig: {
    ClientConfig: { MaxConcurrentInvocationsPerInstance: 4 },
    OutputConfig: {
      S3OutputPath: 's3://transcripts/output/',
      S3FailurePath: 's3://transcripts/failures/',
      NotificationConfig: {
        SuccessTopic: 'arn:aws:sns:us-east-1:123456789012:transcribe-done',
        ErrorTopic: 'arn:aws:sns:us-east-1:123456789012:transcribe-failed',
      },
    },
  },
} as const;

/** v1 of the group on an asynchronous endpoint as a team deployed it (2 × ml.m5.large), handed over to the local stack. */
export async function deployAsyncEndpoint(
  groupName: string,
  endpointName: string,
  settle: () => Promise<void>,
): Promise<ProductionEndpoint> {
  const sagemaker = new SageMakerClient({});
  const packageArn = await registerModelPackage({
    groupName,
    evaluationReport: binaryClassificationReport(0.9, 0.05),
    approvalStatus: 'Approved',
  });
  const modelName = `${endpointName}-v1`;
  const configName = `${endpointName}-v1-final`;
  const variantName = `${groupName}-1`;
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: modelName,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      PrimaryContainer: { ModelPackageName: packageArn },
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: configName,
      ProductionVariants: [
        {
          VariantName: variantName,
          ModelName: modelName,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: asyncShape.instanceCount,
          InitialVariantWeight: 1,
        },
      ],
      AsyncInferenceConfig: structuredClone(asyncShape.asyncInferenceConfig),
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: endpointName,
      EndpointConfigName: configName,
      Tags: withStackTag([], stackSettings(readStackDefinition()).stackName),
    }),
  );
  await settle();
  return { packageArn, modelName, configName, variantName };
}

/**
 * A multi-model endpoint as a platform team runs it for many customers: one model in MultiModel mode over
 * the shared prefix, 2 × ml.m5.large, handed over to the local stack. The prefix's bucket is created.
 * https://docs.aws.amazon.com/sagemaker/latest/dg/create-multi-model-endpoint.html
 */
export async function deployMultiModelEndpoint(
  endpointName: string,
  modelPrefix: string,
  settle: () => Promise<void>,
): Promise<void> {
  const sagemaker = new SageMakerClient({});
  const bucket = /^s3:\/\/([^/]+)\//.exec(modelPrefix)?.[1] ?? '';
  await new S3Client({ forcePathStyle: true })
    .send(new CreateBucketCommand({ Bucket: bucket }))
    .catch((error: Error) => {
      if (error.name !== 'BucketAlreadyOwnedByYou' && error.name !== 'BucketAlreadyExists') throw error;
    });
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: `${endpointName}-model`,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      PrimaryContainer: {
        Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/xgboost-mme:1',
        Mode: 'MultiModel',
        ModelDataUrl: modelPrefix,
      },
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpointName}-config`,
      ProductionVariants: [
        {
          VariantName: 'AllTraffic',
          ModelName: `${endpointName}-model`,
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 2,
        },
      ],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: endpointName,
      EndpointConfigName: `${endpointName}-config`,
      Tags: withStackTag([], stackSettings(readStackDefinition()).stackName),
    }),
  );
  await settle();
}

/**
 * An endpoint that hosts inference components, as a platform team runs it for many customers: one variant
 * without a model (the config names the execution role instead), 2 × ml.g4dn.12xlarge, handed over to the stack.
 * https://docs.aws.amazon.com/sagemaker/latest/dg/realtime-endpoints-deploy-models.html
 */
export async function deployInferenceComponentEndpoint(endpointName: string, settle: () => Promise<void>) {
  const sagemaker = new SageMakerClient({});
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${endpointName}-config`,
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      ProductionVariants: [{ VariantName: 'AllTraffic', InstanceType: 'ml.g4dn.12xlarge', InitialInstanceCount: 2 }],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: endpointName,
      EndpointConfigName: `${endpointName}-config`,
      Tags: withStackTag([], stackSettings(readStackDefinition()).stackName),
    }),
  );
  await settle();
}
