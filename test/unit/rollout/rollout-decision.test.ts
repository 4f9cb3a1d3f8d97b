// decideRolloutStep on a production-shaped endpoint: 6 × ml.c5.2xlarge scaled out from a config that
// says 2, auto scaling on the incumbent, data capture, a KMS key, tags and a VPC model.
import { describe, expect, it } from 'vitest';
import { type GroupPolicy, groupPolicySchema } from '#shared/policy/policy-schema.ts';
import type { Observed, ObservedEndpoint, ObservedIncumbent } from '#shared/rollout/observed-state.ts';
import { decideRolloutStep as decideForTarget, type RolloutAction } from '#shared/rollout/rollout-decision.ts';
import type { Rollout, VariantScaling } from '#shared/rollout/rollout-state.ts';
import { realTimeDecisions } from '#shared/targets/real-time/decisions.ts';
import { rolloutRecord } from '../../support/rollout-records.ts';

/** The core deciding for a real-time endpoint. */
const decideRolloutStep = (group: GroupPolicy, rollout: Rollout, observed: Observed, now: string) =>
  decideForTarget(group, rollout, observed, now, realTimeDecisions);

const group = groupPolicySchema.parse({
  endpointName: 'fraud-prod',
  executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
  instanceType: 'ml.m5.large',
  initialInstanceCount: 1,
  approval: { mode: 'manual' },
  rollout: { strategy: 'canary', steps: [10, 50, 100], bakeMinutes: 10, alarms: ['fraud-prod-5xx'] },
});

const incumbentSpec = {
  VariantName: 'fraud-detector-1',
  ModelName: 'fraud-prod-v1',
  InstanceType: 'ml.c5.2xlarge',
  InitialInstanceCount: 2,
  InitialVariantWeight: 1,
  VolumeSizeInGB: 50,
  ContainerStartupHealthCheckTimeoutInSeconds: 600,
  RoutingConfig: { RoutingStrategy: 'LEAST_OUTSTANDING_REQUESTS' },
};
const configSettings = {
  DataCaptureConfig: {
    EnableCapture: true,
    InitialSamplingPercentage: 20,
    DestinationS3Uri: 's3://capture/fraud',
    CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
  },
  KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/1111',
};
const incumbent: ObservedIncumbent = {
  endpointOwner: { kind: 'this stack' },
  config: {
    variants: [incumbentSpec],
    shadowVariants: [],
    settings: configSettings,
    tags: [
      { Key: 'team', Value: 'fraud' },
      { Key: 'aws:cloudformation:stack-name', Value: 'fraud' },
    ],
  },
  models: {
    'fraud-prod-v1': {
      fields: {
        ModelName: 'fraud-prod-v1',
        ExecutionRoleArn: 'arn:aws:iam::123456789012:role/Old',
        PrimaryContainer: { Image: 'old-image', ModelDataUrl: 's3://m/v1.tar.gz', Environment: { LOG_LEVEL: 'info' } },
        VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1', 'subnet-2'] },
        EnableNetworkIsolation: true,
      },
      tags: [{ Key: 'cost-centre', Value: 'ml' }],
    },
  },
};
const scaling: VariantScaling = {
  variantName: 'fraud-detector-1',
  minCapacity: 2,
  maxCapacity: 10,
  targetSettings: {},
  policies: [
    {
      PolicyName: 'invocations',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 70 },
    },
  ],
  scheduledActions: [],
};

function endpointWith(
  variants: ObservedEndpoint['variants'],
  configName = 'fraud-prod-v1-final',
  status: ObservedEndpoint['status'] = 'InService',
): ObservedEndpoint {
  return { status, configName, variants, shadowVariants: [], lastModifiedTime: '2026-11-25T08:00:00Z' };
}

const liveIncumbent = { VariantName: 'fraud-detector-1', weight: 1, currentInstanceCount: 6 };
const observedAtStart: Observed = {
  endpoint: endpointWith([liveIncumbent]),
  incumbent,
  scaling: { 'fraud-detector-1': scaling },
  alarms: { 'fraud-prod-5xx': 'OK' },
};

