import * as z from 'zod/mini';
import { batchTransform } from './batch-transform-schema.ts';
import { checkGuardrailStrategy, guardrailStrategies } from './guardrail-schema.ts';
import { checkInferenceComponentRollout, inferenceComponent } from './inference-component-schema.ts';
import {
  addProblem,
  instanceType,
  nonEmptyText,
  nonNegative,
  positiveInteger,
  type Refinement,
  s3Prefix,
} from './schema-values.ts';
import { checkServerlessModel, checkServerlessRollout, serverless } from './serverless-schema.ts';

const iamRoleArn = z
  .string()
  .check(
    z.regex(
      /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
      'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
    ),
  );

// SageMaker endpoint names: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html
// 48, not SageMaker's 63: the model and config names we derive add -v<version>-canary.
export const endpointName = z
  .string()
  .check(
    z.regex(
      /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,47}$/,
      'expected a SageMaker endpoint name of at most 48 letters, digits and hyphens',
    ),
  );

const checkMetricRule: Refinement<{
  min?: number | undefined;
  max?: number | undefined;
  beatChampionBy?: number | undefined;
}> = (rule, ctx) => {
  if (rule.min === undefined && rule.max === undefined) addProblem(ctx, 'a rule needs min, max or both', ['min']);
  if (rule.beatChampionBy !== undefined && rule.min !== undefined && rule.max !== undefined) {
    addProblem(
      ctx,
      'beatChampionBy needs to know which way is better: give only min (higher is better) or only max (lower is better)',
      ['beatChampionBy'],
    );
  }
  if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
    addProblem(ctx, `min ${rule.min} is above max ${rule.max}`, ['min']);
  }
};

const metricRule = z
  .strictObject({
    /** Dotted path into the evaluation report, or the key of a CustomerMetadataProperties entry. */
    metric: nonEmptyText,
    source: z._default(z.enum(['report', 'metadata']), 'report'),
    min: z.optional(z.number()),
    max: z.optional(z.number()),
    /** The candidate must beat the champion (the version the endpoint serves: champion.ts) by this much. */
    beatChampionBy: z.optional(nonNegative),
  })
  .check(z.superRefine(checkMetricRule));

const approval = z
  .strictObject({
    mode: z.enum(['auto', 'manual']),
    rules: z._default(z.array(metricRule), []),
    /**
     * In an auto group, whether a version registered already Approved is deployed as it is (true), or judged by
     * the rules first (false, the default): a registration step's approval is not evidence.
     */
    trustRegistrationApproval: z._default(z.boolean(), false),
  })
  .check(
    z.superRefine((value, ctx) => {
      // Auto-approval with no rule would approve without evidence.
      if (value.mode === 'auto' && value.rules.length === 0)
        addProblem(ctx, 'auto mode needs at least one rule', ['rules']);
    }),
  );

const trafficPercent = z
  .int()
  .check(z.minimum(1, 'expected a percentage from 1'), z.maximum(100, 'expected a percentage up to 100'));

const checkSteps: Refinement<{
  strategy?: string | undefined;
  steps: number[];
  weightPercent?: number | undefined;
  durationHours?: number | undefined;
  analysis?: unknown;
}> = (value, ctx) => {
  if (value.strategy === 'ab-test') {
    // Its steps are [weightPercent, 100], set once the shape is valid.
    if (value.weightPercent === undefined) addProblem(ctx, 'an ab-test needs weightPercent', ['weightPercent']);
    if (value.durationHours === undefined) addProblem(ctx, 'an ab-test needs durationHours', ['durationHours']);
    if (value.analysis === undefined)
      addProblem(ctx, 'an ab-test needs analysis: its verdict compares the two versions', ['analysis']);
    return;
  }
  for (const key of ['weightPercent', 'durationHours'] as const) {
    if (value[key] !== undefined) addProblem(ctx, 'only for strategy ab-test', [key]);
  }
  const steps = value.steps;
  steps.forEach((step, index) => {
    const previous = steps[index - 1];
    if (previous !== undefined && step <= previous) addProblem(ctx, 'steps must increase', ['steps', index]);
  });
  if (steps.at(-1) !== 100) addProblem(ctx, 'the last step must be 100', ['steps']);
  if (value.strategy === 'all-at-once' && steps.length !== 1)
    addProblem(ctx, 'all-at-once has the single step [100]', ['steps']);
  const increments = steps.map((step, index) => step - (steps[index - 1] ?? 0));
  if (value.strategy === 'linear' && new Set(increments).size > 1) {
    addProblem(ctx, 'linear steps must be equal increments, e.g. [25, 50, 75, 100]', ['steps']);
  }
};

