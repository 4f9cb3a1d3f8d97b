import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BadInputError } from '#shared/errors.ts';
import { prepareLocalEnvironment } from './local-environment.ts';
import type { ReplayReport } from './replay.ts';
import {
  explainMissingTable,
  noticeWatchingWriter,
  resolveStage,
  type StackTarget,
  unsentNoticeMessages,
} from './stack-target.ts';

const common = `  --config FILE   the policy file (default: ROLLOUT_POLICY_FILE, else rollout.config.yml)
  --stage NAME    the deployed stack's stage (default: ROLLOUT_STAGE, else local, the emulator's)
  --verbose       show the handlers' log lines`;

/** Each command's usage: what `rollout <command> --help` prints. */
const usages: Record<string, string> = {
  replay: `usage: rollout replay <event.json>... [--dry-run] [--json] [--event-time]
Routes each event with the EventBridge rules of serverless.yml and runs the real handler in this
process against AWS_ENDPOINT_URL (or AWS itself when it is unset).
  --dry-run       read, but write nothing: print the writes as a plan
  --json          one JSON object per event: {"file", "event", "function", "outcome", "actions"}
  --event-time    keep each file's own time (by default an event is replayed as happening now, so that
                  replayed ticks move a local rollout on the same clock as the commands)
${common}`,
  status: `usage: rollout status [endpoint] [--json]
Without an endpoint: one line per active rollout. With one: what it serves (versions, traffic, instances),
its alarms, when the next step is due and what it waits for, the last evidence and the history. An
endpoint with no rollout recorded is said so (exit 0).
  --json          a JSON array on one line, one object per endpoint (see README, "rollout status --json"):
                  every active rollout, or the one endpoint; [] when there is none
${common}`,
  pause: `usage: rollout pause <endpoint>
Holds the rollout at its current step; alarms still roll it back.
${common}`,
  resume: `usage: rollout resume <endpoint>
Lets a paused rollout go on.
${common}`,
  abort: `usage: rollout abort <endpoint> --reason "..."
Rolls back now, as an alarm would. The reason is recorded and sent to the topic.
${common}`,
  promote: `usage: rollout promote <endpoint> --reason "..."
Takes the canary straight to 100% and finalizes it, capacity first at each step, no more bakes; refused
unless every alarm the rollout watches is OK. The reason is recorded and sent to the topic.
${common}`,
  history: `usage: rollout history <endpoint> [--html FILE] [--json]
The endpoint's decisions on one clock and each version's share of the traffic over time, with alarm
firings and operator actions marked; --html writes the same as one self-contained page. An endpoint with
no rollout recorded is said so (exit 0; no page is written).
  --json          one JSON object: {"endpointName", "rollouts", "traffic", "marks", "entries", "evidence"},
                  each an array, oldest first, all empty when no rollout is recorded
${common}`,
  'plan-evidence': `usage: rollout plan-evidence <group> [--hours 3] [--json]
Before anything is deployed: how long each step of the group's sequential analysis will take at its
endpoint's recent traffic (the last --hours), and how soon a version worse by twice the margins is caught.
  --hours H       how much recent traffic to read (default 3)
  --json          the plan as one JSON object
${common}`,
  local: `usage: rollout local [--port 4566] [--tick-seconds 3] [--max-ticks N]
       rollout local alarm <alarm-name> [--ok]
       rollout local approve
Runs the stack against the emulator on a real clock: a tick every few seconds, bakes in seconds
(policy demo/live.config.yml). fraud-detector v1 serves fraud-prod and v2 rolls out; watch it move.
From another terminal, with AWS_ENDPOINT_URL as it prints: \`local alarm\` sets an alarm's state (ALARM,
or OK with --ok) and delivers its event, as CloudWatch would; \`local approve\` registers a new version.
  --port N          the emulator's port (default 4566)
  --tick-seconds S  how often the scheduler ticks (default 3)
  --max-ticks N     stop after N ticks (default: at Ctrl-C)
  --config FILE     the policy (default demo/live.config.yml)`,
  groups: `usage: rollout groups [--tag-endpoints] [--dry-run] [--json]
The registry's groups as the policy sees them, and whether the stack may manage their endpoints.
  --tag-endpoints tag the policy's endpoints for the stack (sagemaker-rollout:stack)
  --dry-run       with --tag-endpoints: print the tags it would add
  --json          one JSON object: {"stackName", "groups": [{"groupName", "configuredBy", "inRegistry",
                  "endpointName", "ownership"}], "tagged": [endpoint ARNs], "dryRun"}; "groups" is [] when
                  neither the registry nor the policy has one; "ownership" is as read before tagging;
                  "tagged" lists what --tag-endpoints tagged (with --dry-run: would tag), else []
${common}`,
  version: `usage: rollout version   (or rollout --version)
Prints the version of sagemaker-rollout (its package.json).`,
};

