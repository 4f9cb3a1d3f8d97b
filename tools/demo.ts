// `npm run demo`: a full model lifecycle against the local emulator, through the same routing and
// handlers as production, printed as a timeline. The clock is the events' time: one tick a minute.
import type { InitializeMiddleware, MetadataBearer, MiddlewareStack } from '@smithy/types';
import { startEmulator } from '../emulator/launch.ts';
import { prepareLocalEnvironment } from './local-environment.ts';

const emulator = await startEmulator({ updateSeconds: 3600 });
prepareLocalEnvironment({ endpointUrl: emulator.endpointUrl, quiet: false });
// The timeline is the output; set POWERTOOLS_LOG_LEVEL to see the handlers' log lines as well.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

// Loaded after the environment is set: the clients and the logger read it.
const { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } = await import('@aws-sdk/client-cloudwatch');
const { DescribeEndpointCommand, DescribeModelPackageCommand, SageMakerClient } = await import(
  '@aws-sdk/client-sagemaker'
);
const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
const { readEndpointState } = await import('#shared/aws/rollout-store.ts');
const { readAlarms } = await import('#shared/aws/cloudwatch.ts');
const { createLocalResources } = await import('./local-resources.ts');
const { binaryClassificationReport, registerModelPackage } = await import('./model-registry-seed.ts');
const { readStackDefinition, stackSettings } = await import('./stack-definition.ts');
const { replayEvent } = await import('./replay.ts');
const { alarmStateChange, minutesAfterStart, modelPackageEvent, scheduledTick } = await import('./event-builders.ts');

// --calls: list the AWS calls each event caused (the cost of each transition).
const showCalls = process.argv.includes('--calls');
const awsCalls: string[] = [];
const countCall: InitializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  awsCalls.push(String(context.commandName).replace(/Command$/, ''));
  return next(args);
};
for (const client of await awsClientsOfTheFunctions()) {
  (client.middlewareStack as MiddlewareStack<object, MetadataBearer>).add(countCall, {
    step: 'initialize',
    name: 'demoCallCounter',
  });
}

async function awsClientsOfTheFunctions() {
  return [
    (await import('#shared/aws/sagemaker.ts')).sagemaker,
    (await import('#shared/aws/store.ts')).dynamodb,
    (await import('#shared/aws/cloudwatch.ts')).cloudwatch,
    (await import('#shared/aws/notify.ts')).sns,
    (await import('#shared/aws/evaluation-report.ts')).s3,
    (await import('#shared/aws/codepipeline.ts')).codepipeline,
  ];
}

const groupName = 'fraud-detector';
const endpointName = 'fraud-prod';
const stack = readStackDefinition();
const setup = {
  routes: stack.routes,
  policy: loadPolicyFile('rollout.config.yml'),
  settings: stackSettings(stack),
  dryRun: false,
};
const sagemaker = new SageMakerClient({});
const cloudwatch = new CloudWatchClient({});
let minute = 0;

function clock(): string {
  return minutesAfterStart(minute);
}

function percentages(weights: readonly (number | undefined)[]): number[] {
  const total = weights.reduce<number>((sum, weight) => sum + (weight ?? 0), 0) || 1;
  return weights.map((weight) => Math.round(((weight ?? 0) / total) * 100));
}

/** The split the endpoint serves now, and where an update in flight takes it. */
async function trafficSplit(): Promise<string> {
  const endpoint = await sagemaker
    .send(new DescribeEndpointCommand({ EndpointName: endpointName }))
    .catch(() => undefined);
  if (endpoint === undefined) return 'no endpoint';
  const variants = endpoint.ProductionVariants ?? [];
  const current = percentages(variants.map((variant) => variant.CurrentWeight));
  const desired = percentages(variants.map((variant) => variant.DesiredWeight ?? variant.CurrentWeight));
  const split = variants.map((variant, index) => `${variant.VariantName} ${current[index]}%`).join(', ');
  const moving = desired.some((share, index) => share !== current[index]) ? ` -> ${desired.join('/')}` : '';
  return `${endpoint.EndpointStatus?.padEnd(9)} ${split}${moving}`;
}

async function alarmSummary(): Promise<string> {
  const { rollout } = await readEndpointState(setup.settings.rolloutsTableName, endpointName);
  if (rollout === undefined || rollout.watchedAlarms.length === 0) return '';
  const states = await readAlarms(rollout.watchedAlarms);
  return rollout.watchedAlarms
    .map((name) => `${name.replace(`sagemaker-rollout-${endpointName}-`, '')}=${states[name]?.state ?? 'none'}`)
    .join(' ');
}

let quietTicks: string[] = [];