// CloudWatch's statistics: https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html
const statistic = z
  .string()
  .check(
    z.regex(
      /^(Sum|Average|Minimum|Maximum|SampleCount|p(\d{1,2}(\.\d{1,2})?|100))$/,
      'expected Sum, Average, Minimum, Maximum, SampleCount or a percentile such as p99',
    ),
  );

const errorRateMargin = z
  .number()
  .check(z.minimum(0, 'expected a number >= 0'), z.maximum(1, 'expected a rate up to 1'));

/** A business metric of each variant, the challenger's against the incumbent's. */
const customMetric = z
  .strictObject({
    namespace: nonEmptyText,
    name: nonEmptyText,
    /** `{endpoint}` and `{variant}` stand for the endpoint's and each variant's name. */
    dimensions: z.record(nonEmptyText, nonEmptyText),
    statistic: z._default(statistic, 'Average'),
    direction: z.enum(['higher-is-better', 'lower-is-better']),
    /**
     * guardrail: it must not get worse by more than `limit`; success (method sequential): the version is promoted
     * to all of the traffic only once one success metric is shown better by at least `limit`.
     */
    role: z._default(z.enum(['guardrail', 'success']), 'guardrail'),
    /** How much worse than the incumbent's the challenger's value may be (a success metric: how much better it must be), in the metric's own unit. */
    limit: nonNegative,
  })
  .check(
    z.superRefine((metric, ctx) => {
      if (!Object.values(metric.dimensions).some((value) => value.includes('{variant}')))
        addProblem(ctx, 'a dimension must name the variant ({variant}): each variant is read on its own', [
          'dimensions',
        ]);
    }),
  );

/**
 * The challenger's own metrics against the incumbent's (SageMaker's per-variant metrics, dimensions EndpointName
 * and VariantName). sequential (the default): anytime-valid tests on every tick, minute by minute
 * (rollout/sequential-analysis.ts); threshold: the point estimates at the end of each bake. Missing data never
 * passes: the step waits.
 */
const analysis = z.strictObject({
  method: z._default(z.enum(['sequential', 'threshold']), 'sequential'),
  /** The chance of a wrong call each way: rolling back a version no worse, or stepping one worse by a margin. */
  alpha: z._default(
    z.number().check(z.positive('expected a number > 0'), z.maximum(0.2, 'expected at most 0.2')),
    0.05,
  ),
  /** The planner's chance that a version no worse shows it within the time it gives (rollout plan-evidence). */
  power: z._default(
    z.number().check(z.minimum(0.5, 'expected at least 0.5'), z.lt(1, 'expected a number below 1')),
    0.8,
  ),
  /** Each variant's Invocations before the challenger may step; fewer and the step waits. */
  minInvocations: z._default(positiveInteger(1), 100),
  /** Invocation5XXErrors / Invocations, the challenger's minus the incumbent's (0.01: one percentage point). */
  maxErrorRateIncrease: z.optional(errorRateMargin),
  /** Invocation4XXErrors / Invocations, the same way: a model that refuses inputs the incumbent took. */
  maxClientErrorRateIncrease: z.optional(errorRateMargin),
  /** ModelLatency, the challenger's above the incumbent's, in percent of the incumbent's. */
  maxLatencyIncreasePercent: z.optional(nonNegative),
  latencyStatistic: z._default(statistic, 'Average'),
  metrics: z._default(z.array(customMetric), []),
});

/**
 * What a sequential analysis can show: it compares the variants minute by minute while both serve, so some
 * step below 100% (or a shadow) is needed, and a margin of 0 could never be shown with any amount of traffic.
 */