const starting = rolloutRecord({
  endpointName: 'fraud-prod',
  groupName: 'fraud-detector',
  packageVersion: 2,
  phase: 'Starting',
  watchedAlarms: ['fraud-prod-5xx'],
});

const kinds = (actions: readonly RolloutAction[]) => actions.map((action) => action.kind);
const actionOf = <K extends RolloutAction['kind']>(actions: readonly RolloutAction[], kind: K) =>
  actions.find((action): action is Extract<RolloutAction, { kind: K }> => action.kind === kind);

/** The rollout just started on the production-shaped endpoint, Deploying at 10%. */
const deploying = decideRolloutStep(group, starting, observedAtStart, '2026-11-25T09:01:00Z').next;

function baking(stepIndex: number, changes: Partial<Rollout> = {}): Rollout {
  return {
    ...deploying,
    phase: 'Baking',
    stepIndex,
    phaseSince: '2026-11-25T09:10:00Z',
    bakeStartedAt: '2026-11-25T09:10:00Z',
    ...changes,
  };
}

describe('starting a rollout over a production endpoint', () => {
  it('keeps the incumbent exactly and gives the new version its type and its share of the live count', () => {
    const step = decideRolloutStep(group, starting, observedAtStart, '2026-11-25T09:01:00Z');

    expect(step.next.phase).toBe('Deploying');
    expect(kinds(step.actions)).toEqual(['createModel', 'createEndpointConfig', 'updateEndpoint', 'putGuardAlarms']);
    expect(actionOf(step.actions, 'createEndpointConfig')?.plan).toEqual({
      configName: 'fraud-prod-v2-canary',
      variants: [
        { ...incumbentSpec, InitialVariantWeight: 90 },
        {
          ...incumbentSpec,
          VariantName: 'fraud-detector-2',
          ModelName: 'fraud-prod-v2',
          // ⌈10% × 6 live instances⌉, not the policy's 1 × ml.m5.large
          InitialInstanceCount: 1,
          InitialVariantWeight: 10,
        },
      ],
      shadowVariants: [],
      settings: configSettings,
      tags: [{ Key: 'team', Value: 'fraud' }],
    });
    expect(step.next.incumbentInstanceCounts).toEqual({ 'fraud-detector-1': 6 });
    expect(step.next.challenger.baselineInstanceCount).toBe(6);
    expect(step.next.incumbentScaling).toEqual([scaling]);
  });

  it("creates the model with the incumbent model's VPC, network isolation, environment and tags", () => {
    const step = decideRolloutStep(group, starting, observedAtStart, '2026-11-25T09:01:00Z');

    expect(actionOf(step.actions, 'createModel')).toEqual({
      kind: 'createModel',
      modelName: 'fraud-prod-v2',
      packageArn: starting.packageArn,
      roleArn: group.executionRoleArn,
      modelSettings: {
        VpcConfig: { SecurityGroupIds: ['sg-1'], Subnets: ['subnet-1', 'subnet-2'] },
        EnableNetworkIsolation: true,
      },
      containerSettings: { Environment: { LOG_LEVEL: 'info' } },
      tags: [{ Key: 'cost-centre', Value: 'ml' }],
    });
  });

  it('lets the policy override the model settings and the instance type', () => {
    const custom = groupPolicySchema.parse({
      ...group,
      model: { environment: { LOG_LEVEL: 'debug' }, enableNetworkIsolation: false },
      rollout: { ...group.rollout, challenger: { instanceType: 'ml.c5.4xlarge' }, capacity: 'full' },
    });
    const step = decideRolloutStep(custom, starting, observedAtStart, '2026-11-25T09:01:00Z');

    const model = actionOf(step.actions, 'createModel');
    expect(model?.containerSettings).toEqual({ Environment: { LOG_LEVEL: 'debug' } });
    expect(model?.modelSettings.EnableNetworkIsolation).toBe(false);
    const challenger = actionOf(step.actions, 'createEndpointConfig')?.plan.variants[1];
    expect(challenger).toMatchObject({ InstanceType: 'ml.c5.4xlarge', InitialInstanceCount: 6 });
  });

  it('refuses, touching nothing, an incumbent it cannot carry over, and names why', () => {
    const shadowed = { ...incumbent, config: { ...incumbent.config, shadowVariants: [incumbentSpec] } };
    const step = decideRolloutStep(
      group,
      starting,
      { ...observedAtStart, incumbent: shadowed },
      '2026-11-25T09:01:00Z',
    );

    expect(step.next.phase).toBe('Failed');
    expect(step.next.reason).toContain('ShadowProductionVariants');
    expect(kinds(step.actions)).toEqual(['notify']);
  });

  it('refuses an incumbent container field it does not know, naming it in the notice', () => {
    const model = incumbent.models['fraud-prod-v1'];
    if (model === undefined) throw new Error('no incumbent model');
    const container = { ...(model.fields.PrimaryContainer as object), FutureContainerField: 's3://m/v1-extra/' };
    const withUnknown = {
      ...incumbent,
      models: { 'fraud-prod-v1': { ...model, fields: { ...model.fields, PrimaryContainer: container } } },
    };
    const step = decideRolloutStep(
      group,
      starting,
      { ...observedAtStart, incumbent: withUnknown },
      '2026-11-25T09:01:00Z',
    );

    expect(step.next.phase).toBe('Failed');
    expect(kinds(step.actions)).toEqual(['notify']);
    const notice = actionOf(step.actions, 'notify');
    expect(notice?.subject).toContain('failed');
    expect(notice?.message).toContain('PrimaryContainer.FutureContainerField');
  });

  it('does not start while a watched alarm does not exist, and says so once', () => {
    const missing = { ...observedAtStart, alarms: {} };
    const first = decideRolloutStep(group, starting, missing, '2026-11-25T09:01:00Z');
    const again = decideRolloutStep(group, first.next, missing, '2026-11-25T09:02:00Z');

    expect(first.next.phase).toBe('Starting');
    expect(first.next.waitingFor).toBe('alarm fraud-prod-5xx does not exist');
    expect(kinds(first.actions)).toEqual(['notify']);
    expect(again.next).toBe(first.next);
    expect(again.actions).toEqual([]);
  });

  it.each([
    [{ kind: 'untagged' } as const, 'endpoint fraud-prod is not tagged sagemaker-rollout:stack'],
    [
      { kind: 'another stack', stackName: 'sagemaker-rollout-dev' } as const,
      'endpoint fraud-prod belongs to stack sagemaker-rollout-dev',
    ],
  ])('does not touch an endpoint that is not the stack’s (%o), and says so once', (endpointOwner, waitingFor) => {
    const notOurs = { ...observedAtStart, incumbent: { ...incumbent, endpointOwner } };
    const first = decideRolloutStep(group, starting, notOurs, '2026-11-25T09:01:00Z');
    const again = decideRolloutStep(group, first.next, notOurs, '2026-11-25T09:02:00Z');

    expect(first.next).toMatchObject({ phase: 'Starting', waitingFor });
    expect(kinds(first.actions)).toEqual(['notify']);
    expect(again.actions).toEqual([]);
  });

  it('fails a rollout still held at its start past the progress deadline, without touching the endpoint', () => {
    const held = decideRolloutStep(group, starting, { ...observedAtStart, alarms: {} }, '2026-11-25T09:01:00Z').next;
    const step = decideRolloutStep(group, held, { ...observedAtStart, alarms: {} }, '2026-11-25T10:01:00Z');

    expect(step.next.phase).toBe('Failed');
    expect(step.next.reason).toMatch(/^progress deadline exceeded: .*alarm fraud-prod-5xx does not exist/);
  });
});