const usage = `usage: rollout <command> [options]   (rollout <command> --help for one command)
  replay <event.json>...           run events through the real routing and handlers
  status [endpoint] [--json]       what the rollouts are doing, and why
  pause <endpoint>                 hold the rollout at its current step
  resume <endpoint>                let it go on
  abort <endpoint> --reason "..."  roll back now, as an alarm would
  promote <endpoint> --reason "..." go to 100% now, capacity first, while every alarm is OK
  history <endpoint> [--html FILE] the decisions and a chart of the traffic over time
  groups [--tag-endpoints]         the registry's groups as the policy sees them
  plan-evidence <group>            how long the evidence will take at the endpoint's traffic
  local                            watch a canary move against the emulator on a real clock
  version                          the version of sagemaker-rollout (also --version)
  help [command]                   this, or one command's usage
The stage: --stage, else ROLLOUT_STAGE, else local (the emulator's stack, at AWS_ENDPOINT_URL).
Read commands take --json: valid JSON even when there is nothing to show.
Exit codes: 0 done (or deliberately ignored, or nothing recorded); 2 bad input, or a stack that is not
where the command looked (the stage, account and region are named, and what to set); 1 failure talking to
AWS, a notice that could not be sent included.`;

/** Asked for usage: printed to stdout, exit 0. */
class HelpRequested extends Error {}
/** A command or option that does not exist: usage to stderr, exit 2. */
class UsageError extends Error {
  constructor(
    message: string,
    readonly usageText: string,
  ) {
    super(message);
  }
}

function printHuman(report: ReplayReport, dryRun: boolean): void {
  const target = report.function ?? 'no function';
  console.log(`${report.file} -> ${target}: ${report.outcome}`);
  if (report.actions.length === 0) return;
  console.log(dryRun ? '  plan (dry run, nothing written):' : '  writes:');
  for (const action of report.actions) {
    console.log(`    ${action.service} ${action.operation} ${JSON.stringify(action.input)}`);
  }
}