function checkAnalysis(
  rollout: { strategy?: string | undefined; steps: number[]; analysis?: z.infer<typeof analysis> | undefined },
  ctx: z.core.$RefinementCtx,
): void {
  const judged = rollout.analysis;
  if (judged === undefined) return;
  const successes = judged.metrics.filter((metric) => metric.role === 'success').length;
  if (judged.method === 'threshold') {
    if (successes > 0) addProblem(ctx, 'a success metric needs method sequential', ['analysis', 'metrics']);
    return;
  }
  const sideBySide =
    rollout.strategy === 'shadow' || rollout.strategy === 'ab-test' || rollout.steps.some((step) => step < 100);
  if (!sideBySide)
    addProblem(
      ctx,
      'a sequential analysis compares the variants minute by minute while both serve: give a step below 100 (or strategy shadow), or method threshold',
      ['analysis', 'method'],
    );
  const zero = 'a margin of 0 can never be shown with any amount of traffic: give the largest increase you accept';
  for (const key of ['maxErrorRateIncrease', 'maxClientErrorRateIncrease', 'maxLatencyIncreasePercent'] as const) {
    if (judged[key] === 0) addProblem(ctx, zero, ['analysis', key]);
  }
  judged.metrics.forEach((metric, index) => {
    if (metric.role === 'guardrail' && metric.limit === 0)
      addProblem(ctx, zero, ['analysis', 'metrics', index, 'limit']);
  });
}

const strategies = ['canary', 'linear', 'all-at-once', 'shadow', 'ab-test', ...guardrailStrategies] as const;
export type Strategy = (typeof strategies)[number];

const rolloutShape = z
  .strictObject({
    /**
     * ab-test: `weightPercent` for `durationHours`, then a verdict; steps are [weightPercent, 100]. Required of a
     * group that steps traffic (real-time, serverless); a multi-model or batch group switches whole (all-at-once).
     * sagemaker-canary, sagemaker-linear, sagemaker-rolling (a real-time group): SageMaker's deployment guardrails
     * carry the new version out (policy/guardrail-schema.ts).
     */
    strategy: z.optional(z.enum(strategies)),
    weightPercent: z.optional(
      z.int().check(z.minimum(1, 'expected a percentage from 1'), z.maximum(99, 'expected a percentage up to 99')),
    ),
    durationHours: z.optional(z.number().check(z.positive('expected a number of hours > 0'))),
    analysis: z.optional(analysis),
    /** Percent of traffic on the new version at each step; the last is 100. */
    steps: z._default(z.array(trafficPercent).check(z.minLength(1, 'expected at least one step')), [100]),
    bakeMinutes: nonNegative,
    /** Minutes the shadow variant receives a copy of live traffic before the canary starts (strategy shadow). */
    shadowMinutes: z._default(nonNegative, 0),
    alarms: z._default(z.array(nonEmptyText), []),
    rejectOnRollback: z._default(z.boolean(), false),
    /** INSUFFICIENT_DATA on a guard alarm: count it as OK (a quiet endpoint) or hold the step. */
    insufficientDataIsOk: z._default(z.boolean(), true),
    /** Old models and endpoint configs kept after a rollout completes (at least the previous one). */
    keepPreviousVersions: z._default(positiveInteger(1), 2),
    /**
     * How the new version is sized beside the incumbent: `proportional` gives it at least its share of the
     * incumbent's live instance count at each step, `full` the whole count from the first step.
     */
    capacity: z._default(z.enum(['proportional', 'full']), 'proportional'),
    /** Overrides of what the new version copies from the incumbent. */
    challenger: z._default(
      z.strictObject({
        instanceType: z.optional(instanceType),
        /** A floor under the new version's instance count at every step. */
        minInstanceCount: z._default(positiveInteger(1), 1),
      }),
      { minInstanceCount: 1 },
    ),
    /** A step that has not reached its traffic split (or cannot go on) this long after it began fails the rollout. */
    progressDeadlineMinutes: z._default(positiveInteger(1), 60),
    guardAlarms: z._default(
      z.strictObject({
        max5xxErrors: z.optional(nonNegative),
        maxModelLatencyMicros: z.optional(nonNegative),
        /** An asynchronous endpoint: its queue per instance (ApproximateBacklogSizePerInstance). */
        maxBacklogPerInstance: z.optional(nonNegative),
        periodSeconds: z._default(positiveInteger(10), 60),
        evaluationPeriods: z._default(positiveInteger(1), 1),
      }),
      { periodSeconds: 60, evaluationPeriods: 1 },
    ),
  })
  .check(z.superRefine(checkSteps), z.superRefine(checkAnalysis));

/** An A/B test is a canary of two steps: the split held for its duration, then all of it. */
const rolloutSchema = z.pipe(
  rolloutShape,
  z.transform((rollout) =>
    rollout.strategy === 'ab-test' ? { ...rollout, steps: [rollout.weightPercent ?? 50, 100] } : rollout,
  ),
);

