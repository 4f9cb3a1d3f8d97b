/**
 * Fuzzing: generated hostile events (not objects, wrong types, other accounts, regions and partitions,
 * look-alike characters, huge strings, deep nesting, __proto__ and constructor keys) through the routing
 * and through every handler directly, against a world where an accepted event would change something:
 * a canary that may step, a pending package, an alarm a rollout watches. Each is bad input or ignored,
 * none fails talking to AWS, none writes, and the world is the same afterwards.
 */
import { ApplicationAutoScalingClient, DescribeScalableTargetsCommand } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import {
  DescribeEndpointCommand,
  ListEndpointConfigsCommand,
  ListModelPackagesCommand,
  ListModelsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planWriter } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import { useCases } from '../../cli/function-registry.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { subscribeToNotices } from '../../demo/notice-inbox.ts';
import { deployProductionEndpoint } from '../../demo/production-endpoint.ts';
import { type LocalStack, startLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';
import { sampleEvent } from '../support/sample-events.ts';

let local: LocalStack;

const samples = [
  'alarm-fraud-prod-5xx-alarm',
  'alarm-fraud-prod-5xx-ok',
  'codepipeline-execution-succeeded',
  'model-package-approved',
  'model-package-pending-approval',
  'sagemaker-pipeline-execution-succeeded',
  'sagemaker-pipeline-execution-failed',
  'scheduled-tick',
] as const;

const pipelineSamples = [
  'codepipeline-execution-succeeded',
  'sagemaker-pipeline-execution-succeeded',
  'sagemaker-pipeline-execution-failed',
] as const;

/** Each kind of event's names and ARNs, with the most AWS documents for them (see event-schemas.ts). */
const identifierFields: Record<string, [string[], number][]> = {
  'alarm-fraud-prod-5xx-alarm': [
    [['detail', 'alarmName'], 255],
    [['resources', '0'], 2048],
  ],
  'codepipeline-execution-succeeded': [
    [['detail', 'pipeline'], 100],
    [['detail', 'execution-id'], 36],
    [['resources', '0'], 2048],
  ],
  'model-package-approved': [
    [['detail', 'ModelPackageArn'], 2048],
    [['detail', 'ModelPackageGroupName'], 63],
  ],
  'model-package-pending-approval': [[['detail', 'ModelPackageArn'], 2048]],
  'sagemaker-pipeline-execution-succeeded': [
    [['detail', 'pipelineArn'], 2048],
    [['detail', 'pipelineExecutionArn'], 2048],
  ],
  'sagemaker-pipeline-execution-failed': [[['detail', 'pipelineExecutionArn'], 2048]],
};

/** The fields each kind of event is validated on: changing one's type must make the event bad input. */
const validatedFields: Record<string, string[][]> = {
  envelope: [['id'], ['detail-type'], ['source'], ['account'], ['time'], ['region'], ['resources']],
  'alarm-fraud-prod-5xx-alarm': [
    ['detail', 'alarmName'],
    ['detail', 'state', 'value'],
    ['detail', 'state', 'reason'],
  ],
  'alarm-fraud-prod-5xx-ok': [
    ['detail', 'state', 'value'],
    ['detail', 'previousState', 'value'],
  ],
  'codepipeline-execution-succeeded': [
    ['detail', 'pipeline'],
    ['detail', 'execution-id'],
    ['detail', 'state'],
  ],
  'model-package-approved': [
    ['detail', 'ModelPackageArn'],
    ['detail', 'ModelApprovalStatus'],
    ['detail', 'ModelPackageGroupName'],
  ],
  'model-package-pending-approval': [
    ['detail', 'ModelPackageVersion'],
    ['detail', 'ModelPackageArn'],
  ],
  'sagemaker-pipeline-execution-succeeded': [
    ['detail', 'pipelineExecutionArn'],
    ['detail', 'currentPipelineExecutionStatus'],
  ],
  'sagemaker-pipeline-execution-failed': [
    ['detail', 'pipelineArn'],
    ['detail', 'currentPipelineExecutionStatus'],
  ],
  'scheduled-tick': [['detail-type'], ['time']],
};

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    Object.defineProperty(target, head, { value, enumerable: true, writable: true, configurable: true });
    return;
  }
  const next = target[head];
  if (typeof next === 'object' && next !== null) setPath(next as Record<string, unknown>, rest, value);
  else target[head] = value;
}

