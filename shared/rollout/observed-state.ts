import type { AnalysisReading } from './analysis.ts';
import type { Phase, Tag, VariantScaling, VariantSpec } from './rollout-state.ts';

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
  /** StateTransitionedTimestamp: when its state last changed, on CloudWatch's clock. */
  readonly transitionedAt?: string;
}

export interface ObservedVariant {
  readonly VariantName: string;
  /** The current weight (relative, as SageMaker reports it). */
  readonly weight: number;
  /** CurrentInstanceCount: what serves now, not what the config started with. */
  readonly currentInstanceCount?: number;
}

export interface ObservedEndpoint {
  /** Absent in tests that build endpoints by hand. */
  readonly arn?: string;
  readonly status: EndpointStatus;
  readonly configName: string;
  readonly variants: readonly ObservedVariant[];
  readonly shadowVariants: readonly string[];
  readonly failureReason?: string;
  readonly lastModifiedTime: string;
  /** A deployment with guardrails in flight: the config SageMaker moves to (PendingDeploymentSummary). */
  readonly pendingConfigName?: string;
}

/** DescribeEndpointConfig as it matters to a rollout: the variants and every other field, and the tags. */
export interface DescribedEndpointConfig {
  readonly variants: readonly VariantSpec[];
  readonly shadowVariants: readonly VariantSpec[];
  /** The remaining fields of DescribeEndpointConfig, without its name, ARN and creation time. */
  readonly settings: Readonly<Record<string, unknown>>;
  readonly tags: readonly Tag[];
}

/** DescribeModel without its name, ARN and creation time, and the model's tags. */
export interface DescribedModel {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly tags: readonly Tag[];
}

/** What serves before a rollout starts: read once, when it starts. */
export interface ObservedIncumbent {
  /**
   * Whose the endpoint is by its `sagemaker-rollout:stack` tag: this stack's may be updated (its IAM policy
   * allows nothing else); an untagged one was made by the team, who tag it once to hand it over.
   */
  readonly endpointOwner:
    | { readonly kind: 'this stack' }
    | { readonly kind: 'untagged' }
    | { readonly kind: 'another stack'; readonly stackName: string };
  readonly config: DescribedEndpointConfig;
  /** The models of the config's variants, by name (absent: the model does not exist). */
  readonly models: Readonly<Record<string, DescribedModel | undefined>>;
}

/** DescribeInferenceComponent as it matters to a rollout. */
export interface ObservedInferenceComponent {
  readonly status: 'InService' | 'Creating' | 'Updating' | 'Failed' | 'Deleting';
  /** Specification.ModelName: the version it serves (or, while Updating, the one it is moving from). */
  readonly modelName: string;
  /** Specification.ComputeResourceRequirements, as SageMaker reports them. */
  readonly computeResources: Readonly<Record<string, unknown>>;
  /** RuntimeConfig.CurrentCopyCount; 0: scaled to zero, nobody is served. */
  readonly currentCopyCount: number;
  readonly failureReason?: string;
  readonly lastModifiedTime: string;
}

/** What the reconciler saw this tick. Only what the current phase needs is read. */
export interface Observed {
  readonly endpoint: ObservedEndpoint | undefined;
  /** The endpoint's current config and models, read when a rollout starts. */
  readonly incumbent?: ObservedIncumbent;
  /** Auto scaling registered on the endpoint's variants, by variant name (read when starting, finalizing, rolling back). */
  readonly scaling?: Readonly<Record<string, VariantScaling>>;
  /** A watched alarm absent here does not exist, unless `alarmsPartial`. */
  readonly alarms: Readonly<Record<string, AlarmState | undefined>>;
  /** Only the alarm event's alarm is known: DescribeAlarms was spared, since the event decides a rollback. */
  readonly alarmsPartial?: boolean;
  /** Why each alarm is in its state (CloudWatch's StateReason), for the record of a rollback. */
  readonly alarmReasons?: Readonly<Record<string, string>>;
  /** When each alarm's state last changed (CloudWatch's clock), as far as it was read. */
  readonly alarmTransitions?: Readonly<Record<string, string>>;
  /** Watched alarms that went to ALARM since the rollout last looked and are no longer in it (a lost event). */
  readonly missedAlarms?: Readonly<Record<string, { readonly at: string; readonly reason?: string }>>;
  /** Baking, when the policy's analysis is due: the challenger's and the incumbent's metrics (analysis.ts). */
  readonly analysis?: AnalysisReading;
  /** CodePipeline execution status while AwaitingPipeline. */
  readonly pipelineStatus?: string;
  /**
   * Starting: whose model already carries the name the new version's model would take (absent: none does).
   * A model this stack did not create for this package is never reused nor deleted.
   */
  readonly challengerModelTaken?:
    | { readonly by: 'this rollout' }
    | { readonly by: 'someone else'; readonly why: string };
  /** Starting: the package's containers (InferenceSpecification.Containers), the model is built from them. */
  readonly packageContainers?: readonly Readonly<Record<string, unknown>>[];
  /** Multi-model, starting: the package's model artifact (InferenceSpecification.Containers[0].ModelDataUrl). */
  readonly modelArtifactUrl?: string;
  /** Multi-model, starting: what clients are told to use now (the SSM parameter); null: nothing yet. */
  readonly publishedTargetModel?: string | null;
  /** Multi-model, deploying: whether this version's object is under the model prefix yet. */
  readonly artifactCopied?: boolean;
  /** Multi-model, deploying: the smoke test's verdict (absent: the policy has none). */
  readonly smokeTest?: { readonly passed: true } | { readonly passed: false; readonly error: string };
  /** An inference component as SageMaker reports it (aws/inference-components.ts); null: it does not exist. */
  readonly inferenceComponent?: ObservedInferenceComponent | null;
  /** Batch: the transform job as SageMaker reports it; null: it does not exist. */
  readonly transformJob?: {
    readonly status: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
    readonly failureReason?: string;
    readonly outputS3Uri?: string;
  } | null;
}

/** Which reads a phase's decision needs besides the endpoint and alarms: equal kinds can share one observation. */
export function observationKind(phase: Phase): 'pipeline' | 'incumbent' | 'scaling' | 'endpoint' {
  if (phase === 'AwaitingPipeline') return 'pipeline';
  if (phase === 'Starting') return 'incumbent';
  // Finalizing moves auto scaling, a rollback verifies it; the other phases leave it alone.
  if (phase === 'Finalizing' || phase === 'RollingBack') return 'scaling';
  return 'endpoint';
}