// CreateModel's VpcConfig: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_VpcConfig.html
const vpcConfig = z.strictObject({
  securityGroupIds: z.array(nonEmptyText).check(z.minLength(1, 'expected at least one security group')),
  subnets: z.array(nonEmptyText).check(z.minLength(1, 'expected at least one subnet')),
});

/** What the models we create carry besides the package; by default the incumbent model's settings. */
const model = z.strictObject({
  /** Merged over the incumbent container's environment (these keys win). */
  environment: z.optional(z.record(z.string(), z.string())),
  vpcConfig: z.optional(vpcConfig),
  enableNetworkIsolation: z.optional(z.boolean()),
  /** A package with several containers: run them one after the other (Serial) or each on its own (Direct). */
  // https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_InferenceExecutionConfig.html
  inferenceExecution: z.optional(z.enum(['Serial', 'Direct'])),
});

const deliveryPipeline = z.strictObject({
  /** CodePipeline run before the canary; the rollout continues when it succeeds. */
  name: nonEmptyText,
});

/**
 * A multi-model endpoint shared by several groups: a new version is a new object under the model prefix and
 * a new target model for clients, not an endpoint update.
 * https://docs.aws.amazon.com/sagemaker/latest/dg/multi-model-endpoints.html
 */
const multiModel = z.strictObject({
  endpointName,
  /** The endpoint model's ModelDataUrl: every group's versions live under it (<prefix><group>/v<version>.tar.gz). */
  modelPrefix: s3Prefix,
  /** One invocation of the new version before clients are pointed at it; a failure stops the rollout. */
  smokeTest: z.optional(
    z.strictObject({
      payload: nonEmptyText,
      contentType: z._default(nonEmptyText, 'application/json'),
    }),
  ),
});

/** Which kind of target the group deploys to: its keys exclude each other (a group's own win over the defaults'). */
export const targetKeys = {
  realTime: ['instanceType', 'initialInstanceCount'],
  serverless: ['serverless'],
  multiModel: ['multiModel'],
  batchTransform: ['batchTransform'],
  inferenceComponent: ['inferenceComponent'],
} as const;

type TargetKind = keyof typeof targetKeys;
type RolloutShape = z.infer<typeof rolloutSchema>;

// Why a strategy means nothing where the switch is whole.
const wholeSwitch: Partial<Record<TargetKind, string>> = {
  multiModel: 'clients choose the model on a multi-model endpoint (TargetModel), so there are no weights to step',
  batchTransform: 'a transform job has no traffic to step',
  inferenceComponent:
    "SageMaker's rolling update moves the component's copies batch by batch (inferenceComponent.maximumBatchSize)",
};

/** What the group's target makes of its rollout: the strategy a kind can step, analysis where it can judge. */
function checkRolloutOn(kind: TargetKind | undefined, rollout: RolloutShape, ctx: z.core.$RefinementCtx): void {
  const whole = kind === undefined ? undefined : wholeSwitch[kind];
  if (whole === undefined && rollout.strategy === undefined) {
    addProblem(ctx, `expected the strategy: ${strategies.join(', ')}`, ['rollout', 'strategy']);
  }
  checkGuardrailStrategy(kind, rollout, ctx);
  if (whole !== undefined && rollout.strategy !== undefined && rollout.strategy !== 'all-at-once') {
    addProblem(ctx, `only all-at-once (or none): ${whole}`, ['rollout', 'strategy']);
  } else if (whole !== undefined && (rollout.steps.length !== 1 || rollout.steps[0] !== 100)) {
    addProblem(ctx, `only [100] (or none): ${whole}`, ['rollout', 'steps']);
  }
  if (kind === 'serverless') checkServerlessRollout(rollout, ctx);
  // Only a second variant beside the incumbent has metrics of its own to compare.
  if (
    (kind === 'serverless' || kind === 'multiModel' || kind === 'inferenceComponent') &&
    rollout.analysis !== undefined
  ) {
    const why =
      kind === 'serverless'
        ? "SageMaker's guardrails shift a serverless endpoint's traffic, guarded by its alarms"
        : kind === 'inferenceComponent'
          ? "SageMaker's rolling update judges each batch by the group's alarms; there is no second version beside it to compare"
          : "a multi-model endpoint's metrics are the endpoint's, not one model's";
    addProblem(ctx, `no analysis here: ${why}`, ['rollout', 'analysis']);
  }
  if (kind === 'serverless' && rollout.strategy === 'ab-test')
    addProblem(ctx, 'an ab-test needs two variants side by side: a real-time endpoint', ['rollout', 'strategy']);
}

