import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DescribeModelPackageCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hintLine } from '#shared/rollout/command-line.ts';
import { commandToAct } from '#shared/rollout/rollout-step.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { type LocalStack, startLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';
import { sampleEvent, sampleEventPath } from '../support/sample-events.ts';

const run = promisify(execFile);
let local: LocalStack;
let packageArn: string;
const scratch = mkdtempSync(join(tmpdir(), 'sagemaker-rollout-cli-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

// The CLI's default policy is the user's rollout.config.yml, a starter that refuses until filled in: the commands
// that read a policy are given the demo's, unless a test names its own.
const commandsWithPolicy = new Set([
  'replay',
  'status',
  'pause',
  'resume',
  'abort',
  'promote',
  'history',
  'groups',
  'plan-evidence',
]);
const withDemoPolicy = (args: string[]) =>
  commandsWithPolicy.has(args[0] ?? '') && !args.includes('--config')
    ? [...args, '--config', 'examples/demo.config.yml']
    : args;

async function rollout(
  args: string[],
  env: Record<string, string> = {},
  [program, programArgs]: [string, string[]] = ['node', ['bin/rollout.mjs', ...withDemoPolicy(args)]],
) {
  try {
    const { stdout, stderr } = await run(program, programArgs, {
      // A filled-in policy, as a team's repository has: the root's rollout.config.yml is the starter.
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: local.emulator.endpointUrl,
        ROLLOUT_POLICY_FILE: 'examples/demo.config.yml',
        ...env,
      },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A command line as a person would paste it, parsed by bash. */
async function shell(command: string) {
  return rollout([], {}, ['bash', ['-c', command]]);
}

function writeScratch(name: string, content: string): string {
  const path = join(scratch, `rollout-cli-${process.pid}-${name}`);
  writeFileSync(path, content);
  return path;
}

function changedPendingEvent(name: string, change: (event: ReturnType<typeof sampleEvent>) => void): string {
  const event = sampleEvent('model-package-pending-approval');
  change(event);
  return writeScratch(name, JSON.stringify(event));
}

beforeAll(async () => {
  local = await startLocalStack();
  packageArn = await registerModelPackage({
    groupName: 'fraud-detector',
    evaluationReport: binaryClassificationReport(0.95, 0.02),
  });
});
afterAll(async () => {
  await local?.emulator.stop();
});

describe('the rollout command line', () => {
  it('prints usage and exits 0 for help, --help and <command> --help', async () => {
    const help = await rollout(['help']);
    const dashed = await rollout(['--help']);
    const status = await rollout(['status', '--help']);
    const promote = await rollout(['help', 'promote']);

    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: rollout <command>') });
    expect(dashed.stdout).toBe(help.stdout);
    expect(status).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('usage: rollout status [endpoint] [--json]'),
    });
    expect(promote).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('usage: rollout promote <endpoint> --reason'),
    });
  });

  it('exits 2 with usage for an unknown command or option, and for no command', async () => {
    const command = await rollout(['deploy-now']);
    const option = await rollout(['status', '--colour']);
    const none = await rollout([]);

    expect(command).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('rollout: unknown command deploy-now\nusage:'),
    });
    expect(option).toMatchObject({ code: 2, stderr: expect.stringContaining("Unknown option '--colour'") });
    expect(option.stderr).toContain('usage: rollout status');
    expect(none).toMatchObject({ code: 2, stderr: expect.stringContaining('usage: rollout <command>') });
  });

  it('prints its version, from package.json, for --version and version', async () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

    const dashed = await rollout(['--version']);
    const word = await rollout(['version']);

    expect(dashed).toEqual({ code: 0, stdout: `sagemaker-rollout ${version}\n`, stderr: '' });
    expect(word).toEqual(dashed);
  });

  it('ends quietly when the reader of its output goes away (a pipe into head)', async () => {
    const { stdout, stderr } = await run('bash', ['-o', 'pipefail', '-c', 'node bin/rollout.mjs help | head -n 1'], {
      env: { ...process.env },
    });

    expect(stdout).toBe('usage: rollout <command> [options]   (rollout <command> --help for one command)\n');
    expect(stderr).toBe('');
  });
});