const commonOptions = {
  // As npm run check-policy and serverless package take it.
  config: { type: 'string', default: process.env.ROLLOUT_POLICY_FILE || 'rollout.config.yml' },
  // No default: ROLLOUT_STAGE applies when it is not given (stack-target.ts).
  stage: { type: 'string' },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/** A command's arguments: its usage on a bad option, and --help answered before anything else runs. */
function parsing<Parsed extends { values: { help?: boolean | undefined } }>(
  command: string,
  parse: () => Parsed,
): Parsed {
  let result: Parsed;
  try {
    result = parse();
  } catch (error) {
    throw new UsageError((error as Error).message, usages[command] ?? usage);
  }
  if (result.values.help === true) throw new HelpRequested(usages[command] ?? usage);
  return result;
}

/** Who runs the command, as AWS knows them: recorded on the rollout and in its events. */
async function callerIdentity(): Promise<{ arn: string; account: string }> {
  const { STSClient, GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
  const identity = await new STSClient({}).send(new GetCallerIdentityCommand({}));
  if (identity.Arn === undefined || identity.Account === undefined)
    throw new Error('STS GetCallerIdentity returned no ARN or account');
  return { arn: identity.Arn, account: identity.Account };
}

/**
 * The stack a command reads and writes: the stage's table and topic, in the caller's account and the SDK's
 * region (the topic's ARN holds both), or the emulator's (AWS_ENDPOINT_URL, moto's fixed account).
 */
async function stackTargetFor(stage: string, caller?: { account: string }): Promise<StackTarget> {
  const { dynamodb } = await import('#shared/aws/store.ts');
  const { localAccount, readStackDefinition, stackSettings } = await import('./stack-definition.ts');
  const region = await dynamodb.config.region();
  const endpointUrl = process.env.AWS_ENDPOINT_URL;
  const account = endpointUrl !== undefined ? undefined : (caller ?? (await callerIdentity())).account;
  return {
    settings: stackSettings(readStackDefinition(stage), region, account ?? localAccount),
    region,
    ...(account === undefined ? {} : { account }),
    ...(endpointUrl === undefined ? {} : { endpointUrl }),
  };
}

async function contextFor(
  values: { config?: string | undefined; stage?: string | undefined; verbose?: boolean | undefined },
  caller?: { account: string },
) {
  prepareLocalEnvironment({ quiet: values.verbose !== true });
  const stage = resolveStage(values.stage, process.env);
  const { liveWriter } = await import('#shared/aws/aws-writes.ts');
  const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
  const policy = loadPolicyFile(String(values.config));
  const target = await stackTargetFor(stage, caller);
  const writer = noticeWatchingWriter(liveWriter());
  return { context: { policy, settings: target.settings, writer }, target, writer };
}

/** Runs a command's calls on the stack: a missing table answers with the stage, where, and what to set. */
async function onStack<Result>(target: StackTarget, run: () => Promise<Result>): Promise<Result> {
  try {
    return await run();
  } catch (error) {
    throw explainMissingTable(error, target);
  }
}

async function statusCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsing('status', () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { ...commonOptions, json: { type: 'boolean', default: false } },
    }),
  );
  if (positionals.length > 1) throw new BadInputError('status takes at most one endpoint');
  const { context, target } = await contextFor(values);
  const operator = await import('./operator-commands.ts');
  const [endpointName] = positionals;
  if (values.json) {
    console.log(JSON.stringify(await onStack(target, () => operator.rolloutStatusViews(context, endpointName))));
    return 0;
  }
  for (const line of await onStack(target, () => operator.rolloutStatus(context, endpointName))) console.log(line);
  return 0;
}

async function operatorCommand(command: 'pause' | 'resume' | 'abort' | 'promote', args: string[]): Promise<number> {
  const { values, positionals } = parsing(command, () =>
    parseArgs({ args, allowPositionals: true, options: { ...commonOptions, reason: { type: 'string' } } }),
  );
  const [endpointName, ...extra] = positionals;
  if (endpointName === undefined) throw new BadInputError(`${command} needs an endpoint name`);
  if (extra.length > 0) throw new BadInputError(`${command} takes one endpoint; got also ${extra.join(' ')}`);
  const needsReason = command === 'abort' || command === 'promote';
  if (needsReason && values.reason === undefined)
    throw new BadInputError(`${command} needs --reason "..." (it is recorded and sent to the topic)`);
  prepareLocalEnvironment({ quiet: values.verbose !== true });
  const operator = await import('./operator-commands.ts');
  // Refused before any AWS call, the caller's identity included.
  operator.checkedEndpointName(endpointName);
  const reason = needsReason ? operator.checkedText('--reason', String(values.reason)) : '';
  resolveStage(values.stage, process.env);
  const caller = await callerIdentity();
  const { context, target, writer } = await contextFor(values, caller);
  const who = caller.arn;
  const now = new Date().toISOString();
  const done = {
    pause: () => operator.pauseRollout(context, endpointName, who, now),
    resume: () => operator.resumeRollout(context, endpointName, who, now),
    abort: () => operator.abortRollout(context, endpointName, who, reason, now),
    promote: () => operator.promoteRollout(context, endpointName, who, reason, now),
  }[command];
  console.log(await onStack(target, done));
  // The engine logs a notice it could not publish and goes on (a notice never fails a step); the person who
  // ran the command is told here, since they may count on the topic to tell their team.
  const unsent = unsentNoticeMessages(writer, target);
  for (const message of unsent) console.error(`rollout: done, but a notice was not sent: ${message}`);
  return unsent.length > 0 ? 1 : 0;
}