describe('stepping a canary', () => {
  const at50Capacity = { VariantName: 'fraud-detector-2', weight: 10, currentInstanceCount: 1 };
  const endpointAt10 = endpointWith([{ ...liveIncumbent, weight: 90 }, at50Capacity], 'fraud-prod-v2-canary');

  it('adds the new version’s instances for the next step before any of its traffic moves', () => {
    const step = decideRolloutStep(
      group,
      baking(0),
      { endpoint: endpointAt10, alarms: { 'fraud-prod-5xx': 'OK' } },
      '2026-11-25T09:21:00Z',
    );

    expect(step.next.stepIndex).toBe(1);
    expect(step.actions).toEqual([
      { kind: 'setCapacity', capacities: [{ VariantName: 'fraud-detector-2', DesiredInstanceCount: 3 }] },
    ]);
  });

  it('moves the traffic once the capacity is in place', () => {
    const scaled = endpointWith(
      [
        { ...liveIncumbent, weight: 90 },
        { ...at50Capacity, currentInstanceCount: 3 },
      ],
      'fraud-prod-v2-canary',
    );
    const step = decideRolloutStep(
      group,
      baking(1, { bakeStartedAt: undefined }),
      { endpoint: scaled, alarms: { 'fraud-prod-5xx': 'OK' } },
      '2026-11-25T09:22:00Z',
    );

    expect(kinds(step.actions)).toEqual(['setWeights']);
  });

  it('holds a step whose alarm disappeared, then rolls back past the deadline and tells people at once', () => {
    const gone = { endpoint: endpointAt10, alarms: {} };
    const held = decideRolloutStep(group, baking(0), gone, '2026-11-25T09:21:00Z');
    expect(held.next.stepIndex).toBe(0);
    expect(held.next.waitingFor).toBe('alarm fraud-prod-5xx does not exist');

    const late = decideRolloutStep(group, held.next, gone, '2026-11-25T10:21:00Z');
    expect(late.next.phase).toBe('RollingBack');
    expect(late.next.rollbackCause).toBe('deadline');
    expect(kinds(late.actions)).toEqual(['setWeights', 'notify']);
  });

  it('rolls back past the deadline when the endpoint stays Updating, notifying while it waits', () => {
    const stuck = endpointWith([{ ...liveIncumbent, weight: 90 }, at50Capacity], 'fraud-prod-v2-canary', 'Updating');
    const rollout = baking(1, { bakeStartedAt: undefined, phaseSince: '2026-11-25T09:20:00Z' });

    const before = decideRolloutStep(group, rollout, { endpoint: stuck, alarms: {} }, '2026-11-25T10:19:00Z');
    const after = decideRolloutStep(group, rollout, { endpoint: stuck, alarms: {} }, '2026-11-25T10:21:00Z');

    expect(before.next).toBe(rollout);
    expect(after.next.phase).toBe('RollingBack');
    expect(after.next.reason).toContain('waiting: the endpoint is Updating');
    expect(kinds(after.actions)).toEqual(['notify']);
  });
});

