import { parseArgs } from 'node:util';
import { BadInputError } from '#shared/errors.ts';
import { prepareLocalEnvironment } from './local-environment.ts';
import type { ReplayReport } from './replay.ts';

const usage = `usage: rollout replay <event.json>... [--dry-run] [--json] [--config rollout.config.yml] [--stage local] [--verbose]
       rollout status [endpoint]          what the rollouts are doing (one endpoint: its history too)
       rollout pause <endpoint>           hold the rollout at its current step (alarms still roll back)
       rollout resume <endpoint>          let it go on
       rollout abort <endpoint> --reason "..."   roll back now, as an alarm would
       rollout groups [--tag-endpoints] [--dry-run]   the registry's groups as the policy sees them, and
                                          whether the stack may manage their endpoints (tag them with --tag-endpoints)

Routes each event with the EventBridge rules of serverless.yml and runs the real handler in this
process against AWS_ENDPOINT_URL (or AWS itself when it is unset).
  --dry-run   read, but write nothing: print the writes as a plan
  --json      one JSON object per event: {"event", "function", "outcome", "actions"}
  --config    the policy file (default rollout.config.yml)
  --stage     whose table and topic to use (default local, the emulator's)
  --verbose   show the handlers' log lines
Exit codes: 0 handled or deliberately ignored, 2 bad input, 1 failure talking to AWS.`;

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
  config: { type: 'string', default: 'rollout.config.yml' },
  stage: { type: 'string', default: 'local' },
  verbose: { type: 'boolean', default: false },
} as const;

async function operatorCommand(command: string, args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { ...commonOptions, reason: { type: 'string' } },
  });
  prepareLocalEnvironment({ quiet: !values.verbose });
  const { liveWriter } = await import('#shared/aws/aws-writes.ts');
  const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
  const { readStackDefinition, stackSettings } = await import('./stack-definition.ts');
  const operator = await import('./operator-commands.ts');
  const context = {
    policy: loadPolicyFile(values.config),
    settings: stackSettings(readStackDefinition(values.stage), process.env.AWS_REGION),
    writer: liveWriter(),
  };
  const [endpointName] = positionals;
  const who = process.env.USER ?? 'an operator';
  const now = new Date().toISOString();
  if (command === 'status') {
    for (const line of await operator.rolloutStatus(context, endpointName)) console.log(line);
    return 0;
  }
  if (endpointName === undefined) throw new BadInputError(`${command} needs an endpoint name`);
  if (command === 'pause') console.log(await operator.pauseRollout(context, endpointName, who, now));
  if (command === 'resume') console.log(await operator.resumeRollout(context, endpointName, who, now));
  if (command === 'abort') {
    if (values.reason === undefined)
      throw new BadInputError('abort needs --reason "..." (it is recorded and sent to the topic)');
    console.log(await operator.abortRollout(context, endpointName, who, values.reason, now));
  }
  return 0;
}

async function groupsCommand(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      ...commonOptions,
      'tag-endpoints': { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
    },
  });
  prepareLocalEnvironment({ quiet: !values.verbose });
  const { liveWriter, planWriter } = await import('#shared/aws/aws-writes.ts');
  const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
  const { readStackDefinition, stackSettings } = await import('./stack-definition.ts');
  const registry = await import('./registry-groups.ts');
  const { stackName } = stackSettings(readStackDefinition(values.stage), process.env.AWS_REGION);
  const groups = registry.groupCoverage(loadPolicyFile(values.config), await registry.listRegistryGroups());
  const owners = await registry.readOwnerships(groups, stackName);
  for (const [index, group] of groups.entries()) console.log(registry.describeGroup(group, owners[index]));
  console.log(registry.summarize(groups, owners));
  if (!values['tag-endpoints']) return 0;
  const writer = values['dry-run'] ? planWriter() : liveWriter();
  for (const arn of registry.untaggedEndpoints(owners)) await registry.tagEndpoint(writer, arn, stackName);
  const verb = values['dry-run'] ? 'would tag' : 'tagged';
  console.log(`${verb} ${writer.performed.length} endpoint(s) sagemaker-rollout:stack=${stackName}`);
  for (const write of writer.performed) console.log(`  ${JSON.stringify(write.input)}`);
  return 0;
}

async function replayCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      ...commonOptions,
      'dry-run': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length === 0) throw new BadInputError('replay needs at least one event file');
  prepareLocalEnvironment({ quiet: !values.verbose });
  // Loaded after the environment is settled: the logger and the AWS clients read it when created.
  const { loadPolicyFile } = await import('#shared/policy/load-policy.ts');
  const { readStackDefinition, stackSettings } = await import('./stack-definition.ts');
  const { replayEventFile, exitCodeFor } = await import('./replay.ts');

  const stack = readStackDefinition(values.stage);
  const setup = {
    routes: stack.routes,
    policy: loadPolicyFile(values.config),
    settings: stackSettings(stack, process.env.AWS_REGION),
    dryRun: values['dry-run'],
  };
  const reports: ReplayReport[] = [];
  for (const file of positionals) {
    const report = await replayEventFile(file, setup);
    reports.push(report);
    if (values.json) {
      const { event, function: functionName, outcome, actions } = report;
      console.log(JSON.stringify({ event, function: functionName, outcome, actions }));
    } else {
      printHuman(report, setup.dryRun);
    }
  }
  return exitCodeFor(reports);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === 'replay') return replayCommand(rest);
  if (command === 'groups') return groupsCommand(rest);
  if (command === 'status' || command === 'pause' || command === 'resume' || command === 'abort')
    return operatorCommand(command, rest);
  console.error(usage);
  return command === undefined || command === '--help' ? 0 : 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`rollout: ${(error as Error).message}`);
    const badArguments = String((error as { code?: unknown }).code).startsWith('ERR_PARSE_ARGS');
    process.exitCode = error instanceof BadInputError || badArguments ? 2 : 1;
  },
);
