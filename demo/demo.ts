// `npm run demo`: a full model lifecycle against the local emulator, through the same routing and
// handlers as production, printed as a timeline. The clock is the events' time: one tick a minute.
// The endpoint is shaped like production: scaled out by auto scaling, data capture, KMS, tags, a VPC model.

import { prepareLocalEnvironment } from '../cli/local-environment.ts';
import { startEmulator } from '../emulator/launch.ts';

// --live: the same stack on a real clock instead (rollout local), until Ctrl-C.
if (process.argv.includes('--live')) {
  const live = await import('./live.ts');
  await live.runLive({ port: live.livePort, tickSeconds: 3, policyFile: live.livePolicyFile });
  process.exit(0);
}

const emulator = await startEmulator({ updateSeconds: 3600 });
prepareLocalEnvironment({ endpointUrl: emulator.endpointUrl, quiet: false });
// The timeline is the output; set POWERTOOLS_LOG_LEVEL to see the handlers' log lines as well.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';

// Loaded after the environment is set: the clients and the logger read it.
const { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } = await import('@aws-sdk/client-cloudwatch');
const {
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  ListTagsCommand,
  SageMakerClient,
  UpdateEndpointWeightsAndCapacitiesCommand,
} = await import('@aws-sdk/client-sagemaker');
const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
const { readEndpointState } = await import('#shared/aws/rollout-store.ts');
const { createLocalResources } = await import('./local-resources.ts');
const { binaryClassificationReport, registerModelPackage } = await import('./model-registry-seed.ts');
const {
  deployAsyncEndpoint,
  deployInferenceComponentEndpoint,
  deployMultiModelEndpoint,
  deployProductionEndpoint,
  endpointErrorAlarm,
  productionShape,
} = await import('./production-endpoint.ts');
const { describeInferenceComponent } = await import('#shared/aws/inference-components.ts');
const { readParameter } = await import('#shared/aws/parameters.ts');
const { describeTransformJob } = await import('#shared/aws/transform-jobs.ts');
const { PutObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
const { subscribeToNotices } = await import('./notice-inbox.ts');
const { rolloutStatus } = await import('../cli/operator-commands.ts');
const { publishVariantTraffic } = await import('./variant-traffic.ts');
const { readStackDefinition, stackSettings } = await import('../cli/stack-definition.ts');
const { replayEvent } = await import('../cli/replay.ts');
const registry = await import('../cli/registry-groups.ts');
const { liveWriter } = await import('#shared/aws/aws-writes.ts');
const {
  alarmStateChange,
  endpointDeploymentChange,
  minutesAfterStart,
  modelPackageEvent,
  recentDemoStart,
  scheduledTick,
  transformJobChange,
} = await import('../cli/event-builders.ts');
const { compareSideBySide, scalingLine, timelinePrinter, trafficSplit } = await import('./demo-timeline.ts');

// --calls: list the AWS calls each event caused (the cost of each transition).
const showCalls = process.argv.includes('--calls');
const counted = await (await import('./call-counter.ts')).countFunctionCalls();

const groupName = 'fraud-detector';
const endpointName = 'fraud-prod';
const stack = readStackDefinition();
const setup = {
  routes: stack.routes,
  policy: loadPolicyFile('examples/demo.config.yml'),
  settings: stackSettings(stack),
  dryRun: false,
};
const table = setup.settings.rolloutsTableName;
const sagemaker = new SageMakerClient({});
const cloudwatch = new CloudWatchClient({});
let minute = 0;
// Yesterday morning: the A/B test's per-variant metrics must be recent enough for CloudWatch to keep them
// by the minute, and in the past.
const demoStart = recentDemoStart();
const clock = () => minutesAfterStart(minute, demoStart);
const fraudTimeline = timelinePrinter({ endpointName, tableName: table, clock });
const searchTimeline = timelinePrinter({ endpointName: 'search-prod', tableName: table, clock });
const transcribeTimeline = timelinePrinter({ endpointName: 'transcribe-prod', tableName: table, clock });
const pricingTimeline = timelinePrinter({ endpointName: 'pricing-prod', tableName: table, clock });
let timeline = fraudTimeline;
const packageArnOf = (version: number) =>
  `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/${version}`;

async function send(what: string, event: unknown): Promise<void> {
  counted.reset();
  const report = await replayEvent(event, setup);
  if (report.status !== 'handled') throw new Error(`${what}: ${report.outcome}`);
  const names = counted.calls.map((call) => call.operation);
  const calls = showCalls ? ` [${names.length} calls: ${names.join(', ')}]` : '';
  await timeline.show(what, `${report.function ?? 'no function'}: ${report.outcome}${calls}`);
}

/** One scheduled tick; SageMaker finishes pending updates between ticks unless it is stuck. */
async function tick(options: { sageMakerFinishes: boolean } = { sageMakerFinishes: true }): Promise<void> {
  minute += 1;
  await send('tick', scheduledTick(clock()));
  if (options.sageMakerFinishes) await emulator.settle();
}

async function rollout() {
  return (await readEndpointState(table, endpointName)).rollout;
}

async function ticksUntil(done: (state: Awaited<ReturnType<typeof rollout>>) => boolean, limit = 60): Promise<void> {
  for (let count = 0; count < limit; count += 1) {
    if (done(await rollout())) return;
    await tick();
  }
  throw new Error(`the rollout did not get there: ${JSON.stringify((await rollout())?.history.at(-1))}`);
}
const inPhase =
  (...phases: string[]) =>
  (state: Awaited<ReturnType<typeof rollout>>) =>
    state !== undefined && phases.includes(state.phase);

async function newVersion(version: number, auc: number, story = ''): Promise<void> {
  await registerModelPackage({ groupName, evaluationReport: binaryClassificationReport(auc, 0.04) });
  timeline.section(`v${version}: a training pipeline registers ${packageArnOf(version)} (auc ${auc})${story}`);
  await send('package registered', modelPackageEvent('PendingManualApproval', packageArnOf(version), clock()));
  await send('package approved', modelPackageEvent('Approved', packageArnOf(version), clock()));
}

async function tagsOf(arn: string | undefined) {
  return (await sagemaker.send(new ListTagsCommand({ ResourceArn: arn }))).Tags ?? [];
}

async function describedConfig(name: string) {
  const fields = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
  return { name, fields, tags: await tagsOf(fields.EndpointConfigArn) };
}

async function describedModel(name: string) {
  const fields = await sagemaker.send(new DescribeModelCommand({ ModelName: name }));
  return { name, fields, tags: await tagsOf(fields.ModelArn) };
}

async function createTeamAlarm(): Promise<void> {
  await cloudwatch.send(new PutMetricAlarmCommand(endpointErrorAlarm('fraud-prod-5xx', endpointName)));
}

/** What the SSM parameter says clients or scheduled jobs use now. */
async function published(name: string): Promise<string> {
  const value = await readParameter(`${setup.settings.parameterPrefix}/${name}`);
  return value ?? '(none)';
}

/** Two customers' churn models on one multi-model endpoint: clients are pointed at a version, not weights moved. */
async function multiModelStory() {
  const mme = 'customers-mme';
  const alarm = 'customers-mme-errors';
  const key = (customer: string) => `${mme}/${customer}-churn`;
  const customerTimeline = (customer: string) =>
    timelinePrinter({
      endpointName: key(customer),
      tableName: table,
      clock,
      describeTarget: async () => `clients use ${await published(`target-model/${customer}-churn`)}`,
    });
  const release = async (customer: string, version: number, auc: number) => {
    const groupName = `${customer}-churn`;
    await registerModelPackage({ groupName, evaluationReport: binaryClassificationReport(auc, 0.04) });
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/${version}`;
    await send('package registered', modelPackageEvent('PendingManualApproval', arn, clock()));
    await send('package approved', modelPackageEvent('Approved', arn, clock()));
  };
  const phaseOf = async (customer: string) => (await readEndpointState(table, key(customer))).rollout?.phase;
  const ticksUntil = async (customer: string, phases: string[]) => {
    for (let count = 0; count < 30 && !phases.includes((await phaseOf(customer)) ?? ''); count += 1) await tick();
  };

  timeline = customerTimeline('acme');
  timeline.section(
    "customers on one multi-model endpoint: customers-mme serves every customer's churn model from s3://sagemaker-rollout-demo/mme/churn/",
  );
  await deployMultiModelEndpoint(mme, 's3://sagemaker-rollout-demo/mme/churn/', () => emulator.settle());
  await cloudwatch.send(new PutMetricAlarmCommand(endpointErrorAlarm(alarm, mme)));
  timeline.header('what clients are told to use (SSM)');
  await release('acme', 1, 0.88);
  await ticksUntil('acme', ['Completed']);
  timeline = customerTimeline('globex');
  await release('globex', 1, 0.9);
  await ticksUntil('globex', ['Completed']);

  timeline = customerTimeline('acme');
  timeline.section('acme-churn v2: copied, smoke-tested, published; the shared alarm fires during its bake');
  await release('acme', 2, 0.91);
  await ticksUntil('acme', ['Baking']);
  await tick();
  await cloudwatch.send(
    new SetAlarmStateCommand({
      AlarmName: alarm,
      StateValue: 'ALARM',
      StateReason: 'Threshold Crossed: 14 5XX errors',
    }),
  );
  await send('alarm event', alarmStateChange(alarm, 'ALARM', clock()));
  await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: 'recovered' }));
  // The alarm's invocation told acme's clients v1 again; the next tick reads it back and ends the rollback.
  await tick();
  timeline.section(
    'what clients read: aws ssm get-parameter --name /sagemaker-rollout/local/target-model/<customer>-churn',
  );
  for (const customer of ['acme', 'globex']) {
    const phase = await phaseOf(customer);
    console.log(
      `   ${setup.settings.parameterPrefix}/target-model/${customer}-churn = ${await published(`target-model/${customer}-churn`)}   (${customer}-churn's rollout: ${phase})`,
    );
  }
}

/**
 * Two customers' assistants as inference components on one endpoint: SageMaker's rolling update moves a
 * version's copies a batch at a time (the emulator's batches are advanced by hand), and rolls back by itself.
 */
async function inferenceComponentStory() {
  const endpoint = 'assistants-shared';
  const alarm = 'assistants-shared-errors';
  const componentOf = (customer: string) => `${customer}-assistant`;
  const key = (customer: string) => `${endpoint}/${componentOf(customer)}`;
  const describeComponent = async (customer: string) => {
    const component = await describeInferenceComponent(componentOf(customer));
    if (component === null) return `component ${componentOf(customer)}: none`;
    const reason = component.failureReason === undefined ? '' : `; ${component.failureReason}`;
    return `component ${componentOf(customer)}: ${component.modelName} ${component.status}, ${component.currentCopyCount} copies${reason}`;
  };
  const customerTimeline = (customer: string) =>
    timelinePrinter({
      endpointName: key(customer),
      tableName: table,
      clock,
      describeTarget: () => describeComponent(customer),
    });
  const release = async (customer: string, version: number, auc: number) => {
    const groupName = componentOf(customer);
    await registerModelPackage({ groupName, evaluationReport: binaryClassificationReport(auc, 0.04) });
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/${version}`;
    await send('package registered', modelPackageEvent('PendingManualApproval', arn, clock()));
    await send('package approved', modelPackageEvent('Approved', arn, clock()));
  };
  const phaseOf = async (customer: string) => (await readEndpointState(table, key(customer))).rollout?.phase;
  // SageMaker's batches end only when advanced: these ticks leave the emulator's clock alone.
  const ticksUntil = async (customer: string, phases: string[]) => {
    for (let count = 0; count < 30 && !phases.includes((await phaseOf(customer)) ?? ''); count += 1) {
      await tick({ sageMakerFinishes: false });
    }
  };
  const firstVersion = async (customer: string) => {
    timeline = customerTimeline(customer);
    await release(customer, 1, 0.88);
    await ticksUntil(customer, ['Creating']);
    await emulator.settle();
    await ticksUntil(customer, ['Completed']);
  };

  timeline = customerTimeline('acme');
  timeline.section(
    `customers' assistants as inference components on one endpoint: ${endpoint} hosts a component per customer`,
  );
  await deployInferenceComponentEndpoint(endpoint, () => emulator.settle());
  await cloudwatch.send(new PutMetricAlarmCommand(endpointErrorAlarm(alarm, endpoint)));
  timeline.header('the component as SageMaker describes it');
  await firstVersion('acme');
  await firstVersion('globex');

  timeline = customerTimeline('acme');
  timeline.section("acme-assistant v2: SageMaker's rolling update, one copy of four at a time, 5 min bake each");
  await release('acme', 2, 0.9);
  await ticksUntil('acme', ['Deploying']);
  for (let batch = 0; batch < 4 && (await phaseOf('acme')) === 'Deploying'; batch += 1) {
    await emulator.advanceInferenceComponent(componentOf('acme'));
    await tick({ sageMakerFinishes: false });
  }
  await ticksUntil('acme', ['Completed']);

  timeline.section(
    'acme-assistant v3: the shared alarm fires during its second batch; SageMaker rolls it back by itself',
  );
  await release('acme', 3, 0.91);
  await ticksUntil('acme', ['Deploying']);
  await emulator.advanceInferenceComponent(componentOf('acme'));
  await cloudwatch.send(
    new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'ALARM', StateReason: 'Threshold Crossed: 9 5XX errors' }),
  );
  await tick({ sageMakerFinishes: false });
  await emulator.advanceInferenceComponent(componentOf('acme'));
  await ticksUntil('acme', ['RolledBack', 'Failed']);
  await cloudwatch.send(new SetAlarmStateCommand({ AlarmName: alarm, StateValue: 'OK', StateReason: 'recovered' }));
  timeline.section(`the components on ${endpoint}`);
  for (const customer of ['acme', 'globex']) {
    console.log(
      `   ${await describeComponent(customer)}   (${componentOf(customer)}'s rollout: ${await phaseOf(customer)})`,
    );
  }
}