describe('finalizing and completing', () => {
  const atFull = endpointWith(
    [
      { ...liveIncumbent, weight: 0, currentInstanceCount: 2 },
      { VariantName: 'fraud-detector-2', weight: 100, currentInstanceCount: 6 },
    ],
    'fraud-prod-v2-canary',
  );
  const finalizing: Rollout = {
    ...baking(2),
    phase: 'Finalizing',
    targetConfigName: 'fraud-prod-v2-final',
    updateRequestedAt: undefined,
  };

  it('deregisters the incumbent’s auto scaling before the update that removes it, and records what it moved', () => {
    const step = decideRolloutStep(
      group,
      finalizing,
      { endpoint: atFull, scaling: { 'fraud-detector-1': scaling }, alarms: { 'fraud-prod-5xx': 'OK' } },
      '2026-11-25T09:41:00Z',
    );

    expect(kinds(step.actions)).toEqual(['deregisterScaling', 'createEndpointConfig', 'updateEndpoint']);
    expect(step.next.incumbentScaling).toEqual([scaling]);
    const final = actionOf(step.actions, 'createEndpointConfig')?.plan;
    expect(final?.variants).toEqual([
      { ...incumbentSpec, VariantName: 'fraud-detector-2', ModelName: 'fraud-prod-v2', InitialInstanceCount: 6 },
    ]);
    expect(final?.settings).toEqual(configSettings);
  });

  it('puts the same auto scaling on the new variant when it serves alone', () => {
    const done = endpointWith(
      [{ VariantName: 'fraud-detector-2', weight: 1, currentInstanceCount: 6 }],
      'fraud-prod-v2-final',
    );
    const step = decideRolloutStep(
      group,
      { ...finalizing, updateRequestedAt: '2026-11-25T09:41:00Z' },
      { endpoint: done, scaling: {}, alarms: { 'fraud-prod-5xx': 'OK' } },
      '2026-11-25T09:45:00Z',
    );

    expect(step.next.phase).toBe('Completed');
    expect(actionOf(step.actions, 'registerScaling')?.scaling).toEqual([
      { ...scaling, variantName: 'fraud-detector-2' },
    ]);
  });

  it('says in the completion notice which alarms now invoke the moved step scaling policy', () => {
    const done = endpointWith(
      [{ VariantName: 'fraud-detector-2', weight: 1, currentInstanceCount: 6 }],
      'fraud-prod-v2-final',
    );
    const stepPolicies = [
      {
        policyName: 'scale-out',
        policyArn:
          'arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:1:resource/sagemaker/endpoint/fraud-prod/variant/fraud-detector-1:policyName/scale-out',
        variantName: 'fraud-detector-1',
        alarms: [{ alarmName: 'fraud-prod-high-load', actionLists: ['AlarmActions' as const] }],
      },
    ];
    const withStep = { ...scaling, policies: [{ PolicyName: 'scale-out', PolicyType: 'StepScaling' }], stepPolicies };
    const step = decideRolloutStep(
      group,
      { ...finalizing, updateRequestedAt: '2026-11-25T09:41:00Z', incumbentScaling: [withStep] },
      { endpoint: done, scaling: {}, alarms: { 'fraud-prod-5xx': 'OK' } },
      '2026-11-25T09:45:00Z',
    );

    expect(actionOf(step.actions, 'registerScaling')?.scaling[0]?.stepPolicies).toEqual(stepPolicies);
    const lines = actionOf(step.actions, 'notify')?.message.split('\n') ?? [];
    const moved = lines.indexOf('Auto scaling moved to fraud-detector-2 (min 2, max 10).');
    expect(lines.slice(moved, moved + 2)).toEqual([
      'Auto scaling moved to fraud-detector-2 (min 2, max 10).',
      "Step scaling policy scale-out moved to fraud-detector-2: alarm fraud-prod-high-load now invokes it there (its metric's VariantName fraud-detector-1 now fraud-detector-2).",
    ]);
  });
});

