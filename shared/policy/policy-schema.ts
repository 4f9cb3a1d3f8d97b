import '#shared/zod-english.ts';
import * as z from 'zod/mini';

type Refinement<Value> = (value: Value, ctx: z.core.$RefinementCtx<Value>) => void;

function addProblem(ctx: z.core.$RefinementCtx, message: string, path: PropertyKey[]): void {
  ctx.addIssue({ code: 'custom', message, path });
}

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

const nonEmptyText = z.string().check(z.minLength(1, 'expected a non-empty string'));
const nonNegative = z.number().check(z.minimum(0, 'expected a number >= 0'));

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
    /** The candidate must beat the champion (newest Approved package of the group) by this much. */
    beatChampionBy: z.optional(nonNegative),
  })
  .check(z.superRefine(checkMetricRule));

const approval = z
  .strictObject({
    mode: z.enum(['auto', 'manual']),
    rules: z._default(z.array(metricRule), []),
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
const positiveInteger = (least: number) => z.int().check(z.minimum(least, `expected a whole number >= ${least}`));

const checkSteps: Refinement<{ strategy: string; steps: number[] }> = (value, ctx) => {
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

const instanceType = z
  .string()
  .check(z.regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'expected an instance type such as ml.m5.large'));

const rollout = z
  .strictObject({
    strategy: z.enum(['canary', 'linear', 'all-at-once', 'shadow']),
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
        periodSeconds: z._default(positiveInteger(10), 60),
        evaluationPeriods: z._default(positiveInteger(1), 1),
      }),
      { periodSeconds: 60, evaluationPeriods: 1 },
    ),
  })
  .check(z.superRefine(checkSteps));

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
});

const deliveryPipeline = z.strictObject({
  /** CodePipeline run before the canary; the rollout continues when it succeeds. */
  name: nonEmptyText,
});

export const groupPolicySchema = z.strictObject({
  endpointName,
  executionRoleArn: iamRoleArn,
  /** The first deployment's instance type and count; a rollout over an incumbent follows the incumbent. */
  instanceType,
  initialInstanceCount: positiveInteger(1),
  model: z._default(model, {}),
  approval,
  rollout,
  deliveryPipeline: z.optional(deliveryPipeline),
});

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

export type GroupPolicy = z.infer<typeof groupPolicySchema>;
export type MetricRule = GroupPolicy['approval']['rules'][number];
export type RolloutPolicy = GroupPolicy['rollout'];