async function historyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsing('history', () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { ...commonOptions, html: { type: 'string' }, json: { type: 'boolean', default: false } },
    }),
  );
  const [endpointName] = positionals;
  if (endpointName === undefined || positionals.length > 1) throw new BadInputError('history needs one endpoint name');
  if (values.html === '') throw new BadInputError('--html needs a file name');
  if (values.html !== undefined && values.json) throw new BadInputError('history takes --html or --json, not both');
  const { context, target } = await contextFor(values);
  const { readHistoryView } = await import('./history-records.ts');
  const { noRolloutRecorded } = await import('./operator-commands.ts');
  const page = await import('./history-page.ts');
  const view = await onStack(target, () => readHistoryView(context, endpointName));
  if (values.json) {
    console.log(JSON.stringify(view));
    return 0;
  }
  if (view.rollouts.length === 0) {
    console.log(noRolloutRecorded(endpointName, context.settings));
    return 0;
  }
  if (values.html !== undefined) {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(values.html, page.historyPage(view));
    console.log(`wrote ${values.html}: ${view.entries.length} decisions, ${view.traffic.length} traffic changes`);
    return 0;
  }
  for (const line of page.historyLines(view)) console.log(line);
  return 0;
}

async function groupsCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsing('groups', () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...commonOptions,
        'tag-endpoints': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
      },
    }),
  );
  if (positionals.length > 0) throw new BadInputError(`groups takes no arguments; got ${positionals.join(' ')}`);
  prepareLocalEnvironment({ quiet: !values.verbose });
  const stage = resolveStage(values.stage, process.env);
  const { liveWriter, planWriter } = await import('#shared/aws/aws-writes.ts');
  const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
  const { readStackDefinition, stackSettings } = await import('./stack-definition.ts');
  const registry = await import('./registry-groups.ts');
  // Only the stack's name, the value of the tag: groups reads SageMaker, never the stack's table or topic.
  const { stackName } = stackSettings(readStackDefinition(stage));
  const groups = registry.groupCoverage(loadPolicyFile(values.config), await registry.listRegistryGroups());
  const owners = await registry.readOwnerships(groups, stackName);
  if (!values.json) {
    for (const [index, group] of groups.entries()) console.log(registry.describeGroup(group, owners[index], stage));
    console.log(registry.summarize(groups, owners));
  }
  const writer = values['dry-run'] ? planWriter() : liveWriter();
  const tagged = values['tag-endpoints'] ? registry.untaggedEndpoints(owners) : [];
  for (const arn of tagged) await registry.tagEndpoint(writer, arn, stackName);
  if (values.json) {
    console.log(JSON.stringify(registry.groupsReport(groups, owners, stackName, tagged, values['dry-run'])));
    return 0;
  }
  if (!values['tag-endpoints']) return 0;
  const verb = values['dry-run'] ? 'would tag' : 'tagged';
  console.log(`${verb} ${writer.performed.length} endpoint(s) sagemaker-rollout:stack=${stackName}`);
  for (const write of writer.performed) console.log(`  ${JSON.stringify(write.input)}`);
  return 0;
}

async function planEvidenceCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsing('plan-evidence', () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: { ...commonOptions, hours: { type: 'string' }, json: { type: 'boolean', default: false } },
    }),
  );
  const [groupName, ...extra] = positionals;
  if (groupName === undefined) throw new BadInputError('plan-evidence needs a model package group name');
  if (extra.length > 0) throw new BadInputError(`plan-evidence takes one group; got also ${extra.join(' ')}`);
  const hours = positiveNumber('--hours', values.hours, 3);
  prepareLocalEnvironment({ quiet: values.verbose !== true });
  const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
  const { planGroupEvidence, plannedGroup } = await import('./evidence-plan.ts');
  const policy = loadPolicyFile(values.config);
  // Refused before any AWS call.
  plannedGroup(policy, groupName);
  const { plan, lines } = await planGroupEvidence(policy, groupName, hours, new Date());
  if (values.json) console.log(JSON.stringify({ group: groupName, ...plan }));
  else for (const line of lines) console.log(line);
  return 0;
}

function positiveNumber(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0)
    throw new BadInputError(`${option} must be a number above 0; got ${value}`);
  return number;
}

