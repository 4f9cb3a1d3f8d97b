import type { VariantSpec } from './rollout-state.ts';

// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html#sagemaker-DescribeEndpoint-response-EndpointStatus
export type EndpointStatus =
  | 'OutOfService'
  | 'Creating'
  | 'Updating'
  | 'SystemUpdating'
  | 'RollingBack'
  | 'InService'
  | 'Deleting'
  | 'Failed'
  | 'UpdateRollbackFailed';

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';

/** An alarm's state and CloudWatch's words for why it is in it. */
export interface AlarmReading {
  readonly state: AlarmState;
  readonly reason?: string;
}

export interface ObservedEndpoint {
  readonly status: EndpointStatus;
  readonly configName: string;
  /** Production variants and their current weights (relative, as SageMaker reports them). */
  readonly variants: readonly { readonly VariantName: string; readonly weight: number }[];
  readonly shadowVariants: readonly string[];
  readonly failureReason?: string;
  readonly lastModifiedTime: string;
}

/** What the reconciler saw this tick. Only what the current phase needs is read. */
export interface Observed {
  readonly endpoint: ObservedEndpoint | undefined;
  /** The production variants of the endpoint's current config, read when a rollout starts. */
  readonly currentConfigVariants?: readonly VariantSpec[];
  readonly alarms: Readonly<Record<string, AlarmState | undefined>>;
  /** Why each alarm is in its state (CloudWatch's StateReason), for the record of a rollback. */
  readonly alarmReasons?: Readonly<Record<string, string>>;
  /** CodePipeline execution status while AwaitingPipeline. */
  readonly pipelineStatus?: string;
}