const groupShape = z
  .strictObject({
    /** The group's own endpoint (real-time, serverless); a multi-model group names its shared one in multiModel. */
    endpointName: z.optional(endpointName),
    executionRoleArn: iamRoleArn,
    /** A real-time endpoint: the first deployment's instance type and count (a rollout follows the incumbent). */
    instanceType: z.optional(instanceType),
    initialInstanceCount: z.optional(positiveInteger(1)),
    /** A serverless endpoint, rolled out through SageMaker's deployment guardrails. */
    serverless: z.optional(serverless),
    multiModel: z.optional(multiModel),
    batchTransform: z.optional(batchTransform),
    /** A component on a shared endpoint, its versions rolled out by SageMaker's rolling update. */
    inferenceComponent: z.optional(inferenceComponent),
    model: z._default(model, {}),
    approval,
    /** Required but for a batch group, whose job has no traffic to step. */
    rollout: z.optional(rolloutSchema),
    deliveryPipeline: z.optional(deliveryPipeline),
  })
  .check(
    z.superRefine((group, ctx) => {
      const given = Object.entries(targetKeys).filter(([, keys]) => keys.some((key) => group[key] !== undefined));
      if (given.length > 1) {
        const keysGiven = given.flatMap(([, keys]) => keys.filter((key) => group[key] !== undefined));
        addProblem(ctx, `a group has one target, not ${keysGiven.join(' and ')}`, [given[1]?.[1][0] ?? 'instanceType']);
        return;
      }
      const kind = given[0]?.[0] as TargetKind | undefined;
      const ownEndpoint = kind === 'realTime' || kind === 'serverless';
      if (ownEndpoint && group.endpointName === undefined)
        addProblem(ctx, 'expected an endpoint name', ['endpointName']);
      if (!ownEndpoint && kind !== undefined && group.endpointName !== undefined) {
        addProblem(
          ctx,
          kind === 'multiModel'
            ? 'a multi-model group names its shared endpoint in multiModel.endpointName'
            : kind === 'inferenceComponent'
              ? 'an inference component group names its endpoint in inferenceComponent.endpointName'
              : 'a batch group has no endpoint',
          ['endpointName'],
        );
      }
      if (kind !== 'batchTransform' && group.rollout === undefined)
        addProblem(ctx, 'expected the rollout', ['rollout']);
      if (group.rollout !== undefined) checkRolloutOn(kind, group.rollout, ctx);
      if (kind === 'serverless') checkServerlessModel(group.model, ctx);
      if (kind === 'inferenceComponent' && group.inferenceComponent !== undefined && group.rollout !== undefined) {
        checkInferenceComponentRollout(group.inferenceComponent, group.rollout, ctx);
      }
      if (kind === undefined) {
        addProblem(
          ctx,
          'a group needs a target: instanceType (a real-time endpoint), serverless, multiModel, inferenceComponent or batchTransform',
          ['instanceType'],
        );
      }
      if (kind === 'realTime' && group.initialInstanceCount === undefined) {
        addProblem(ctx, 'a real-time group needs initialInstanceCount (its first deployment)', [
          'initialInstanceCount',
        ]);
      }
      if (kind === 'realTime' && group.instanceType === undefined) {
        addProblem(ctx, 'a real-time group needs instanceType (its first deployment)', ['instanceType']);
      }
    }),
  );

/** A rollout as validated: a group that switches whole is all-at-once when its policy names no strategy. */
function completeRollout(rollout: RolloutShape): RolloutPolicy {
  return { ...rollout, strategy: rollout.strategy ?? 'all-at-once' };
}

/** A batch group's rollout, which its policy need not give: the job is the whole of it. */
export const batchRollout = completeRollout(rolloutSchema.parse({ bakeMinutes: 0 }));

/**
 * A group as validated. A group without an endpoint of its own gets its rollout key from its name, which only
 * the policy document knows (policy-document.ts completes it with completeGroup); a batch group its rollout.
 */
export const groupPolicySchema = z.pipe(
  groupShape,
  z.transform(
    (group): GroupPolicy => ({
      ...group,
      endpointName: group.endpointName ?? '',
      rollout: group.rollout === undefined ? batchRollout : completeRollout(group.rollout),
    }),
  ),
);

