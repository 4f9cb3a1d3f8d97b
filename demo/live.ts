// `rollout local` (and `npm run demo -- --live`): the stack against the emulator on a real clock. The
// scheduler's tick every few seconds, SageMaker's updates taking a second or two, bakes in seconds (the
// policy demo/live.config.yml): a person watches a canary move, fires an alarm from another terminal
// (`rollout local alarm fraud-prod-5xx`) and sees it roll back.

import { eventTime } from '../cli/event-builders.ts';
import { prepareLocalEnvironment } from '../cli/local-environment.ts';
import { startEmulator } from '../emulator/launch.ts';

export const livePolicyFile = 'demo/live.config.yml';
export const liveGroup = { groupName: 'fraud-detector', endpointName: 'fraud-prod', alarm: 'fraud-prod-5xx' };
export const livePort = 4566;

export interface LiveOptions {
  readonly port: number;
  readonly tickSeconds: number;
  /** Stop after this many ticks; undefined: until Ctrl-C. */
  readonly maxTicks?: number;
  readonly policyFile: string;
}

const pause = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** The setup every live command shares: the policy, the stack's routes and settings, against the emulator. */
async function liveSetup(policyFile: string) {
  const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
  const { readStackDefinition, stackSettings } = await import('../cli/stack-definition.ts');
  const stack = readStackDefinition();
  return {
    stack,
    setup: { routes: stack.routes, policy: loadPolicyFile(policyFile), settings: stackSettings(stack), dryRun: false },
  };
}

/** A new version of the live group, judged by the approve function and, once approved, deployed. */
export async function approveNewVersion(policyFile: string): Promise<string> {
  const { setup } = await liveSetup(policyFile);
  const { binaryClassificationReport, registerModelPackage } = await import('./model-registry-seed.ts');
  const { modelPackageEvent } = await import('../cli/event-builders.ts');
  const { replayEvent } = await import('../cli/replay.ts');
  const arn = await registerModelPackage({
    groupName: liveGroup.groupName,
    evaluationReport: binaryClassificationReport(0.93, 0.04),
  });
  const approval = await replayEvent(modelPackageEvent('PendingManualApproval', arn, eventTime()), setup);
  // The emulator's SageMaker emits no events: the Approved change is delivered here, as EventBridge would.
  const deployment = await replayEvent(modelPackageEvent('Approved', arn, eventTime()), setup);
  return `${arn}: ${approval.outcome}; ${deployment.outcome}`;
}

/** What CloudWatch does when the alarm's metric breaches: the alarm's state, then its state-change event. */
export async function fireAlarm(policyFile: string, alarmName: string, state: 'ALARM' | 'OK'): Promise<string> {
  const { setup } = await liveSetup(policyFile);
  const { CloudWatchClient, SetAlarmStateCommand } = await import('@aws-sdk/client-cloudwatch');
  const { alarmStateChange } = await import('../cli/event-builders.ts');
  const { replayEvent } = await import('../cli/replay.ts');
  await new CloudWatchClient({}).send(
    new SetAlarmStateCommand({
      AlarmName: alarmName,
      StateValue: state,
      StateReason: `set by hand (rollout local alarm)`,
    }),
  );
  const event = alarmStateChange(alarmName, state, eventTime());
  Object.assign(event.detail.state as object, { reason: 'set by hand (rollout local alarm)' });
  const report = await replayEvent(event, setup);
  return `${alarmName} is ${state}: ${report.function ?? 'no function'}: ${report.outcome}`;
}

/** One line per tick: the rollout's phase, each variant's share as a bar, the alarms, the next step. */
function progressLine(view: import('../cli/status-view.ts').StatusView | undefined): string {
  if (view === undefined) return 'no rollout yet';
  const bar = (percent: number) => `${'█'.repeat(Math.round(percent / 5)).padEnd(20, '░')}`;
  const version = view.rolloutVersion;
  const step = view.step === null ? '' : ` step ${view.step.index}/${view.step.of}`;
  const traffic = view.traffic
    .map(
      (variant) =>
        `v${variant.version ?? '?'} ${bar(variant.weightPercent)} ${String(variant.weightPercent).padStart(3)}%`,
    )
    .join('  ');
  const alarms = view.alarms.map((alarm) => `${alarm.name}=${alarm.state}`).join(' ');
  const next =
    view.nextStepAt === null
      ? (view.waitingFor ?? '')
      : `next step in ${Math.max(0, Math.round((Date.parse(view.nextStepAt) - Date.now()) / 1000))} s`;
  return `v${version} ${view.phase}${step}`.padEnd(22) + `${traffic}  ${alarms}  ${next}`.trimEnd();
}

export async function runLive(options: LiveOptions): Promise<void> {
  const emulator = await startEmulator({ port: options.port, updateSeconds: 2 });
  prepareLocalEnvironment({ endpointUrl: emulator.endpointUrl, quiet: true });
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const stop = async () => {
    await emulator.stop();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const { stack, setup } = await liveSetup(options.policyFile);
    const { createLocalResources } = await import('./local-resources.ts');
    const { deployProductionEndpoint, endpointErrorAlarm } = await import('./production-endpoint.ts');
    const { CloudWatchClient, PutMetricAlarmCommand, SetAlarmStateCommand } = await import(
      '@aws-sdk/client-cloudwatch'
    );
    const { scheduledTick } = await import('../cli/event-builders.ts');
    const { replayEvent } = await import('../cli/replay.ts');
    const { statusView } = await import('../cli/status-view.ts');
    const { liveWriter } = await import('#shared/aws/aws-writes.ts');
    await createLocalResources(stack);
    await deployProductionEndpoint(liveGroup.groupName, liveGroup.endpointName, () => emulator.settle());
    const cloudwatch = new CloudWatchClient({});
    await cloudwatch.send(new PutMetricAlarmCommand(endpointErrorAlarm(liveGroup.alarm, liveGroup.endpointName)));
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: liveGroup.alarm, StateValue: 'OK', StateReason: 'quiet' }),
    );
    const env = `AWS_ENDPOINT_URL=${emulator.endpointUrl}`;
    console.log(
      `sagemaker-rollout live: the emulator on ${emulator.endpointUrl}, a tick every ${options.tickSeconds} s, policy ${options.policyFile}`,
    );
    console.log('fraud-detector v1 serves fraud-prod; v2 is approved now. From another terminal:');
    console.log(`  ${env} npx rollout local alarm ${liveGroup.alarm}     fire the alarm: the canary rolls back`);
    console.log(`  ${env} npx rollout local approve                 a new version`);
    console.log(`  ${env} npx rollout status ${liveGroup.endpointName} --config ${options.policyFile}`);
    console.log(
      `  ${env} npx rollout history ${liveGroup.endpointName} --html history.html --config ${options.policyFile}`,
    );
    console.log(`approved: ${await approveNewVersion(options.policyFile)}`);
    const context = { ...setup, writer: liveWriter() };
    let previous = '';
    for (let tick = 1; options.maxTicks === undefined || tick <= options.maxTicks; tick += 1) {
      await pause(options.tickSeconds);
      const report = await replayEvent(scheduledTick(eventTime()), setup);
      const line = progressLine(await statusView(context, liveGroup.endpointName));
      const clock = new Date().toISOString().slice(11, 19);
      // A rollout that is over prints once, not every tick.
      if (line !== previous)
        console.log(`${clock}  ${line}${report.status === 'handled' ? '' : `  (${report.outcome})`}`);
      previous = line;
    }
  } finally {
    await emulator.stop();
  }
}