describe('rollout replay (the command)', () => {
  it('answers bad input with exit 2, a message naming the file and field, and no change', async () => {
    const badFiles = {
      malformed: writeScratch('malformed.json', '{"version": "0", "detail": '),
      missingField: changedPendingEvent('missing.json', (event) => {
        delete event.detail.ModelPackageArn;
      }),
      wrongArnKind: changedPendingEvent('wrong-arn.json', (event) => {
        event.detail.ModelPackageArn = 'arn:aws:sagemaker:us-east-1:123456789012:model-package-group/fraud-detector';
      }),
      unknownDetailType: changedPendingEvent('unknown-type.json', (event) => {
        event['detail-type'] = 'SageMaker Model Package Something Else';
      }),
      oversized: changedPendingEvent('oversized.json', (event) => {
        event.detail.padding = 'x'.repeat(300 * 1024);
      }),
      // Within EventBridge's 256 KB, and a model-package ARN by its pattern, but 100 times what SageMaker allows.
      hugeArn: changedPendingEvent('huge-arn.json', (event) => {
        event.detail.ModelPackageArn = `${event.detail.ModelPackageArn}${'0'.repeat(200 * 1024)}`;
      }),
    };

    const result = await rollout(['replay', '--json', ...Object.values(badFiles)]);

    expect(result.code).toBe(2);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { outcome: string; actions: unknown[] });
    expect(lines).toHaveLength(6);
    const [malformed, missingField, wrongArnKind, unknownDetailType, oversized, hugeArn] = lines.map(
      (line) => line.outcome,
    );
    expect(malformed).toMatch(new RegExp(`^error: ${badFiles.malformed}: not JSON`));
    expect(missingField).toContain(`${badFiles.missingField}: invalid event:\ndetail.ModelPackageArn:`);
    expect(wrongArnKind).toContain('detail.ModelPackageArn: expected a versioned model-package ARN');
    expect(unknownDetailType).toContain(
      'detail-type: no function listens to aws.sagemaker / SageMaker Model Package Something Else',
    );
    expect(oversized).toMatch(/larger than EventBridge's 262144-byte event limit/);
    expect(hugeArn).toBe(
      `error: ${badFiles.hugeArn}: invalid event:\ndetail.ModelPackageArn: expected at most 2048 characters (a model-package ARN, as SageMaker allows), got 204871`,
    );
    expect(lines.every((line) => line.actions.length === 0)).toBe(true);
    expect((await rollout(['replay', badFiles.hugeArn])).code).toBe(2); // on its own too: bad input, not a failure

    const described = await new SageMakerClient({}).send(
      new DescribeModelPackageCommand({ ModelPackageName: packageArn }),
    );
    expect(described.ModelApprovalStatus).toBe('PendingManualApproval');
    const table = local.context().settings.rolloutsTableName;
    expect((await new DynamoDBClient({}).send(new ScanCommand({ TableName: table }))).Items).toEqual([]);
  });

  it('exits 0 for ignored events and prints the plan of a dry run as JSON', async () => {
    const result = await rollout([
      'replay',
      '--json',
      '--dry-run',
      sampleEventPath('model-package-pending-approval'),
      sampleEventPath('model-package-rejected'),
      sampleEventPath('model-package-unconfigured-group'),
    ]);

    expect(result.code).toBe(0);
    const [approve, rejected, unconfigured] = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(approve).toMatchObject({
      file: sampleEventPath('model-package-pending-approval'),
      event: '768cad16-1f82-4c9d-8fbc-ee5efc49ee42',
      function: 'approve',
      outcome: 'approved',
    });
    expect(approve.actions[0]).toMatchObject({
      service: 'sagemaker',
      operation: 'UpdateModelPackage',
      input: { ModelPackageArn: packageArn, ModelApprovalStatus: 'Approved' },
    });
    expect(rejected).toMatchObject({ function: null, outcome: 'ignored: no rule matches this event', actions: [] });
    expect(unconfigured).toMatchObject({ function: 'approve', outcome: 'ignored: group not configured' });
  });

  it("replays an event as happening now, or at the file's own time with --event-time", async () => {
    const file = sampleEventPath('model-package-pending-approval');
    const recordedAt = async (args: string[]) => {
      const [report] = (await rollout(['replay', '--json', '--dry-run', ...args, file])).stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const put = report.actions.find((action: { operation: string }) => action.operation === 'PutItem');
      return put?.input.Item.recordedAt as string;
    };
    const before = Date.now();

    const now = await recordedAt([]);
    const own = await recordedAt(['--event-time']);

    expect(Date.parse(now)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(own).toBe(sampleEvent('model-package-pending-approval').time);
  });

  it('answers hostile events with exit 2 (malformed) or 0 (not ours), never 1, and changes nothing', async () => {
    const nullEvent = writeScratch('null.json', 'null');
    const foreign = changedPendingEvent('foreign.json', (event) => {
      event.account = '999999999999';
      event.detail.ModelPackageArn = packageArn.replace('123456789012', '999999999999');
    });
    const otherGroup = changedPendingEvent('other-group.json', (event) => {
      event.detail.ModelPackageGroupName = 'churn-model';
    });
    const missing = changedPendingEvent('missing-package.json', (event) => {
      event.detail.ModelPackageArn = packageArn.replace(/\/\d+$/, '/999');
    });
    const numericState = writeScratch(
      'numeric-state.json',
      JSON.stringify({ ...sampleEvent('alarm-fraud-prod-5xx-ok'), detail: { alarmName: 'a', state: { value: 3 } } }),
    );

    const malformed = await rollout(['replay', '--json', nullEvent, numericState]);
    const ignored = await rollout(['replay', '--json', foreign, otherGroup, missing]);

    expect(malformed.code).toBe(2);
    expect(malformed.stdout).toContain('(root): expected an EventBridge event (a JSON object), got null');
    expect(malformed.stdout).toContain('detail.state.value:');
    expect(ignored.code).toBe(0);
    const outcomes = ignored.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { outcome: string }).outcome);
    expect(outcomes).toEqual([
      'ignored: the event comes from account 999999999999 in us-east-1; this stack serves 123456789012 in us-east-1',
      `ignored: ${packageArn} does not belong to the group churn-model the event names`,
      `ignored: model package ${packageArn.replace(/\/\d+$/, '/999')} does not exist`,
    ]);
    for (const output of [malformed.stdout, malformed.stderr, ignored.stdout, ignored.stderr]) {
      expect(output).not.toMatch(/\n\s+at /); // no stack trace reaches a user
    }
    const described = await new SageMakerClient({}).send(
      new DescribeModelPackageCommand({ ModelPackageName: packageArn }),
    );
    expect(described.ModelApprovalStatus).toBe('PendingManualApproval');
  });

  it('refuses operator commands with an empty name, or an empty or too long reason, exit 2, before any call', async () => {
    const paused = await rollout(['pause', '']);
    const aborted = await rollout(['abort', 'fraud-prod', '--reason', '']);
    // 100 KB: Linux passes no single argument over 128 KB to a program.
    const essay = await rollout(['promote', 'fraud-prod', '--reason', 'why '.repeat(25 * 1024)]);

    expect(paused).toMatchObject({ code: 2, stderr: expect.stringContaining('rollout: endpoint "": expected') });
    expect(aborted).toMatchObject({ code: 2, stderr: expect.stringContaining('--reason must not be empty') });
    expect(essay).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--reason is 102,399 characters; at most 1,000'),
    });
    expect(essay.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 1 when AWS cannot be reached', async () => {
    const result = await rollout(['replay', sampleEventPath('model-package-pending-approval')], {
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      AWS_MAX_ATTEMPTS: '1',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('-> approve: error:');
  });

  it('refuses an invalid policy file with exit 2, naming the key', async () => {
    const policy = writeScratch(
      'policy.yml',
      'modelPackageGroups:\n  fraud-detector:\n    endpointName: fraud-prod\n    colour: blue\n',
    );
    const result = await rollout(['replay', '--config', policy, sampleEventPath('model-package-pending-approval')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('modelPackageGroups.fraud-detector.colour: unknown key');
  });
});

describe('the stage the command line uses', () => {
  const notDeployed = (url: string) =>
    `rollout: stage prod: table sagemaker-rollout-prod-rollouts not found at AWS_ENDPOINT_URL ${url} (the emulator holds stage local's stack: drop --stage / ROLLOUT_STAGE, or unset AWS_ENDPOINT_URL to reach AWS)\n`;

  it("answers a notice's command, run as printed against a stage not deployed, with the stage and what to set, exit 2", async () => {
    // The last line of a notice of a moving rollout on a stack deployed as stage prod, run by the shell as
    // printed (through node rather than npx, which resolves to the same bin/rollout.mjs, only slower).
    const printed = hintLine(commandToAct({ endpointName: 'fraud-prod', phase: 'Baking' }), 'prod');
    expect(printed).toBe('To stop it: npx rollout abort fraud-prod --stage prod --reason "..."');
    const command = printed.replace(/^To stop it: npx rollout/, 'node bin/rollout.mjs');

    const aborted = await shell(command);
    const fromEnvironment = await rollout(['status', 'fraud-prod'], { ROLLOUT_STAGE: 'prod' });
    const history = await rollout(['history', 'fraud-prod', '--json', '--stage', 'prod']);

    const expected = notDeployed(local.emulator.endpointUrl);
    for (const answer of [aborted, fromEnvironment, history]) {
      expect(answer).toEqual({ code: 2, stdout: '', stderr: expected });
    }
  });

  it('refuses a stage that cannot be one before any AWS call, exit 2', async () => {
    const result = await rollout(['status'], { ROLLOUT_STAGE: 'prod eu', AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });

    expect(result).toMatchObject({
      code: 2,
      stderr:
        'rollout: ROLLOUT_STAGE "prod eu": a stage is letters, digits and hyphens, as serverless deploy --stage took it\n',
    });
  });

  it('prints valid JSON for every read command when there is nothing to show', async () => {
    const status = await rollout(['status', '--json']);
    const unrecorded = await rollout(['status', 'fraud-prod', '--json']);
    const history = await rollout(['history', 'fraud-prod', '--json']);
    const groups = await rollout([
      'groups',
      '--json',
      '--config',
      writeScratch('empty.yml', 'modelPackageGroups: {}\n'),
    ]);

    expect(JSON.parse(status.stdout)).toEqual([]);
    expect(JSON.parse(unrecorded.stdout)).toEqual([]);
    expect(JSON.parse(history.stdout)).toEqual({
      endpointName: 'fraud-prod',
      rollouts: [],
      traffic: [],
      marks: [],
      entries: [],
      evidence: [],
    });
    // The registry holds one group (fraud-detector, registered above) that the empty policy does not configure.
    expect(JSON.parse(groups.stdout)).toEqual({
      stackName: 'sagemaker-rollout-local',
      groups: [
        { groupName: 'fraud-detector', configuredBy: null, inRegistry: true, endpointName: null, ownership: null },
      ],
      tagged: [],
      dryRun: false,
    });
    expect([status, unrecorded, history, groups].map((result) => result.code)).toEqual([0, 0, 0, 0]);
  });

  it('says the same of an endpoint without a rollout in status and history: the stage it looked in, exit 0', async () => {
    const status = await rollout(['status', 'fraud-prod']);
    const history = await rollout(['history', 'fraud-prod']);

    const said =
      "fraud-prod: no rollout recorded in stage local (not the endpoint's stage? name it with --stage or ROLLOUT_STAGE)\n";
    expect(status).toEqual({ code: 0, stdout: said, stderr: '' });
    expect(history).toEqual(status);
  });
});

// Last: it leaves a rollout in the table, which the tests above expect empty.
describe('operator commands from the command line', () => {
  it('records the caller as STS names them, and prints status as a JSON array of one object, on one line', async () => {
    const story = rolloutStory(local);
    await story.establishIncumbent();
    await story.approved(await story.registerApproved());
    await story.settle();
    await story.tick();

    const paused = await rollout(['pause', 'fraud-prod']);
    const status = await rollout(['status', 'fraud-prod', '--json']);

    expect(paused).toMatchObject({ code: 0, stdout: expect.stringContaining('(paused)') });
    const caller = (await new STSClient({}).send(new GetCallerIdentityCommand({}))).Arn;
    expect(caller).toMatch(/^arn:aws:(sts|iam)::123456789012:/);
    expect((await story.record())?.history.at(-1)).toMatchObject({ note: `paused by ${caller}`, actor: caller });
    expect(status.stdout.trim().split('\n')).toHaveLength(1);
    const views = JSON.parse(status.stdout) as unknown[];
    expect(views).toHaveLength(1);
    expect(views[0]).toMatchObject({
      endpointName: 'fraud-prod',
      phase: 'Baking',
      paused: true,
      traffic: [{ weightPercent: 90 }, { weightPercent: 10 }],
      history: expect.arrayContaining([expect.objectContaining({ actor: caller })]),
    });
  });

  it('prints every active rollout as JSON, and the history in the terminal and as a page', async () => {
    const page = join(scratch, 'history.html');

    const all = await rollout(['status', '--json']);
    const history = await rollout(['history', 'fraud-prod']);
    const historyJson = await rollout(['history', 'fraud-prod', '--json']);
    const written = await rollout(['history', 'fraud-prod', '--html', page]);

    expect((JSON.parse(all.stdout) as { endpointName: string }[]).map((view) => view.endpointName)).toEqual([
      'fraud-prod',
    ]);
    expect(JSON.parse(historyJson.stdout)).toMatchObject({
      endpointName: 'fraud-prod',
      rollouts: [{ phase: 'Completed' }, { phase: 'Baking' }],
      entries: expect.arrayContaining([expect.objectContaining({ phase: 'Baking', actor: 'sagemaker-rollout' })]),
    });
    expect(history).toMatchObject({ code: 0, stdout: expect.stringMatching(/^fraud-prod: rollout history/) });
    expect(history.stdout).toContain('traffic share per version');
    expect(written).toMatchObject({ code: 0, stdout: expect.stringMatching(/^wrote .*history\.html: \d+ decisions/) });
    expect(readFileSync(page, 'utf8')).toMatch(/^<!doctype html>/i);
  });
});