describe('rolling back', () => {
  const firing = { 'fraud-prod-5xx': 'ALARM' } as const;

  it('sends all traffic back and gives a scaled-in incumbent its instances back in the same request', () => {
    const scaledIn = endpointWith(
      [
        { ...liveIncumbent, weight: 50, currentInstanceCount: 3 },
        { VariantName: 'fraud-detector-2', weight: 50, currentInstanceCount: 3 },
      ],
      'fraud-prod-v2-canary',
    );
    const step = decideRolloutStep(group, baking(1), { endpoint: scaledIn, alarms: firing }, '2026-11-25T09:25:00Z');

    expect(step.next.phase).toBe('RollingBack');
    expect(actionOf(step.actions, 'setWeights')).toEqual({
      kind: 'setWeights',
      weights: [
        { VariantName: 'fraud-detector-1', DesiredWeight: 100 },
        { VariantName: 'fraud-detector-2', DesiredWeight: 0 },
      ],
      capacities: [{ VariantName: 'fraud-detector-1', DesiredInstanceCount: 6 }],
    });
  });

  const rollingBack: Rollout = { ...baking(1), phase: 'RollingBack', reason: 'alarm', rollbackCause: 'alarm' };
  const restored = endpointWith([{ ...liveIncumbent, currentInstanceCount: 6 }]);

  it('counts the rollback done only when the incumbent serves alone, at its live count, its scaling in place', () => {
    const step = decideRolloutStep(
      group,
      rollingBack,
      { endpoint: restored, scaling: { 'fraud-detector-1': scaling }, alarms: {} },
      '2026-11-25T09:30:00Z',
    );

    expect(step.next.phase).toBe('RolledBack');
  });

  it('repairs lost scaling and capacity, and says once when a repair did not make it as it was', () => {
    const short = endpointWith([{ ...liveIncumbent, currentInstanceCount: 4 }]);
    const check = (rollout: Rollout, at: string) =>
      decideRolloutStep(group, rollout, { endpoint: short, scaling: {}, alarms: {} }, at);
    const first = check(rollingBack, '2026-11-25T09:30:00Z');
    const second = check(first.next, '2026-11-25T09:31:00Z');
    const third = check(second.next, '2026-11-25T09:32:00Z');

    expect(first.next.phase).toBe('RollingBack');
    expect(first.next.waitingFor).toMatch(/^rollback not verified: fraud-detector-1 has 4 instance\(s\), 6 before/);
    expect(kinds(first.actions)).toEqual(['setCapacity', 'registerScaling']);
    expect(kinds(second.actions)).toEqual(['setCapacity', 'registerScaling', 'notify']);
    expect(kinds(third.actions)).toEqual(['setCapacity', 'registerScaling']);
  });

  it('does not count a step policy put back with a new ARN as restored until its alarm invokes it', () => {
    const stepPolicy = { PolicyName: 'scale-out', PolicyType: 'StepScaling', StepScalingPolicyConfiguration: {} };
    const arn = (id: string) =>
      `arn:aws:autoscaling:us-east-1:123456789012:scalingPolicy:${id}:resource/sagemaker/endpoint/fraud-prod/variant/fraud-detector-1:policyName/scale-out`;
    const withStep = (id: string, actionLists: ('AlarmActions' | 'OKActions')[]): VariantScaling => ({
      ...scaling,
      policies: [...scaling.policies, stepPolicy],
      stepPolicies: [
        {
          policyName: 'scale-out',
          policyArn: arn(id),
          variantName: 'fraud-detector-1',
          alarms: [{ alarmName: 'fraud-prod-high-load', actionLists }],
        },
      ],
    });
    const moved = { ...rollingBack, incumbentScaling: [withStep('before', ['AlarmActions'])] };
    const check = (observed: VariantScaling) =>
      decideRolloutStep(
        group,
        moved,
        { endpoint: restored, scaling: { 'fraud-detector-1': observed }, alarms: {} },
        '2026-11-25T09:30:00Z',
      );

    const stale = check(withStep('after', []));
    expect(stale.next.phase).toBe('RollingBack');
    expect(stale.next.waitingFor).toBe(
      `rollback not verified: auto scaling of fraud-detector-1 is not in place: alarm fraud-prod-high-load does not invoke step policy scale-out (${arn('after')})`,
    );
    expect(actionOf(stale.actions, 'registerScaling')?.scaling).toEqual(moved.incumbentScaling);
    expect(check(withStep('after', ['AlarmActions'])).next.phase).toBe('RolledBack');
  });

  it('ends a deadline rollback Failed, not RolledBack, and does not reject the package', () => {
    const step = decideRolloutStep(
      group,
      { ...rollingBack, rollbackCause: 'deadline', reason: 'progress deadline exceeded' },
      { endpoint: restored, scaling: { 'fraud-detector-1': scaling }, alarms: {} },
      '2026-11-25T09:30:00Z',
    );

    expect(step.next.phase).toBe('Failed');
    expect(kinds(step.actions)).not.toContain('rejectPackage');
  });
});