async function localCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsing('local', () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...commonOptions,
        config: { type: 'string' },
        port: { type: 'string' },
        'tick-seconds': { type: 'string' },
        'max-ticks': { type: 'string' },
        ok: { type: 'boolean', default: false },
      },
    }),
  );
  const live = await import('../demo/live.ts');
  const policyFile = values.config ?? live.livePolicyFile;
  const [action, name, ...extra] = positionals;
  if (action === undefined) {
    const maxTicks =
      values['max-ticks'] === undefined ? undefined : positiveNumber('--max-ticks', values['max-ticks'], 1);
    await live.runLive({
      // 0: any free port (the banner says which).
      port: values.port === '0' ? 0 : positiveNumber('--port', values.port, live.livePort),
      tickSeconds: positiveNumber('--tick-seconds', values['tick-seconds'], 3),
      ...(maxTicks === undefined ? {} : { maxTicks }),
      policyFile,
    });
    return 0;
  }
  prepareLocalEnvironment({
    endpointUrl: process.env.AWS_ENDPOINT_URL ?? `http://127.0.0.1:${live.livePort}`,
    quiet: true,
  });
  if (action === 'alarm' && name !== undefined && extra.length === 0) {
    console.log(await live.fireAlarm(policyFile, name, values.ok ? 'OK' : 'ALARM'));
    return 0;
  }
  if (action === 'approve' && name === undefined) {
    console.log(await live.approveNewVersion(policyFile));
    return 0;
  }
  throw new UsageError(
    `local: expected no argument, "alarm <alarm-name>" or "approve"; got ${positionals.join(' ')}`,
    usages.local ?? usage,
  );
}

async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parsing('replay', () =>
    parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...commonOptions,
        'dry-run': { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        'event-time': { type: 'boolean', default: false },
      },
    }),
  );
  if (positionals.length === 0) throw new BadInputError('replay needs at least one event file');
  prepareLocalEnvironment({ quiet: !values.verbose });
  const stage = resolveStage(values.stage, process.env);
  // Loaded after the environment is settled: the logger and the AWS clients read it when created.
  const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
  const { readStackDefinition } = await import('./stack-definition.ts');
  const { replayEventFile, exitCodeFor } = await import('./replay.ts');
  const { eventTime } = await import('./event-builders.ts');

  const policy = loadPolicyFile(values.config);
  const target = await stackTargetFor(stage);
  const setup = {
    routes: readStackDefinition(stage).routes,
    policy,
    settings: target.settings,
    dryRun: values['dry-run'],
    explainError: (error: unknown) => explainMissingTable(error, target),
  };
  const reports: ReplayReport[] = [];
  for (const file of positionals) {
    const time = values['event-time'] ? undefined : eventTime();
    const report = await replayEventFile(file, setup, time);
    reports.push(report);
    if (values.json) {
      const { event, function: functionName, outcome, actions } = report;
      console.log(JSON.stringify({ file, event, function: functionName, outcome, actions }));
    } else {
      printHuman(report, setup.dryRun);
    }
  }
  return exitCodeFor(reports);
}

/** `sagemaker-rollout 0.1.0`: read from package.json, loading nothing else (no AWS SDK) to stay fast. */
function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const { name, version } = manifest as { name?: unknown; version?: unknown };
  if (typeof name !== 'string' || typeof version !== 'string') throw new Error('package.json has no name or version');
  return `${name} ${version}`;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    const [topic] = rest;
    if (topic !== undefined && usages[topic] === undefined) throw new UsageError(`unknown command ${topic}`, usage);
    if (command === undefined) {
      console.error(usage);
      return 2;
    }
    console.log(topic === undefined ? usage : usages[topic]);
    return 0;
  }
  if (command === 'version' || command === '--version' || command === '-V') {
    if (rest.length > 0)
      throw new UsageError(`version takes no arguments; got ${rest.join(' ')}`, usages.version ?? usage);
    console.log(packageVersion());
    return 0;
  }
  if (command === 'replay') return replayCommand(rest);
  if (command === 'groups') return groupsCommand(rest);
  if (command === 'plan-evidence') return planEvidenceCommand(rest);
  if (command === 'status') return statusCommand(rest);
  if (command === 'history') return historyCommand(rest);
  if (command === 'local') return localCommand(rest);
  if (command === 'pause' || command === 'resume' || command === 'abort' || command === 'promote')
    return operatorCommand(command, rest);
  throw new UsageError(`unknown command ${command}`, usage);
}

// Output piped into `head` that closes early is not an error: stop quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof HelpRequested) {
      console.log(error.message);
      process.exitCode = 0;
      return;
    }
    if (error instanceof UsageError) {
      console.error(`rollout: ${error.message}\n${error.usageText}`);
      process.exitCode = 2;
      return;
    }
    console.error(`rollout: ${(error as Error).message}`);
    process.exitCode = error instanceof BadInputError ? 2 : 1;
  },
);