const wrongTypes = fc.oneof(
  fc.integer(),
  fc.constant(null),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);
const kindOf = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);
function getPath(source: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], source);
}
// Cyrillic and Greek letters that look like Latin ones.
const homoglyphs: Record<string, string> = { a: 'а', e: 'е', o: 'о', p: 'р', c: 'с', i: 'і', M: 'Μ' };
const lookalike = (text: string, at: number) => {
  const indices = [...text].flatMap((char, index) => (homoglyphs[char] === undefined ? [] : [index]));
  const index = indices[at % Math.max(indices.length, 1)];
  if (index === undefined) return `${text}\u200b`; // a zero-width space
  return [...text].map((char, position) => (position === index ? (homoglyphs[char] ?? char) : char)).join('');
};

/** A hostile event, what makes it so, and what it must get: refused as bad input, or ignored as not ours. */
type Hostile = { readonly event: unknown; readonly kind: string; readonly expected: 'bad input' | 'ignored' };

const hostileEvent: fc.Arbitrary<Hostile> = fc.oneof(
  fc
    .oneof(
      fc.constant(null),
      fc.integer(),
      fc.string(),
      fc.boolean(),
      fc.array(fc.constant(sampleEvent('scheduled-tick'))),
    )
    .map((event) => ({ event, kind: 'not an object', expected: 'bad input' as const })),
  fc
    .record({ sample: fc.constantFrom(...samples), field: fc.nat(), value: wrongTypes, envelope: fc.boolean() })
    // A value of the field's own type (a list for `resources`, say) is not a wrong type.
    .filter(({ sample, field, value, envelope }) => {
      const fields = validatedFields[envelope ? 'envelope' : sample] ?? [];
      return kindOf(getPath(sampleEvent(sample), fields[field % fields.length] ?? ['id'])) !== kindOf(value);
    })
    .map(({ sample, field, value, envelope }) => {
      const event = sampleEvent(sample);
      const fields = validatedFields[envelope ? 'envelope' : sample] ?? [];
      const path = fields[field % fields.length] ?? ['id'];
      setPath(event, path, value);
      return { event, kind: `wrong type at ${path.join('.')}`, expected: 'bad input' as const };
    }),
  fc
    .record({
      sample: fc.constantFrom(...samples),
      account: fc.stringMatching(/^\d{12}$/).filter((account) => account !== '123456789012'),
      region: fc.constantFrom('us-east-1', 'eu-west-1', 'cn-north-1'),
      proto: fc.boolean(),
    })
    .map(({ sample, account, region, proto }) => {
      const event = sampleEvent(sample);
      Object.assign(event, { account, region });
      if (proto) Object.assign(event.detail, JSON.parse('{"__proto__": {"admin": true}, "constructor": {"x": 1}}'));
      return { event, kind: 'another account', expected: 'ignored' as const };
    }),
  fc
    .record({ sample: fc.constantFrom('model-package-approved', 'model-package-pending-approval') })
    .chain(({ sample }) =>
      fc.constantFrom('aws-cn', 'aws-us-gov').map((partition) => {
        const event = sampleEvent(sample);
        event.detail.ModelPackageArn = String(event.detail.ModelPackageArn).replace('arn:aws:', `arn:${partition}:`);
        return { event, kind: `${partition} package`, expected: 'ignored' as const };
      }),
    ),
  fc
    .record({
      sample: fc.constantFrom(...samples),
      field: fc.constantFrom('detail-type', 'source', 'group', 'alarm'),
      at: fc.nat(),
    })
    .map(({ sample, field, at }) => {
      const event = sampleEvent(sample);
      // A look-alike group or alarm name is someone else's (ignored); a look-alike kind of event is unknown.
      if (field === 'group' && typeof event.detail.ModelPackageGroupName === 'string') {
        event.detail.ModelPackageGroupName = lookalike(event.detail.ModelPackageGroupName, at);
        return { event, kind: 'look-alike group', expected: 'ignored' as const };
      }
      if (field === 'alarm' && typeof event.detail.alarmName === 'string') {
        event.detail.alarmName = lookalike(event.detail.alarmName, at);
        return { event, kind: 'look-alike alarm', expected: 'ignored' as const };
      }
      const key = field === 'source' ? 'source' : 'detail-type';
      event[key] = lookalike(String(event[key]), at);
      return { event, kind: `look-alike ${key}`, expected: 'bad input' as const };
    }),
  fc
    .record({
      sample: fc.constantFrom(...pipelineSamples),
      change: fc.constantFrom(':999999999999:', ':eu-west-1:', 'arn:aws-cn:', 'not-an-arn'),
      at: fc.nat(),
    })
    .map(({ sample, change, at }) => {
      // The envelope is ours; one of the resources it names is not.
      const event = sampleEvent(sample);
      const resources = event.resources as string[];
      const index = at % resources.length;
      const arn = resources[index] ?? '';
      resources[index] =
        change === 'not-an-arn'
          ? 'fraud-detector-training'
          : change === 'arn:aws-cn:'
            ? arn.replace('arn:aws:', change)
            : arn.replace(change.startsWith(':9') ? ':123456789012:' : ':us-east-1:', change);
      return { event, kind: 'foreign resource', expected: 'ignored' as const };
    }),
  fc
    .record({
      sample: fc.constantFrom(...pipelineSamples),
      name: fc.oneof(
        fc.constantFrom('payroll-training', 'frauds-training', 'fraud', 'detector-fraud'),
        fc.stringMatching(/^[a-z][a-z0-9]{0,20}(-[a-z0-9]{1,8}){0,2}$/).filter((name) => !isOurs(name)),
      ),
    })
    .map(({ sample, name }) => {
      // Another team's pipeline, in this account: its failure is not ours to announce, its run not ours to follow.
      const event = sampleEvent(sample);
      if (sample === 'codepipeline-execution-succeeded') {
        event.detail.pipeline = name;
        event.resources = [`arn:aws:codepipeline:us-east-1:123456789012:${name}`];
      } else {
        const pipelineArn = `arn:aws:sagemaker:us-east-1:123456789012:pipeline/${name}`;
        Object.assign(event.detail, { pipelineArn, pipelineExecutionArn: `${pipelineArn}/execution/abc123def456` });
        event.resources = [pipelineArn, `${pipelineArn}/execution/abc123def456`];
      }
      return { event, kind: 'pipeline not ours', expected: 'ignored' as const };
    }),
  fc
    .record({ sample: fc.constantFrom(...Object.keys(identifierFields)), at: fc.nat(), over: fc.nat(200 * 1024) })
    .map(({ sample, at, over }) => {
      // A name or ARN longer than AWS allows: bad input, never a call that AWS would refuse.
      const event = sampleEvent(sample);
      const fields = identifierFields[sample] ?? [];
      const [path, max] = fields[at % fields.length] ?? [['id'], 0];
      setPath(event, path, `${String(getPath(event, path))}${'7'.repeat(max + 1 + over)}`);
      return { event, kind: `too long at ${path.join('.')}`, expected: 'bad input' as const };
    }),
  fc.constantFrom(...samples).map((sample) => {
    const event = sampleEvent(sample);
    event.detail.note = 'x'.repeat(300 * 1024);
    return { event, kind: 'huge string', expected: 'bad input' as const };
  }),
  fc.constantFrom(...samples).map((sample) => {
    let deep: unknown = 'bottom';
    for (let level = 0; level < 20_000; level += 1) deep = [deep];
    return {
      event: { ...sampleEvent(sample), detail: { nested: deep } },
      kind: 'deep nesting',
      expected: 'bad input' as const,
    };
  }),
);

