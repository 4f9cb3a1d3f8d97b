// The contract every target's driver keeps with the rollout core, checked the same way for each of them:
// whole rollouts run by the real core (reconcileOnce) and the real executor (executeStep) against a
// simulated AWS (test/support/simulated-targets.ts), under random time, alarms, refused writes, duplicate
// deliveries and a person's pause. A new driver is added to `targets` below and must pass all of it.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newRollout } from '#shared/engine/begin-rollout.ts';
import { executeStep, type StepEffects } from '#shared/engine/execute-step.ts';
import { parsePolicyDocument } from '#shared/policy/policy-document.ts';
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { DecisionEvent } from '#shared/rollout/decision-events.ts';
import type { AlarmState } from '#shared/rollout/observed-state.ts';
import { applyOperatorCommand } from '#shared/rollout/operator-commands.ts';
import { reconcileOnce } from '#shared/rollout/reconcile-once.ts';
import { decisionTime } from '#shared/rollout/rollout-clock.ts';
import { rejectsPackage, rollbackOutcome } from '#shared/rollout/rollout-outcome.ts';
import { activePhases, isActive, type Phase, type Rollout } from '#shared/rollout/rollout-state.ts';
import { driverFor } from '#shared/targets/drivers.ts';
import { incumbentVersion, SimulatedWorld, type TargetKind } from '../../support/simulated-targets.ts';