/** Ticks that only bake are folded into one line, so the timeline shows the moves. */
async function show(what: string, outcome: string): Promise<void> {
  if (/\(baking: [1-9]\d* of \d+ min\)$/.test(outcome)) {
    quietTicks.push(clock().slice(11, 16));
    return;
  }
  if (quietTicks.length > 0) {
    console.log(`${quietTicks[0]}-${quietTicks.at(-1)}  ${quietTicks.length} ticks: baking, every alarm OK`);
    quietTicks = [];
  }
  const { rollout } = await readEndpointState(setup.settings.rolloutsTableName, endpointName);
  const phase = rollout === undefined ? '-' : `v${rollout.packageVersion} ${rollout.phase}`;
  console.log(
    `${clock().slice(11, 16)}  ${what.padEnd(18)} ${phase.padEnd(16)} ${(await trafficSplit()).padEnd(58)} ${await alarmSummary()}`,
  );
  console.log(`       ${''.padEnd(18)} -> ${outcome}`);
}

async function send(what: string, event: unknown): Promise<void> {
  awsCalls.length = 0;
  const report = await replayEvent(event, setup);
  if (report.status !== 'handled') throw new Error(`${what}: ${report.outcome}`);
  const calls = showCalls ? ` [${awsCalls.length} calls: ${awsCalls.join(', ')}]` : '';
  await show(what, `${report.function ?? 'no function'}: ${report.outcome}${calls}`);
}

/** One scheduled tick; SageMaker finishes pending updates between ticks (the emulator settles them). */
async function tick(): Promise<void> {
  minute += 1;
  await send('tick', scheduledTick(clock()));
  await emulator.settle();
}

async function ticksUntil(phases: string[], limit = 40): Promise<void> {
  for (let count = 0; count < limit; count += 1) {
    const { rollout } = await readEndpointState(setup.settings.rolloutsTableName, endpointName);
    if (rollout !== undefined && phases.includes(rollout.phase)) return;
    await tick();
  }
  throw new Error(`the rollout did not reach ${phases.join(' or ')}`);
}

async function newVersion(version: number, auc: number): Promise<string> {
  const packageArn = await registerModelPackage({ groupName, evaluationReport: binaryClassificationReport(auc, 0.04) });
  console.log(`\n== v${version}: a training pipeline registers ${packageArn} (auc ${auc})`);
  await send('package registered', modelPackageEvent('PendingManualApproval', packageArn, clock()));
  await send('package approved', modelPackageEvent('Approved', packageArn, clock()));
  await emulator.settle();
  return packageArn;
}

try {
  await createLocalResources(stack);
  await cloudwatch.send(
    new PutMetricAlarmCommand({
      AlarmName: 'fraud-prod-5xx',
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Dimensions: [{ Name: 'EndpointName', Value: endpointName }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanThreshold',
    }),
  );
  console.log('sagemaker-rollout demo: policy rollout.config.yml, group fraud-detector -> endpoint fraud-prod');
  console.log('canary 10% -> 50% -> 100%, 10 min bake per step; guard alarms on the new variant; one tick a minute\n');
  console.log(`time   ${'event'.padEnd(18)} ${'rollout'.padEnd(16)} ${'endpoint and traffic'.padEnd(58)} alarms`);

  await newVersion(1, 0.9);
  await ticksUntil(['Completed']);

  await newVersion(2, 0.93);
  await ticksUntil(['Completed']);

  const third = await newVersion(3, 0.95);
  await ticksUntil(['Baking']);
  // Bake through the first step until the canary takes half the traffic.
  for (let count = 0; count < 15; count += 1) {
    const { rollout } = await readEndpointState(setup.settings.rolloutsTableName, endpointName);
    if (rollout?.stepIndex === 1 && rollout.bakeStartedAt !== undefined) break;
    await tick();
  }
  const guard = 'sagemaker-rollout-fraud-prod-fraud-detector-3-5xx';
  console.log(`\n== v3 returns errors at 50%: CloudWatch sets ${guard} to ALARM`);
  await cloudwatch.send(
    new SetAlarmStateCommand({
      AlarmName: guard,
      StateValue: 'ALARM',
      StateReason: 'Threshold Crossed: 12 5XX errors',
    }),
  );
  await send('alarm event', alarmStateChange(guard, 'ALARM', clock()));
  await emulator.settle();
  await ticksUntil(['RolledBack']);

  console.log('\n== the model registry afterwards');
  for (const version of [1, 2, 3]) {
    const packageArn = third.replace(/\/3$/, `/${version}`);
    const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: packageArn }));
    console.log(`v${version}: ${described.ModelApprovalStatus}: ${described.ApprovalDescription}`);
  }
  console.log(`\nendpoint: ${await trafficSplit()}`);
} finally {
  await emulator.stop();
}