/** Whether a pipeline of this name is a group's of examples/demo.config.yml (by name, see event-origin.ts) or a delivery pipeline. */
function isOurs(name: string): boolean {
  const words = name.split('-');
  return (
    words.some((_, count) => local.policy.configuredBy(words.slice(0, count + 1).join('-')) !== undefined) ||
    local.policy.explicitGroups.some((group) => local.policy.group(group)?.deliveryPipeline?.name === name)
  );
}

/** Everything an accepted event could change, read back. */
async function world() {
  const sagemaker = new SageMakerClient({});
  const endpoint = await sagemaker.send(new DescribeEndpointCommand({ EndpointName: 'fraud-prod' }));
  const table = local.context().settings.rolloutsTableName;
  const items = (await new DynamoDBClient({}).send(new ScanCommand({ TableName: table }))).Items ?? [];
  const packages = await Promise.all(
    ['fraud-detector', 'churn-model'].map((group) =>
      sagemaker.send(new ListModelPackagesCommand({ ModelPackageGroupName: group })),
    ),
  );
  const alarms = await new CloudWatchClient({}).send(
    new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }),
  );
  const targets = await new ApplicationAutoScalingClient({}).send(
    new DescribeScalableTargetsCommand({ ServiceNamespace: 'sagemaker' }),
  );
  return {
    endpoint: [endpoint.EndpointStatus, endpoint.EndpointConfigName, endpoint.ProductionVariants],
    items: items.map((item) => JSON.stringify(item)).sort(),
    configs: (await sagemaker.send(new ListEndpointConfigsCommand({}))).EndpointConfigs?.map(
      (c) => c.EndpointConfigName,
    ),
    models: (await sagemaker.send(new ListModelsCommand({}))).Models?.map((model) => model.ModelName),
    packages: packages
      .flatMap((page) => page.ModelPackageSummaryList ?? [])
      .map((p) => [p.ModelPackageArn, p.ModelApprovalStatus]),
    alarms: (alarms.MetricAlarms ?? []).map((alarm) => [alarm.AlarmName, alarm.StateValue]),
    targets: targets.ScalableTargets?.map((target) => [target.ResourceId, target.MinCapacity, target.MaxCapacity]),
  };
}