const minute = 60_000;
const startMs = Date.parse('2026-11-25T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const groupName = 'group';
const alarmNames = ['errors', 'latency'] as const;

interface PolicyShape {
  readonly bakeMinutes: number;
  readonly progressDeadlineMinutes: number;
  readonly rejectOnRollback: boolean;
  readonly insufficientDataIsOk: boolean;
  readonly alarms: readonly string[];
  readonly steps: readonly number[];
}

/** The group's policy for a target, as the policy file gives it (validated, defaults applied). */
function planFor(kind: TargetKind, shape: PolicyShape): GroupPolicy {
  const rollout = {
    bakeMinutes: shape.bakeMinutes,
    progressDeadlineMinutes: shape.progressDeadlineMinutes,
    rejectOnRollback: shape.rejectOnRollback,
    insufficientDataIsOk: shape.insufficientDataIsOk,
    alarms: shape.alarms,
  };
  const targets: Record<TargetKind, Record<string, unknown>> = {
    'real-time': {
      endpointName: 'rt-prod',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      rollout: { ...rollout, strategy: 'canary', steps: shape.steps },
    },
    // SageMaker's own strategies on a real-time endpoint: a blue/green canary, or a rolling update by quarters.
    'real-time-guardrails': {
      endpointName: 'rtg-prod',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      rollout:
        shape.steps[0] === 25
          ? { ...rollout, strategy: 'sagemaker-rolling', steps: [25, 50, 75, 100] }
          : { ...rollout, strategy: 'sagemaker-canary', steps: [Math.min(50, shape.steps[0] ?? 20), 100] },
    },
    serverless: {
      endpointName: 'sl-prod',
      serverless: { memorySizeInMB: 2048, maxConcurrency: 5 },
      rollout: { ...rollout, strategy: 'canary', steps: [Math.min(50, shape.steps[0] ?? 20), 100] },
    },
    'multi-model': { multiModel: { endpointName: 'mme-prod', modelPrefix: 's3://models/' }, rollout },
    // A component of 4 copies on a shared endpoint, updated a quarter at a time by SageMaker's rolling update.
    'inference-component': {
      inferenceComponent: { endpointName: 'ic-prod', computeResources: { minMemoryRequiredInMb: 1024 }, copyCount: 4 },
      rollout,
    },
    'batch-transform': {
      batchTransform: {
        inputS3Uri: 's3://in-bucket/input/',
        outputS3Uri: 's3://out-bucket/output/',
        instanceType: 'ml.m5.large',
      },
      rollout,
    },
  };
  const policy = parsePolicyDocument(
    {
      defaults: { executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution', approval: { mode: 'manual' } },
      modelPackageGroups: { [groupName]: targets[kind] },
    },
    'contract',
  );
  const group = policy.group(groupName);
  if (group === undefined) throw new Error('no group');
  return group;
}

interface Tick {
  readonly minutesPassed: number;
  readonly settle: boolean;
  readonly jobFails: boolean;
  readonly alarm?: { readonly index: number; readonly state: AlarmState };
  /** SageMaker refuses this many writes from this tick on. */
  readonly refusals: number;
  /** EventBridge delivers this tick's event twice. */
  readonly duplicate: boolean;
  /** A person pauses (or resumes) at this tick. */
  readonly command?: 'pause' | 'resume';
}

interface Decided {
  readonly before: Rollout;
  readonly after: Rollout;
  readonly movesTraffic: boolean;
  readonly firingBefore: boolean;
  readonly notices: readonly string[];
  readonly events: readonly DecisionEvent[];
}

interface Run {
  readonly plan: GroupPolicy;
  readonly world: SimulatedWorld;
  readonly rollout: Rollout;
  readonly decided: readonly Decided[];
  readonly pauseRefusals: readonly string[];
}

/** As the engine does (engine/reconcile.ts): a step that changed the record with nothing to do is followed by the next. */
const stepsPerReconcile = 4;

async function run(kind: TargetKind, shape: PolicyShape, ticks: readonly Tick[]): Promise<Run> {
  const plan = planFor(kind, shape);
  const incumbentModel =
    kind === 'batch-transform' || kind === 'inference-component'
      ? `${groupName}-v1`
      : kind === 'multi-model'
        ? `${groupName}/v1.tar.gz`
        : `${plan.endpointName}-v1`;
  const world = new SimulatedWorld(kind, plan, startMs, groupName, incumbentModel);
  const approved = {
    packageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/2`,
    packageVersion: 2,
  };
  let rollout = newRollout(groupName, plan, approved, undefined, iso(startMs));
  const decisions = driverFor(rollout).decisions;
  const decided: Decided[] = [];
  const pauseRefusals: string[] = [];
  let nowMs = startMs;
  for (const tick of ticks) {
    nowMs += tick.minutesPassed * minute;
    world.passTime(nowMs, tick.settle, tick.jobFails);
    if (tick.alarm !== undefined) {
      const name = shape.alarms[tick.alarm.index % Math.max(1, shape.alarms.length)];
      if (name !== undefined) world.setAlarm(name, tick.alarm.state);
    }
    world.refusals = tick.refusals;
    if (tick.command !== undefined && isActive(rollout)) {
      const outcome = applyOperatorCommand(
        decisions.capabilities,
        rollout,
        { kind: tick.command },
        'alice',
        iso(nowMs),
      );
      if ('refused' in outcome) pauseRefusals.push(outcome.refused);
      else rollout = outcome.next === rollout ? rollout : { ...outcome.next, version: rollout.version + 1 };
    }
    for (let delivery = 0; delivery < (tick.duplicate ? 2 : 1); delivery += 1) {
      for (let step = 0; step < stepsPerReconcile; step += 1) {
        const before = rollout;
        if (!isActive(before)) break;
        const observed = world.observe(before);
        const now = decisionTime(iso(nowMs), before, nowMs);
        const decision = reconcileOnce(decisions, plan, before, observed, now, 'local');
        const told: { notices: string[]; events: DecisionEvent[] } = { notices: [], events: [] };
        const effects: StepEffects = {
          record: async (next) => ({ ...next, version: before.version + 1 }),
          act: async (_recorded, actions) => {
            for (const action of actions) world.perform(action, nowMs);
          },
          tell: async (notices, events) => {
            told.notices.push(...notices.map((notice) => notice.subject));
            told.events.push(...events);
          },
          finalEvents: () => decision.events,
        };
        let failed = false;
        try {
          rollout = await executeStep(plan, before, decision, now, 'local', effects);
        } catch {
          failed = true;
          // Recorded first (unless into a final phase): the record says what to converge to.
          if (isActive(decision.next)) rollout = { ...decision.next, version: before.version + 1 };
        }
        const firingBefore = before.watchedAlarms.some((name) => observed.alarms[name] === 'ALARM');
        decided.push({ before, after: rollout, movesTraffic: decision.movesTraffic, firingBefore, ...told });
        if (failed || decision.next === before || decision.actions.length > 0) break;
      }
    }
  }
  return { plan, world, rollout, decided, pauseRefusals };
}

const kinds: readonly TargetKind[] = [
  'real-time',
  'real-time-guardrails',
  'serverless',
  'multi-model',
  'batch-transform',
  'inference-component',
];

const shapeArb: fc.Arbitrary<PolicyShape> = fc.record({
  bakeMinutes: fc.integer({ min: 0, max: 30 }),
  progressDeadlineMinutes: fc.integer({ min: 10, max: 90 }),
  rejectOnRollback: fc.boolean(),
  insufficientDataIsOk: fc.boolean(),
  alarms: fc.subarray([...alarmNames], { minLength: 1 }),
  steps: fc.constantFrom([10, 50, 100], [25, 100], [100]),
});

const alarmStateArb = fc.oneof(
  { weight: 5, arbitrary: fc.constant<AlarmState>('OK') },
  { weight: 1, arbitrary: fc.constant<AlarmState>('INSUFFICIENT_DATA') },
  { weight: 1, arbitrary: fc.constant<AlarmState>('ALARM') },
);

function tickArb(options: { commands: boolean }): fc.Arbitrary<Tick> {
  return fc.record({
    minutesPassed: fc.integer({ min: 1, max: 20 }),
    settle: fc.boolean(),
    jobFails: fc.boolean().map((fails) => fails && Math.random() < 0.3),
    alarm: fc.option(fc.record({ index: fc.nat(3), state: alarmStateArb }), { nil: undefined }),
    refusals: fc.oneof(
      { weight: 4, arbitrary: fc.constant(0) },
      { weight: 1, arbitrary: fc.integer({ min: 1, max: 5 }) },
    ),
    duplicate: fc.boolean(),
    command: options.commands
      ? fc.option(fc.constantFrom<'pause' | 'resume'>('pause', 'resume'), { nil: undefined })
      : fc.constant(undefined),
  });
}

/** Then AWS behaves: every update lands, nothing is refused, alarms stay as they are, a person resumes. */
const calmTail: readonly Tick[] = Array.from({ length: 120 }, (_, index) => ({
  minutesPassed: 15,
  settle: true,
  jobFails: false,
  refusals: 0,
  duplicate: false,
  ...(index === 0 ? { command: 'resume' as const } : {}),
}));

const scenarioArb = (options: { commands: boolean }) =>
  fc.record({
    kind: fc.constantFrom(...kinds),
    shape: shapeArb,
    ticks: fc.array(tickArb(options), { minLength: 1, maxLength: 25 }),
  });

const runs = { numRuns: 120 } as const;
/** The phases in the order a rollout moves forward through them. */
const forwardOrder: readonly Phase[] = activePhases.filter((phase) => phase !== 'RollingBack');

describe.each(kinds)('the %s driver keeps the core contract', (kind) => {
  const scenarios = scenarioArb({ commands: true }).map((scenario) => ({ ...scenario, kind }));

  it('never gets stuck: every rollout ends once AWS behaves, within its deadlines (none while paused)', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async ({ shape, ticks }) => {
        const { rollout } = await run(kind, shape, [...ticks, ...calmTail]);
        expect(rollout.phase, JSON.stringify(rollout.history)).toMatch(/^(Completed|RolledBack|Failed)$/);
      }),
      runs,
    );
  });

  it('ends a rollback by one rule: RolledBack for evidence or a person, Failed otherwise; only evidence rejects', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async ({ shape, ticks }) => {
        const { rollout, world, plan } = await run(kind, shape, [...ticks, ...calmTail]);
        const cause = rollout.rollbackCause;
        if (cause !== undefined && rollout.phase !== 'Completed') {
          expect(rollout.phase).toBe(rollbackOutcome(cause));
          // A rejection refused until the deadline is given up loudly (engine/final-actions.ts), never silently.
          const givenUp = rollout.history.some((entry) => entry.note.startsWith('not done: rejectPackage'));
          expect(world.rejected.length > 0 || givenUp).toBe(rejectsPackage(plan, cause));
        } else {
          expect(world.rejected).toEqual([]);
        }
      }),
      runs,
    );
  });

  it('never gives the new version traffic while a watched alarm is in ALARM', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async ({ shape, ticks }) => {
        const { decided } = await run(kind, shape, ticks);
        for (const step of decided) expect(step.movesTraffic && step.firingBefore).toBe(false);
      }),
      runs,
    );
  });

  it('leaves what served before serving, alone, after a rollback', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async ({ shape, ticks }) => {
        const { rollout, world } = await run(kind, shape, [...ticks, ...calmTail]);
        if (rollout.phase === 'Completed' || rollout.rollbackCause === undefined) return;
        const serving = world.serving(rollout);
        if (kind === 'batch-transform') {
          expect(world.parameters.get(`batch-model/${groupName}`)).toBe(`${groupName}-v1`);
        } else {
          expect(new Set(serving)).toEqual(new Set([incumbentVersion]));
        }
      }),
      runs,
    );
  });

  it('honours a pause where the target can hold, and refuses it with the target’s reason where it cannot', async () => {
    const { describedAs, pausablePhases, settlesWhilePaused } = driverFor({
      target: kind === 'real-time' ? undefined : kind,
    }).decisions.capabilities;
    await fc.assert(
      fc.asyncProperty(scenarios, async ({ shape, ticks }) => {
        const { decided, pauseRefusals } = await run(kind, shape, ticks);
        for (const refusal of pauseRefusals) expect(refusal).toContain(describedAs);
        for (const { before, after, movesTraffic } of decided) {
          if (!before.paused || !isActive(after) || after.phase === 'RollingBack') continue;
          expect(pausablePhases).toContain(before.phase);
          const arrived = before.phase === 'Deploying' && after.phase === 'Baking' && !movesTraffic;
          const samePlace = after.phase === before.phase && after.stepIndex === before.stepIndex;
          expect(samePlace || arrived, `${before.phase} -> ${after.phase} while paused`).toBe(true);
          if (movesTraffic) expect(settlesWhilePaused).toContain(before.phase);
          expect(forwardOrder.indexOf(after.phase)).toBeLessThanOrEqual(forwardOrder.indexOf(before.phase) + 1);
        }
      }),
      runs,
    );
  });

  it('decides each transition once, however often an event is delivered: one notice and one event each', async () => {
    await fc.assert(
      fc.asyncProperty(scenarios, async ({ shape, ticks }) => {
        const { decided } = await run(kind, shape, [...ticks, ...calmTail]);
        const once = (keys: readonly string[]) => expect(keys.length).toBe(new Set(keys).size);
        const events = decided.flatMap((step) => step.events);
        once(
          events
            .filter((event) => event.detailType !== 'Rollout Paused' && event.detailType !== 'Rollout Resumed')
            .map((event) => `${event.detailType} ${event.detail.phase} ${event.detail.trafficPercent}`),
        );
        once(
          decided
            .flatMap((step) => step.notices)
            .filter((subject) => /rolling back|rolled back|is live|failed$/.test(subject)),
        );
      }),
      runs,
    );
  });
});

describe('the core gives every driver a deadline in every phase', () => {
  it.each(kinds)(
    '%s: SageMaker refusing every write ends the rollout at its deadline, untouched or rolled back',
    async (kind) => {
      const shape: PolicyShape = {
        bakeMinutes: 5,
        progressDeadlineMinutes: 30,
        rejectOnRollback: true,
        insufficientDataIsOk: true,
        alarms: ['errors'],
        steps: [10, 50, 100],
      };
      // The first write goes through (the rollout starts), every one after it is refused for six hours.
      const ticks: Tick[] = [
        { minutesPassed: 1, settle: false, jobFails: false, refusals: 0, duplicate: false },
        ...Array.from({ length: 36 }, () => ({
          minutesPassed: 10,
          settle: true,
          jobFails: false,
          refusals: 1000,
          duplicate: false,
        })),
      ];
      const { rollout, world, plan } = await run(kind, shape, [...ticks, ...calmTail.slice(1, 10)]);
      expect(rollout.phase).toMatch(/^(Completed|Failed)$/);
      if (rollout.phase === 'Failed') expect(world.rejected).toEqual([]);
      expect(plan.rollout.progressDeadlineMinutes).toBe(30);
    },
  );
});

describe('regressions the contract found', () => {
  it('a rejection SageMaker refuses past the deadline is given up loudly: named on the record, never silently', async () => {
    const shape: PolicyShape = {
      bakeMinutes: 0,
      progressDeadlineMinutes: 10,
      rejectOnRollback: true,
      insufficientDataIsOk: false,
      alarms: ['latency'],
      steps: [100],
    };
    const calm = { jobFails: false, refusals: 0, duplicate: false };
    const ticks: Tick[] = [
      { ...calm, minutesPassed: 1, settle: false },
      { ...calm, minutesPassed: 1, settle: true },
      { ...calm, minutesPassed: 1, settle: false, alarm: { index: 0, state: 'ALARM' } },
      { ...calm, minutesPassed: 1, settle: true },
      { ...calm, minutesPassed: 10, settle: true, refusals: 2 },
      { ...calm, minutesPassed: 1, settle: false },
    ];
    const { rollout, world, decided } = await run('real-time', shape, [...ticks, ...calmTail]);
    expect(rollout.phase).toBe('RolledBack');
    expect(world.rejected).toEqual([]);
    expect(rollout.history.at(-1)?.note).toMatch(
      /^not done: rejectPackage \(ValidationException: rejectPackage refused\)/,
    );
    expect(decided.flatMap((step) => step.notices)).toContainEqual(
      'rt-prod: group v2 RolledBack, with final actions that failed',
    );
  });
});
