import { z } from 'zod';

const iamRoleArn = z
  .string()
  .regex(
    /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]+$/,
    'expected an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
  );

// SageMaker endpoint names: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateEndpoint.html
const endpointName = z.string().regex(
  // 48, not SageMaker's 63: the model and config names we derive add -v<version>-canary.
  /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,47}$/,
  'expected a SageMaker endpoint name of at most 48 letters, digits and hyphens',
);

const metricRule = z
  .strictObject({
    /** Dotted path into the evaluation report, or the key of a CustomerMetadataProperties entry. */
    metric: z.string().min(1),
    source: z.enum(['report', 'metadata']).default('report'),
    min: z.number().optional(),
    max: z.number().optional(),
    /** The candidate must beat the champion (newest Approved package of the group) by this much. */
    beatChampionBy: z.number().min(0).optional(),
  })
  .superRefine((rule, ctx) => {
    if (rule.min === undefined && rule.max === undefined) {
      ctx.addIssue({ code: 'custom', message: 'a rule needs min, max or both', path: ['min'] });
    }
    if (rule.beatChampionBy !== undefined && rule.min !== undefined && rule.max !== undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          'beatChampionBy needs to know which way is better: give only min (higher is better) or only max (lower is better)',
        path: ['beatChampionBy'],
      });
    }
    if (rule.min !== undefined && rule.max !== undefined && rule.min > rule.max) {
      ctx.addIssue({ code: 'custom', message: `min ${rule.min} is above max ${rule.max}`, path: ['min'] });
    }
  });

const approval = z
  .strictObject({
    mode: z.enum(['auto', 'manual']),
    rules: z.array(metricRule).default([]),
  })
  .superRefine((value, ctx) => {
    // Auto-approval with no rule would approve without evidence.
    if (value.mode === 'auto' && value.rules.length === 0) {
      ctx.addIssue({ code: 'custom', message: 'auto mode needs at least one rule', path: ['rules'] });
    }
  });

const trafficPercent = z.number().int().min(1).max(100);

const rollout = z
  .strictObject({
    strategy: z.enum(['canary', 'linear', 'all-at-once', 'shadow']),
    /** Percent of traffic on the new version at each step; the last is 100. */
    steps: z.array(trafficPercent).min(1).default([100]),
    bakeMinutes: z.number().min(0),
    /** Minutes the shadow variant receives a copy of live traffic before the canary starts (strategy shadow). */
    shadowMinutes: z.number().min(0).default(0),
    alarms: z.array(z.string().min(1)).default([]),
    rejectOnRollback: z.boolean().default(false),
    /** INSUFFICIENT_DATA on a guard alarm: count it as OK (a quiet endpoint) or hold the step. */
    insufficientDataIsOk: z.boolean().default(true),
    /** Old models and endpoint configs kept after a rollout completes (at least the previous one). */
    keepPreviousVersions: z.number().int().min(1).default(2),
    guardAlarms: z
      .strictObject({
        max5xxErrors: z.number().min(0).optional(),
        maxModelLatencyMicros: z.number().min(0).optional(),
        periodSeconds: z.number().int().min(10).default(60),
        evaluationPeriods: z.number().int().min(1).default(1),
      })
      .default({ periodSeconds: 60, evaluationPeriods: 1 }),
  })
  .superRefine((value, ctx) => {
    const steps = value.steps;
    steps.forEach((step, index) => {
      const previous = steps[index - 1];
      if (previous !== undefined && step <= previous) {
        ctx.addIssue({ code: 'custom', message: 'steps must increase', path: ['steps', index] });
      }
    });
    if (steps.at(-1) !== 100) {
      ctx.addIssue({ code: 'custom', message: 'the last step must be 100', path: ['steps'] });
    }
    if (value.strategy === 'all-at-once' && steps.length !== 1) {
      ctx.addIssue({ code: 'custom', message: 'all-at-once has the single step [100]', path: ['steps'] });
    }
    const increments = steps.map((step, index) => step - (steps[index - 1] ?? 0));
    if (value.strategy === 'linear' && new Set(increments).size > 1) {
      ctx.addIssue({
        code: 'custom',
        message: 'linear steps must be equal increments, e.g. [25, 50, 75, 100]',
        path: ['steps'],
      });
    }
  });

const deliveryPipeline = z.strictObject({
  /** CodePipeline run before the canary; the rollout continues when it succeeds. */
  name: z.string().min(1),
});

export const groupPolicySchema = z.strictObject({
  endpointName,
  executionRoleArn: iamRoleArn,
  instanceType: z.string().regex(/^ml\.[a-z0-9]+\.[a-z0-9]+$/, 'expected an instance type such as ml.m5.large'),
  initialInstanceCount: z.number().int().min(1),
  approval,
  rollout,
  deliveryPipeline: deliveryPipeline.optional(),
});

// Model package group names: https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModelPackageGroup.html
const groupName = z.string().regex(/^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/, 'expected a model package group name');

/** The raw file: `defaults` is merged under each group before the group is validated. */
export const policyFileSchema = z.strictObject({
  defaults: z.record(z.string(), z.unknown()).default({}),
  modelPackageGroups: z.record(groupName, z.record(z.string(), z.unknown())),
});

export type GroupPolicy = z.infer<typeof groupPolicySchema>;
export type MetricRule = GroupPolicy['approval']['rules'][number];
export type RolloutPolicy = GroupPolicy['rollout'];