describe('hostile events', () => {
  let notices: Awaited<ReturnType<typeof subscribeToNotices>>;

  afterAll(async () => {
    await local?.emulator.stop();
  });

  beforeAll(async () => {
    // One world for every event (no reset between them), so that any change stays to be seen.
    local = await startLocalStack();
    // A canary whose bake has ended (a tick would step it), a pending package (approve would judge it).
    const story = rolloutStory(local, { groupName: 'fraud-detector', endpointName: 'fraud-prod' });
    await story.createWatchedAlarms();
    await deployProductionEndpoint('fraud-detector', 'fraud-prod', story.settle);
    await story.approved(await story.registerApproved());
    await story.tickUntil(['Baking']);
    story.wait(30);
    await registerModelPackage({
      groupName: 'fraud-detector',
      evaluationReport: binaryClassificationReport(0.97, 0.01),
    });
    notices = await subscribeToNotices(local.context().settings.notificationsTopicArn);
  });

  it('are bad input (exit 2) or ignored (exit 0), through the routing and every handler, and change nothing', async () => {
    const before = await world();
    const seen = new Map<string, number>();

    await fc.assert(
      fc.asyncProperty(hostileEvent, async ({ event, kind, expected }) => {
        const family = kind.split(' at ')[0] ?? kind;
        seen.set(family, (seen.get(family) ?? 0) + 1);
        const routed = await local.send(event);
        // Exit 2 for bad input, exit 0 for what is not ours; never 1, never a write.
        expect(routed.status, `${kind}: ${routed.outcome}`).toBe(expected === 'bad input' ? 'bad-input' : 'handled');
        if (routed.status === 'handled') expect(routed.outcome, kind).toMatch(/^ignored: /);
        expect(routed.actions, kind).toEqual([]);

        // Each handler on its own, as Lambda would run it if a rule routed the event there.
        for (const load of Object.values(useCases)) {
          const writer = planWriter();
          const handle = await load();
          const outcome = await handle(event, { ...local.context(writer) }).then(
            (result) => result.outcome,
            (error: unknown) => {
              expect(error, `${kind}: ${(error as Error).message}`).toBeInstanceOf(BadInputError);
              return 'bad input';
            },
          );
          expect(outcome, kind).toMatch(/^(ignored: |bad input$)/);
          expect(writer.performed, kind).toEqual([]);
        }
      }),
      { numRuns: 300 },
    );

    expect(await world()).toEqual(before);
    expect(await notices.received()).toEqual([]);
    expect([...seen.keys()].sort()).toEqual(
      expect.arrayContaining([
        'another account',
        'deep nesting',
        'foreign resource',
        'huge string',
        'pipeline not ours',
        'too long',
        'look-alike detail-type',
        'not an object',
        'wrong type',
      ]),
    );
  }, 120_000);
});