/** A batch group: each approved version scores the input once as a transform job, then becomes the nightly model. */
async function batchStory() {
  const groupName = 'nightly-scoring';
  const key = `batch/${groupName}`;
  const jobOf = (version: number) => `${groupName}-v${version}`;
  timeline = timelinePrinter({
    endpointName: key,
    tableName: table,
    clock,
    describeTarget: async () => {
      const state = (await readEndpointState(table, key)).rollout;
      const job =
        state?.transformJobName === undefined ? undefined : await describeTransformJob(state.transformJobName);
      const running = job === undefined ? '' : `job ${state?.transformJobName} ${job.status}; `;
      return `${running}batch model ${await published(`batch-model/${groupName}`)}`;
    },
  });
  timeline.section(
    'nightly batch scoring: each approved version of nightly-scoring runs as a transform job on s3://sagemaker-rollout-demo/scoring/input/',
  );
  await new S3Client({ forcePathStyle: true }).send(
    new PutObjectCommand({
      Bucket: 'sagemaker-rollout-demo',
      Key: 'scoring/input/customers.csv',
      Body: '0.5,1.2,3.4\n',
    }),
  );
  timeline.header('transform job; the published batch model (SSM)');
  const release = async (version: number) => {
    await registerModelPackage({ groupName, evaluationReport: binaryClassificationReport(0.9, 0.04) });
    const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/${version}`;
    await send('package registered', modelPackageEvent('PendingManualApproval', arn, clock()));
    await send('package approved', modelPackageEvent('Approved', arn, clock()));
  };
  await release(1);
  for (let count = 0; count < 3; count += 1) await tick({ sageMakerFinishes: false });
  await emulator.settle();
  await send('job event', transformJobChange(jobOf(1), 'Completed', clock()));
  timeline.section('v2: its job fails; the event is lost, the tick finds it');
  await emulator.failNextTransformJob('ClientError: model expects 4 features, got 3');
  await release(2);
  await emulator.settle();
  await tick({ sageMakerFinishes: false });
  console.log(
    `   ${setup.settings.parameterPrefix}/batch-model/${groupName} = ${await published(`batch-model/${groupName}`)}`,
  );
  const v2 = await sagemaker.send(
    new DescribeModelPackageCommand({
      ModelPackageName: `arn:aws:sagemaker:us-east-1:123456789012:model-package/${groupName}/2`,
    }),
  );
  console.log(`   ${groupName} v2 in the registry: ${v2.ModelApprovalStatus}: ${v2.ApprovalDescription ?? ''}`);
}

/** transcriber on an asynchronous endpoint: a canary beside the incumbent that keeps its AsyncInferenceConfig. */
async function asyncStory() {
  const transcribe = { groupName: 'transcriber', endpointName: 'transcribe-prod' };
  timeline = transcribeTimeline;
  timeline.section(
    'an asynchronous endpoint: transcriber on transcribe-prod, 2 × ml.m5.large with an AsyncInferenceConfig; canary 50%, 5 min',
  );
  const incumbent = await deployAsyncEndpoint(transcribe.groupName, transcribe.endpointName, () => emulator.settle());
  timeline.header();
  const arn = `arn:aws:sagemaker:us-east-1:123456789012:model-package/${transcribe.groupName}/2`;
  await registerModelPackage({
    groupName: transcribe.groupName,
    evaluationReport: binaryClassificationReport(0.91, 0.04),
  });
  await send('package registered', modelPackageEvent('PendingManualApproval', arn, clock()));
  await send('package approved', modelPackageEvent('Approved', arn, clock()));
  for (let count = 0; count < 30; count += 1) {
    if ((await readEndpointState(table, transcribe.endpointName)).rollout?.phase === 'Completed') break;
    await emulator.settle();
    await tick();
  }
  timeline.section("what v2's configs kept of v1's asynchronous inference (* = differs)");
  const [before, after] = [
    await describedConfig(incumbent.configName),
    await describedConfig('transcribe-prod-v2-final'),
  ];
  for (const line of compareSideBySide(before, after).filter(
    (row) => row.includes('AsyncInferenceConfig') || row.includes('InstanceCount'),
  )) {
    console.log(line);
  }
  console.log(
    '   guard alarms while it baked: 5xx and latency on the new variant, the queue (ApproximateBacklogSizePerInstance) on the endpoint',
  );
}

/**
 * pricing-model's A/B test on pricing-prod: half the traffic for half an hour, SageMaker's per-variant metrics
 * and the shop's conversion rate put into CloudWatch minute by minute, the verdict from the evidence.
 */
async function abTestStory() {
  const pricing = { groupName: 'pricing-model', endpointName: 'pricing-prod' };
  const arnOf = (version: number) =>
    `arn:aws:sagemaker:us-east-1:123456789012:model-package/${pricing.groupName}/${version}`;
  timeline = pricingTimeline;
  timeline.section(
    'an A/B test: pricing-model on pricing-prod, 50% for 30 min, then p99 latency, 5XX errors and conversion decide',
  );
  await deployProductionEndpoint(pricing.groupName, pricing.endpointName, () => emulator.settle());
  const inbox = await subscribeToNotices(setup.settings.notificationsTopicArn);
  timeline.header();
  const pricingRollout = async () => (await readEndpointState(table, pricing.endpointName)).rollout;
  const healthy = { invocations: 120, errors5xx: 0.12, latencyMicros: 38_000, conversionRate: 0.05 };
  const versions = [
    {
      version: 2,
      challenger: { ...healthy, latencyMicros: 36_000, conversionRate: 0.054 },
      story: ': it converts better',
    },
    { version: 3, challenger: { ...healthy, errors5xx: 6 }, story: ': 5% of its requests fail' },
  ];
  for (const { version, challenger, story } of versions) {
    await registerModelPackage({
      groupName: pricing.groupName,
      evaluationReport: binaryClassificationReport(0.9, 0.04),
    });
    timeline.section(`v${version}: a training pipeline registers ${arnOf(version)}${story}`);
    await send('package registered', modelPackageEvent('PendingManualApproval', arnOf(version), clock()));
    await send('package approved', modelPackageEvent('Approved', arnOf(version), clock()));
    let baking = await pricingRollout();
    for (let count = 0; count < 20 && baking?.bakeStartedAt === undefined; count += 1) {
      await tick();
      baking = await pricingRollout();
    }
    const bakeStart = baking?.bakeStartedAt ?? clock();
    timeline.section(
      'both variants serve; SageMaker publishes their metrics each minute, the shop its conversion rate',
    );
    // The challenger serves on after a winning verdict (the update and its last bake, at 100%, judged too).
    await publishVariantTraffic(pricing.endpointName, baking?.challengerVariant ?? '', bakeStart, 43, challenger);
    const incumbentVariant = baking?.incumbentVariants[0]?.VariantName ?? '';
    await publishVariantTraffic(pricing.endpointName, incumbentVariant, bakeStart, 30, healthy);
    for (let count = 0; count < 60; count += 1) {
      if (['Completed', 'RolledBack', 'Failed'].includes((await pricingRollout())?.phase ?? '')) break;
      await tick();
    }
    const verdict = (await inbox.received()).find((notice) => / (won|lost) its A\/B test$/.test(notice.subject));
    timeline.section(`the notice: ${verdict?.subject ?? 'none'}`);
    for (const line of verdict?.message.split('\n') ?? []) console.log(`   ${line}`);
    timeline.section(`npx rollout status ${pricing.endpointName}`);
    const status = await rolloutStatus({ ...setup, writer: liveWriter() }, pricing.endpointName);
    for (const line of status.filter((row) => !row.startsWith('  20'))) console.log(`   ${line}`);
  }
}

/** search-ranker on a serverless endpoint: SageMaker's guardrails step the traffic, the rollout follows. */
async function serverlessStory() {
  const search = { groupName: 'search-ranker', endpointName: 'search-prod', alarm: 'search-prod-errors' };
  const arnOf = (version: number) =>
    `arn:aws:sagemaker:us-east-1:123456789012:model-package/${search.groupName}/${version}`;
  const searchRollout = async () => (await readEndpointState(table, search.endpointName)).rollout;
  const deploymentEvent = () => endpointDeploymentChange(search.endpointName, clock());
  const release = async (version: number, auc: number) => {
    await registerModelPackage({
      groupName: search.groupName,
      evaluationReport: binaryClassificationReport(auc, 0.04),
    });
    await send('package registered', modelPackageEvent('PendingManualApproval', arnOf(version), clock()));
    await send('package approved', modelPackageEvent('Approved', arnOf(version), clock()));
  };
  /** SageMaker ends a stage of its deployment; the rollout bakes with it, one tick a minute. */
  const stage = async (minutes: number) => {
    const progress = await emulator.advanceDeployment(search.endpointName);
    timeline.note(`SageMaker          ${progress.stage}: ${progress.trafficPercent}% of the traffic on the new fleet`);
    for (let count = 0; count < minutes && (await searchRollout())?.phase === 'Deploying'; count += 1) {
      await tick({ sageMakerFinishes: false });
    }
    return progress;
  };

  timeline = searchTimeline;
  timeline.section(
    "a serverless group: search-ranker on search-prod, 2048 MB; SageMaker's guardrails: canary 20%, 10 min, then 10 min at 100%",
  );
  await cloudwatch.send(new PutMetricAlarmCommand(endpointErrorAlarm(search.alarm, search.endpointName)));
  timeline.header();
  await release(1, 0.9);
  await tick();
  await tick();

  timeline.section('v2: one UpdateEndpoint with a DeploymentConfig; SageMaker steps the traffic, the rollout follows');
  await release(2, 0.92);
  await stage(10); // the new fleet is provisioned: the canary bakes
  await stage(10); // all traffic on v2: the final bake
  await stage(1); // the old fleet waits to be terminated
  await stage(0); // done
  await send('deployment event', deploymentEvent());

  timeline.section('v3: errors during the canary; SageMaker rolls back by itself, the rollout records why');
  await release(3, 0.94);
  await stage(3);
  await cloudwatch.send(
    new SetAlarmStateCommand({
      AlarmName: search.alarm,
      StateValue: 'ALARM',
      StateReason: 'Threshold Crossed: 9 5XX errors',
    }),
  );
  await send('alarm event', alarmStateChange(search.alarm, 'ALARM', clock()));
  await stage(0); // SageMaker's auto-rollback
  await send('deployment event', deploymentEvent());
  await cloudwatch.send(
    new SetAlarmStateCommand({ AlarmName: search.alarm, StateValue: 'OK', StateReason: 'recovered' }),
  );
  for (const version of [1, 2, 3]) {
    const described = await sagemaker.send(new DescribeModelPackageCommand({ ModelPackageName: arnOf(version) }));
    console.log(`   search-ranker v${version}: ${described.ModelApprovalStatus}`);
  }
}

/** What `npx rollout groups --tag-endpoints` does and prints: the stack may update only endpoints with its tag. */
async function handOver() {
  timeline.section('the team hands fraud-prod over to the stack: npx rollout groups --tag-endpoints');
  const groups = registry.groupCoverage(setup.policy, await registry.listRegistryGroups());
  const owners = await registry.readOwnerships(groups, setup.settings.stackName);
  for (const [index, group] of groups.entries()) console.log(`   ${registry.describeGroup(group, owners[index])}`);
  const writer = liveWriter();
  for (const arn of registry.untaggedEndpoints(owners))
    await registry.tagEndpoint(writer, arn, setup.settings.stackName);
  console.log(`   tagged ${writer.performed.length} endpoint(s) sagemaker-rollout:stack=${setup.settings.stackName}`);
}

try {
  await createLocalResources(stack);
  const inbox = await subscribeToNotices(setup.settings.notificationsTopicArn);
  console.log('sagemaker-rollout demo: policy examples/demo.config.yml, group fraud-detector -> endpoint fraud-prod');
  console.log('canary 10% -> 50% -> 100%, 10 min bake per step; guard alarms on the new variant; one tick a minute');

  const incumbent = await deployProductionEndpoint(groupName, endpointName, () => emulator.settle(), {
    handedOverTo: null,
  });
  const shape = productionShape;
  const scalingBefore = await scalingLine(endpointName, incumbent.variantName);
  timeline.section('before: the fraud team deployed v1 by hand');
  console.log(
    `   ${await trafficSplit(endpointName)} (its config ${incumbent.configName} says ${shape.configInstanceCount})`,
  );
  console.log(`   auto scaling: ${scalingBefore}`);
  console.log(
    `   data capture 25% to ${shape.captureUri}, KMS key ${shape.kmsKeyId.split('/')[1]}, tags team and cost-centre`,
  );
  console.log(
    `   model ${incumbent.modelName} in a VPC (${shape.vpcConfig.Subnets.join(', ')}) with network isolation`,
  );
  await handOver();
  timeline.header();

  await newVersion(2, 0.93);
  await emulator.settle();
  await tick();
  timeline.section('the policy watches fraud-prod-5xx, which the team had not created yet: they create it now');
  await createTeamAlarm();
  await ticksUntil(inPhase('Completed'));

  timeline.section("what v2's config and model kept of v1's, field by field (* = differs)");
  for (const [left, right] of [
    [await describedConfig(incumbent.configName), await describedConfig('fraud-prod-v2-final')],
    [await describedModel(incumbent.modelName), await describedModel('fraud-prod-v2')],
  ] as const) {
    for (const line of compareSideBySide(left, right)) console.log(line);
    console.log('');
  }
  timeline.section('auto scaling moved with the traffic');
  console.log(`   before: ${scalingBefore}`);
  console.log(`   after:  ${await scalingLine(endpointName, 'fraud-detector-2')}`);
  console.log(`           ${await scalingLine(endpointName, 'fraud-detector-1')}`);

  await newVersion(3, 0.95);
  await emulator.settle();
  await ticksUntil((state) => state?.stepIndex === 1 && state.bakeStartedAt !== undefined);
  timeline.section('v2 serves half the traffic now, and auto scaling scales it in to 3 instances');
  await sagemaker.send(
    new UpdateEndpointWeightsAndCapacitiesCommand({
      EndpointName: endpointName,
      DesiredWeightsAndCapacities: [{ VariantName: 'fraud-detector-2', DesiredInstanceCount: 3 }],
    }),
  );
  await emulator.settle();
  const guard = 'sagemaker-rollout-fraud-prod-fraud-detector-3-5xx';
  timeline.section(`v3 returns errors at 50%: CloudWatch sets ${guard} to ALARM`);
  await cloudwatch.send(
    new SetAlarmStateCommand({
      AlarmName: guard,
      StateValue: 'ALARM',
      StateReason: 'Threshold Crossed: 12 5XX errors',
    }),
  );
  await send('alarm event', alarmStateChange(guard, 'ALARM', clock()));
  await emulator.settle();
  await ticksUntil(inPhase('RolledBack'));

  await newVersion(4, 0.96, ': SageMaker never finishes its update, the endpoint stays Updating');
  for (let count = 0; count < 62 && (await rollout())?.phase === 'Deploying'; count += 1) {
    await tick({ sageMakerFinishes: false });
  }
  await emulator.settle();
  await ticksUntil(inPhase('Failed'));

  await serverlessStory();
  await asyncStory();
  await multiModelStory();
  await inferenceComponentStory();
  await batchStory();
  await abTestStory();

  timeline = fraudTimeline;
  timeline.section("fraud-detector's versions in the model registry afterwards");
  for (const version of [1, 2, 3, 4]) {
    const described = await sagemaker.send(
      new DescribeModelPackageCommand({ ModelPackageName: packageArnOf(version) }),
    );
    console.log(`v${version}: ${described.ModelApprovalStatus}: ${described.ApprovalDescription ?? ''}`);
  }
  console.log(`\nendpoint: ${await trafficSplit(endpointName)}`);

  timeline.section('what the people subscribed to the topic received');
  for (const notice of await inbox.received()) {
    console.log(`- ${notice.subject}\n    ${notice.message.split('\n')[0]}`);
  }
} finally {
  await emulator.stop();
}