// Model package group names: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackageGroup.html
// A key with `*` is a pattern: customer-* stands for every group whose name it matches.
const groupName = z
  .string()
  .check(
    z.regex(
      /^[a-zA-Z0-9*](-*[a-zA-Z0-9*]){0,62}$/,
      'expected a model package group name, or a pattern of one with * (customer-*)',
    ),
  );

/** The raw file: `defaults` is merged under each group before the group is validated. */
export const policyFileSchema = z.strictObject({
  defaults: z._default(z.record(z.string(), z.unknown()), {}),
  modelPackageGroups: z.record(groupName, z.record(z.string(), z.unknown())),
});

type ParsedGroup = z.infer<typeof groupShape>;
/** The rollout of a validated group: its strategy always given (see completeRollout). */
export type RolloutPolicy = Omit<RolloutShape, 'strategy'> & { strategy: Strategy };
export type AnalysisPolicy = NonNullable<RolloutPolicy['analysis']>;
export type CustomMetricPolicy = AnalysisPolicy['metrics'][number];
/**
 * A validated group. `endpointName` is what its rollouts are recorded and named by: its endpoint's name, or for
 * a group without an endpoint of its own `<shared endpoint>/<group>` (multi-model), `<endpoint>/<component>` (an inference component) or `batch/<group>`, which no
 * SageMaker endpoint can be called (SageMaker names have no slash).
 */
export type GroupPolicy = Omit<ParsedGroup, 'endpointName' | 'rollout'> & {
  readonly endpointName: string;
  readonly rollout: RolloutPolicy;
};
export type ServerlessTarget = NonNullable<GroupPolicy['serverless']>;
export type MultiModelTarget = NonNullable<GroupPolicy['multiModel']>;
export type BatchTransformTarget = NonNullable<GroupPolicy['batchTransform']>;
export type InferenceComponentTarget = NonNullable<GroupPolicy['inferenceComponent']>;

/** The group's target, told apart by its key. */
export type Target =
  | { readonly kind: 'real-time'; readonly instanceType: string; readonly initialInstanceCount: number }
  | ({ readonly kind: 'serverless' } & ServerlessTarget)
  | ({ readonly kind: 'multi-model' } & MultiModelTarget)
  | ({ readonly kind: 'batch-transform' } & BatchTransformTarget)
  | ({ readonly kind: 'inference-component'; readonly componentName: string } & InferenceComponentTarget);

export function targetOf(
  group: Pick<
    ParsedGroup,
    'serverless' | 'multiModel' | 'batchTransform' | 'inferenceComponent' | 'instanceType' | 'initialInstanceCount'
  > & { readonly endpointName?: string | undefined },
): Target {
  if (group.serverless !== undefined) return { kind: 'serverless', ...group.serverless };
  if (group.multiModel !== undefined) return { kind: 'multi-model', ...group.multiModel };
  if (group.batchTransform !== undefined) return { kind: 'batch-transform', ...group.batchTransform };
  if (group.inferenceComponent !== undefined) {
    // The rollout key is `<endpoint>/<component>` (rolloutKeyOf): the component's name is its last part.
    const componentName =
      group.inferenceComponent.componentName ?? group.endpointName?.split('/').at(-1) ?? group.endpointName ?? '';
    return { kind: 'inference-component', ...group.inferenceComponent, componentName };
  }
  // The schema requires both for a real-time group.
  return {
    kind: 'real-time',
    instanceType: group.instanceType as string,
    initialInstanceCount: group.initialInstanceCount as number,
  };
}

/** What a group's rollouts are keyed by (see GroupPolicy.endpointName). */
export function rolloutKeyOf(
  groupName: string,
  group: Pick<ParsedGroup, 'multiModel' | 'batchTransform' | 'inferenceComponent' | 'endpointName'>,
): string {
  if (group.multiModel !== undefined) return `${group.multiModel.endpointName}/${groupName}`;
  if (group.inferenceComponent !== undefined) {
    const component = group.inferenceComponent;
    return `${component.endpointName}/${component.componentName ?? groupName}`;
  }
  if (group.batchTransform !== undefined) return `batch/${groupName}`;
  return group.endpointName as string;
}

/** The parsed group as the rest of the system sees it: its rollout key, and a batch group's rollout filled in. */
export function completeGroup(groupName: string, group: GroupPolicy): GroupPolicy {
  return { ...group, endpointName: rolloutKeyOf(groupName, group) };
}

export type MetricRule = GroupPolicy['approval']['rules'][number];
