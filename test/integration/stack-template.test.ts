import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventSource } from '#shared/rollout/decision-events.ts';
import { guardAlarmNamesFor } from '#shared/rollout/rollout-state.ts';
import {
  inlinePolicyCharacters,
  inlinePolicyQuota,
  resolvedIntrinsics as resolved,
  roleOf as roleIn,
  type TemplateResource,
} from '../../build/iam-size.ts';
import { readStackDefinition } from '../../cli/stack-definition.ts';
import { fleetGroup, fleetPipeline, fleetPolicyYaml } from '../../demo/fleet-seed.ts';
import { sampleEvent } from '../support/sample-events.ts';

const run = promisify(execFile);
// Everything this file writes, removed after it (serverless-esbuild leaves a folder per function in TMPDIR).
const scratch = mkdtempSync(join(tmpdir(), 'sagemaker-rollout-stack-test-'));
const packageDir = mkdtempSync(join(scratch, 'package-'));
const templatePath = join(packageDir, 'cloudformation-template-update-stack.json');
// The same stack for a fleet of a thousand per-shop groups, each listed by name with a delivery pipeline of its
// own (the hard case for IAM).
const fleetDir = mkdtempSync(join(scratch, 'fleet-package-'));
const fleetTemplatePath = join(fleetDir, 'cloudformation-template-update-stack.json');
const fleetSize = 1000;

type Resource = TemplateResource;
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
interface Output {
  Description?: string;
  Value: unknown;
  Export?: { Name: string };
}
let resources: Record<string, Resource>;
let outputs: Record<string, Output>;
let fleetResources: Record<string, Resource>;

function resourcesOfType(type: string, from = resources): [string, Resource][] {
  return Object.entries(from).filter(([, resource]) => resource.Type === type);
}

function statementsOfRole(role: Resource): Statement[] {
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

const roleOf = (functionName: string, from = resources) => roleIn(functionName, from);

const reportBuckets = 'team-evaluation-*';

// The root's rollout.config.yml is the user's starter, which refuses to package until filled in: the demo's policy.
const demoPolicy = 'examples/demo.config.yml';

const packageStack = (directory: string, env: Record<string, string> = {}, options: string[] = []) =>
  // `serverless package` works offline with dummy credentials and no login (osls).
  run('npx', ['serverless', 'package', '--stage', 'ci', '--package', directory, ...options], {
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'dummy',
      AWS_SECRET_ACCESS_KEY: 'dummy',
      TMPDIR: scratch,
      ROLLOUT_POLICY_FILE: demoPolicy,
      ...env,
    },
  });

beforeAll(async () => {
  const fleetPolicy = join(fleetDir, 'fleet.config.yml');
  writeFileSync(fleetPolicy, fleetPolicyYaml(fleetSize, { deliveryPipelines: true }));
  // One after the other: both build in the project's .esbuild folder.
  await packageStack(packageDir);
  // The fleet's report buckets differ from its artifact buckets, so the two grants can be told apart.
  await packageStack(fleetDir, { ROLLOUT_POLICY_FILE: fleetPolicy }, [
    `--param=evaluationReportBucketPattern=${reportBuckets}`,
  ]);
  ({ Resources: resources, Outputs: outputs } = JSON.parse(readFileSync(templatePath, 'utf8')));
  fleetResources = JSON.parse(readFileSync(fleetTemplatePath, 'utf8')).Resources;
}, 120_000);

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the packaged stack (serverless package)', () => {
  const { functionNames } = readStackDefinition('ci');

  it('passes cfn-lint with no errors', async () => {
    // cfn-lint's exit code is a bit field: 2 errors, 4 warnings, 8 informational.
    const exitCode = await run('cfn-lint', [templatePath]).then(
      () => 0,
      (error: { code: number | string }) => error.code,
    );
    // A missing cfn-lint is a missing prerequisite, never a pass (ENOENT's code is a string, and 'ENOENT' & 2 is 0).
    expect(typeof exitCode, 'cfn-lint must be installed (pip install cfn-lint): it is a prerequisite of npm test').toBe(
      'number',
    );
    expect((exitCode as number) & 2).toBe(0);
  });

  it('has the seven functions on nodejs22.x and arm64, each bundled on its own with the policy beside it', () => {
    const lambdas = resourcesOfType('AWS::Lambda::Function');
    expect(functionNames).toHaveLength(7);
    expect(lambdas).toHaveLength(functionNames.length);
    for (const [, lambda] of lambdas) {
      expect(lambda.Properties.Runtime).toBe('nodejs22.x');
      expect(lambda.Properties.Architectures).toEqual(['arm64']);
    }
    for (const name of functionNames) {
      expect(statSync(join(packageDir, `${name}.zip`)).size).toBeGreaterThan(0);
    }
  });

  it('gives every EventBridge target a retry policy and a dead-letter queue, and runs advance on a one-minute schedule', () => {
    const rules = resourcesOfType('AWS::Events::Rule');
    expect(rules.length).toBe(9);
    for (const [, rule] of rules) {
      for (const target of rule.Properties.Targets as Record<string, unknown>[]) {
        expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: expect.any(Number) });
        expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } });
      }
    }
    expect(rules.map(([, rule]) => rule.Properties.ScheduleExpression).filter(Boolean)).toEqual(['rate(1 minute)']);
  });

  it('wakes endpoint-events on any endpoint status change, and lets only the rollback function skip the rate budget', () => {
    const rules = resourcesOfType('AWS::Events::Rule').map(([, rule]) => rule.Properties);
    const stateChanges = rules.filter(
      (rule) =>
        JSON.stringify((rule.EventPattern as Record<string, unknown> | undefined)?.['detail-type']) ===
        '["SageMaker Endpoint State Change"]',
    );
    expect(stateChanges).toHaveLength(1);
    // Every status, whoever changed it: a quiet bake learns of a hand edit here (rollout/quiet-bake.ts).
    expect(stateChanges[0]?.EventPattern).toEqual({
      source: ['aws.sagemaker'],
      'detail-type': ['SageMaker Endpoint State Change'],
    });
    expect(JSON.stringify(stateChanges[0]?.Targets)).toContain('EndpointDasheventsLambdaFunction');
    const budgets = Object.fromEntries(
      resourcesOfType('AWS::Lambda::Function').map(([name, lambda]) => [
        name,
        (lambda.Properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables
          ?.ROLLOUT_RATE_BUDGET,
      ]),
    );
    expect(Object.entries(budgets).filter(([, budget]) => budget !== undefined)).toEqual([
      ['RollbackLambdaFunction', 'exempt'],
    ]);
  });

  it('lets no event arrive later than decisions can take: a tick at most a minute, anything else an hour', () => {
    // A late event decides at its record's time (rollout-clock.ts); bounding its age bounds what that can cost.
    const [[, schedule]] = resourcesOfType('AWS::Events::Rule').filter(
      ([, rule]) => rule.Properties.ScheduleExpression !== undefined,
    ) as [[string, Resource]];
    const [tickTarget] = schedule.Properties.Targets as { RetryPolicy: Record<string, number> }[];
    expect(tickTarget?.RetryPolicy.MaximumEventAgeInSeconds).toBe(60);
    const ages = Object.fromEntries(
      resourcesOfType('AWS::Lambda::EventInvokeConfig').map(([name, config]) => [
        name.replace(/LambdaEvConf$/, ''),
        config.Properties.MaximumEventAgeInSeconds,
      ]),
    );
    expect(ages).toEqual({
      Approve: 3600,
      Deploy: 3600,
      Advance: 60,
      Rollback: 3600,
      PipelineDashevents: 3600,
      EndpointDashevents: 3600,
    });
  });

  it('gives each function its own role, with no wildcard action', () => {
    const lambdas = resourcesOfType('AWS::Lambda::Function');
    const roleNames = lambdas.map(
      ([, lambda]) => (lambda.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0],
    );
    expect(new Set(roleNames).size).toBe(functionNames.length);
    for (const roleName of roleNames) {
      const role = resources[roleName as string] as Resource;
      for (const action of statementsOfRole(role).flatMap(actionsOf)) expect(action).not.toMatch(/\*/);
    }
  });

  it('passes only the configured execution roles, and only to SageMaker', () => {
    const passRoles = resourcesOfType('AWS::IAM::Role')
      .flatMap(([, role]) => statementsOfRole(role))
      .filter((statement) => actionsOf(statement).includes('iam:PassRole'));
    expect(passRoles.length).toBeGreaterThan(0);
    for (const statement of passRoles) {
      expect([statement.Resource].flat()).toEqual(['arn:aws:iam::123456789012:role/SageMakerExecution']);
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    }
  });

  it('lets approve change only the model packages of configured groups', () => {
    const approveRole = resources.ApproveIamRoleLambdaExecution as Resource;
    const update = statementsOfRole(approveRole).find((statement) =>
      actionsOf(statement).includes('sagemaker:UpdateModelPackage'),
    );
    const arns = JSON.stringify(update?.Resource);
    expect(arns).toContain('model-package/fraud-detector/*');
    expect(arns).toContain('model-package/churn-model/*');
    expect(arns).not.toContain('model-package/*"');
  });

  it('packs bundles that start on their own, with the policy compiled in and no YAML parser', async () => {
    const unpacked = mkdtempSync(join(scratch, 'unpacked-'));
    await run('unzip', ['-q', join(packageDir, 'approve.zip'), '-d', unpacked]);
    const bundle = join(unpacked, 'functions/approve/handler.mjs');
    const entry = readFileSync(bundle, 'utf8');
    expect(entry).not.toContain('YAMLParseError');
    // Only approve's own entry and chunks: serverless-esbuild would zip every function's chunks into each.
    const files = readdirSync(unpacked, { recursive: true, withFileTypes: true }).filter((file) => file.isFile());
    const names = files.map((file) => relative(unpacked, join(file.parentPath, file.name)));
    expect(names).toContain('functions/approve/handler.mjs');
    expect(names.filter((name) => !/^functions\/approve\/[\w-]+\.mjs$/.test(name))).toEqual([]);
    // S3 (an evaluation report's read) is a chunk of its own, imported on first use, not at load.
    const s3Chunk = files.find((file) => /^s3-\w+\.mjs$/.test(file.name))?.name;
    expect(s3Chunk).toBeDefined();
    expect(entry).not.toMatch(new RegExp(`from\\s*"\\./${s3Chunk}"`));
    expect(entry).toMatch(new RegExp(`import\\("\\./${s3Chunk}"\\)`));
    const invoke = `import(${JSON.stringify(bundle)}).then((m) => m.handler(${JSON.stringify(sampleEvent('model-package-manual-group'))})).then((r) => console.log(JSON.stringify(r)))`;

    const { stdout } = await run(process.execPath, ['-e', invoke], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        ROLLOUT_STACK_NAME: 'sagemaker-rollout-ci',
        ROLLOUT_PARAMETER_PREFIX: '/sagemaker-rollout/ci',
        ROLLOUTS_TABLE_NAME: 'sagemaker-rollout-ci-rollouts',
        NOTIFICATIONS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:sagemaker-rollout-ci-notifications',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });

    // churn-model is manual in examples/demo.config.yml: the bundled policy decided, without any AWS call.
    expect(JSON.parse(stdout)).toEqual({ outcome: 'ignored: manual approval' });
  });

  it('keeps rollout state in a table with sparse indexes of active rollouts and awaited executions, and a TTL', () => {
    const [[, table] = []] = resourcesOfType('AWS::DynamoDB::Table');
    expect(table?.Properties).toMatchObject({
      TableName: 'sagemaker-rollout-ci-rollouts',
      BillingMode: 'PAY_PER_REQUEST',
      GlobalSecondaryIndexes: [
        expect.objectContaining({ IndexName: 'active-rollouts' }),
        expect.objectContaining({ IndexName: 'pipeline-executions' }),
      ],
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
  });

  it('keeps the table when the stack is removed or the table replaced: the rollouts’ records and history', () => {
    expect(resources.RolloutsTable).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
  });

  it('exports, each described and named <service>-<stage>-<what>, the topic and its key, the table, the dead-letter queue and where the decisions go', () => {
    const exported = (name: string, what: string, value: unknown) => {
      expect(outputs[name], name).toEqual({
        Description: expect.stringMatching(/\w/),
        Value: value,
        Export: { Name: `sagemaker-rollout-ci-${what}` },
      });
    };
    exported('NotificationsTopicArn', 'notifications-topic-arn', { Ref: 'NotificationsTopic' });
    exported('NotificationsKeyAlias', 'notifications-key-alias', { Ref: 'NotificationsKeyAlias' });
    exported('NotificationsKeyArn', 'notifications-key-arn', { 'Fn::GetAtt': ['NotificationsKey', 'Arn'] });
    exported('RolloutsTableName', 'rollouts-table-name', { Ref: 'RolloutsTable' });
    exported('DeadLetterQueueUrl', 'dead-letter-queue-url', { Ref: 'DeadLetterQueue' });
    exported('DeadLetterQueueArn', 'dead-letter-queue-arn', { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] });
    // The stack has no bus of its own: the decisions go where the functions may put them, with the code's source.
    const [decisionEvents] = statementsOfRole(roleOf('advance')).filter((statement) =>
      actionsOf(statement).includes('events:PutEvents'),
    );
    exported('DecisionEventBusArn', 'decision-event-bus-arn', decisionEvents?.Resource);
    exported('DecisionEventSource', 'decision-event-source', eventSource);

    // Each reference is to the resource it says: Ref of a topic is its ARN, of a queue its URL, of an alias its name.
    const typeOf = (logicalId: string) => resources[logicalId]?.Type;
    expect(typeOf('NotificationsTopic')).toBe('AWS::SNS::Topic');
    expect(typeOf('NotificationsKey')).toBe('AWS::KMS::Key');
    expect(typeOf('NotificationsKeyAlias')).toBe('AWS::KMS::Alias');
    expect(typeOf('RolloutsTable')).toBe('AWS::DynamoDB::Table');
    expect(typeOf('DeadLetterQueue')).toBe('AWS::SQS::Queue');
  });
});

const clientPrefixes: Record<string, string> = {
  '@aws-sdk/client-sagemaker': 'sagemaker',
  '@aws-sdk/client-application-auto-scaling': 'application-autoscaling',
  '@aws-sdk/client-cloudwatch': 'cloudwatch',
  '@aws-sdk/client-dynamodb': 'dynamodb',
  '@aws-sdk/lib-dynamodb': 'dynamodb',
  '@aws-sdk/client-sns': 'sns',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-codepipeline': 'codepipeline',
  '@aws-sdk/client-s3': 's3',
  '@aws-sdk/client-ssm': 'ssm',
  '@aws-sdk/client-sagemaker-runtime': 'sagemaker',
  '@aws-sdk/client-eventbridge': 'events',
};
/** Commands whose IAM action has another name: the document client's, and batches authorized as their single call. */
const actionNames: Record<string, string | string[]> = {
  // CopyObject reads the source and writes the target; HeadObject is authorized as GetObject.
  's3:CopyObject': ['s3:GetObject', 's3:PutObject'],
  's3:HeadObject': 's3:GetObject',
  'dynamodb:Get': 'dynamodb:GetItem',
  'dynamodb:Put': 'dynamodb:PutItem',
  'dynamodb:Update': 'dynamodb:UpdateItem',
  'dynamodb:Delete': 'dynamodb:DeleteItem',
  'dynamodb:BatchGet': 'dynamodb:BatchGetItem',
  'dynamodb:BatchWrite': 'dynamodb:BatchWriteItem',
  'sqs:SendMessageBatch': 'sqs:SendMessage',
};

/** Every AWS call the functions' code makes (`new XCommand(` in shared/ and functions/), as IAM actions. */
function actionsTheCodeCalls(): Set<string> {
  const actions = new Set<string>();
  for (const folder of ['shared', 'functions']) {
    for (const file of readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const source = readFileSync(join(folder, file), 'utf8');
      const clientOf = new Map<string, string>();
      for (const [, names = '', from = ''] of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*'(@aws-sdk\/[^']+)'/g)) {
        for (const name of names.split(',')) clientOf.set(name.trim(), from);
      }
      for (const [, command = ''] of source.matchAll(/new (\w+)Command\(/g)) {
        const prefix = clientPrefixes[clientOf.get(`${command}Command`) ?? ''];
        if (prefix === undefined) throw new Error(`${folder}/${file}: ${command}Command from an unknown client`);
        for (const action of [actionNames[`${prefix}:${command}`] ?? `${prefix}:${command}`].flat())
          actions.add(action);
      }
    }
  }
  return actions;
}

describe('the functions’ IAM policies', () => {
  const reconcilers = ['deploy', 'advance', 'rollback', 'pipeline-events', 'reconcile-worker', 'endpoint-events'];
  const allFunctions = ['approve', ...reconcilers];
  const stackTag = { 'aws:RequestTag/sagemaker-rollout:stack': 'sagemaker-rollout-ci' };
  const stackResourceTag = { 'aws:ResourceTag/sagemaker-rollout:stack': 'sagemaker-rollout-ci' };

  it('grant every AWS call the code makes; each reconciler can make all but the approval report read and the queue calls', () => {
    const called = actionsTheCodeCalls();
    expect(called.size).toBeGreaterThan(30);
    const granted = (name: string) => new Set(statementsOfRole(roleOf(name)).flatMap(actionsOf));
    const grantedToAny = new Set(allFunctions.flatMap((name) => [...granted(name)]));
    expect([...called].filter((action) => !grantedToAny.has(action))).toEqual([]);
    for (const name of reconcilers) {
      const missing = [...called].filter(
        (action) => !granted(name).has(action) && action !== 's3:GetObject' && !action.startsWith('sqs:'),
      );
      expect({ name, missing }).toEqual({ name, missing: [] });
    }
  });

  it('create, change and delete endpoints, configs and models only with the stack’s tag', () => {
    const tagged = [
      'CreateModel',
      'CreateEndpointConfig',
      'AddTags',
      'UpdateEndpointWeightsAndCapacities',
      'DeleteModel',
      'DeleteEndpointConfig',
    ];
    for (const name of allFunctions) {
      for (const statement of statementsOfRole(roleOf(name))) {
        const actions = actionsOf(statement).map((action) => action.replace(/^sagemaker:/, ''));
        if (actions.some((action) => tagged.includes(action))) {
          expect(statement.Condition).toEqual({
            StringEquals:
              actions.includes('CreateModel') || actions.includes('CreateInferenceComponent')
                ? stackTag
                : stackResourceTag,
          });
        }
        // The endpoint itself must be tagged; a config it is pointed at need not be (a rollback to the team's).
        if (
          actions.some((action) => action === 'CreateEndpoint' || action === 'UpdateEndpoint') &&
          statement.Condition === undefined
        ) {
          expect(statement.Resource).toEqual({
            'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:endpoint-config/*`,
          });
        }
      }
    }
  });

  it("create inference components only with the stack's tag, and change and read only this account's components", () => {
    const components = {
      'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:inference-component/*`,
    };
    for (const name of reconcilers) {
      const statements = statementsOfRole(roleOf(name));
      const create = statements.filter((statement) =>
        actionsOf(statement).includes('sagemaker:CreateInferenceComponent'),
      );
      expect(create).toEqual([
        {
          Effect: 'Allow',
          Action: ['sagemaker:CreateInferenceComponent', 'sagemaker:AddTags'],
          Resource: components,
          Condition: { StringEquals: stackTag },
        },
      ]);
      const change = statements.filter((statement) =>
        actionsOf(statement).includes('sagemaker:UpdateInferenceComponent'),
      );
      expect(change).toEqual([
        {
          Effect: 'Allow',
          Action: ['sagemaker:DescribeInferenceComponent', 'sagemaker:UpdateInferenceComponent'],
          Resource: components,
        },
      ]);
    }
    const approve = statementsOfRole(roleOf('approve')).flatMap(actionsOf);
    expect(approve.filter((action) => action.includes('InferenceComponent'))).toEqual([]);
  });

  it('read evaluation reports, and only them, where packages are judged: approve, deploy and pipeline-events', () => {
    const reports = { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${reportBuckets}/*` };
    const readers = allFunctions.filter((name) =>
      statementsOfRole(roleOf(name, fleetResources)).some(
        (statement) => JSON.stringify(statement.Resource) === JSON.stringify(reports),
      ),
    );
    expect(readers).toEqual(['approve', 'deploy', 'pipeline-events']);
    for (const name of readers) {
      const grants = statementsOfRole(roleOf(name, fleetResources)).filter(
        (statement) => JSON.stringify(statement.Resource) === JSON.stringify(reports),
      );
      expect(grants.map(actionsOf)).toEqual([['s3:GetObject']]);
    }
  });

  it('write the guard alarms it creates by name, and the team’s only where they invoke a variant’s scaling policy', () => {
    const [prefix] = guardAlarmNamesFor('fraud-prod', 'fraud-detector-2').errors.split('fraud-prod');
    const alarms = `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:`;
    for (const name of reconcilers) {
      const writes = statementsOfRole(roleOf(name)).filter((statement) =>
        actionsOf(statement).includes('cloudwatch:PutMetricAlarm'),
      );
      expect(writes).toEqual([
        {
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms'],
          Resource: { 'Fn::Sub': `${alarms}${prefix}*` },
        },
        {
          Effect: 'Allow',
          Action: ['cloudwatch:PutMetricAlarm'],
          Resource: { 'Fn::Sub': `${alarms}*` },
          Condition: {
            'ForAnyValue:StringLike': {
              'cloudwatch:AlarmActions': {
                'Fn::Sub': `arn:\${AWS::Partition}:autoscaling:\${AWS::Region}:\${AWS::AccountId}:scalingPolicy:*:resource/sagemaker/endpoint/*`,
              },
            },
          },
        },
      ]);
    }
  });

  it(`fit IAM's 10,240 characters per role with the sample policy and with ${fleetSize} groups`, () => {
    const largest = (from: Record<string, Resource>) =>
      Math.max(...allFunctions.map((name) => inlinePolicyCharacters(roleOf(name, from))));
    const sample = largest(resources);
    const fleet = largest(fleetResources);
    expect(sample).toBeLessThanOrEqual(inlinePolicyQuota);
    expect(fleet).toBeLessThanOrEqual(inlinePolicyQuota);
    // Only the model package and delivery pipeline lists grow, and only to their limits of 30 and 10 globs.
    expect(fleet - sample).toBeLessThan((30 + 10) * 80);
  });

  it(`approve and reject the versions of all ${fleetSize} groups through a few prefix globs, and no other group's`, () => {
    const update = statementsOfRole(roleOf('approve', fleetResources)).find((statement) =>
      actionsOf(statement).includes('sagemaker:UpdateModelPackage'),
    );
    const globs = (resolved(update?.Resource) as string[]).map((arn) => arn.split(':model-package/')[1] as string);
    expect(globs.length).toBeLessThanOrEqual(30);
    const matchers = globs.map((glob) => new RegExp(`^${glob.replaceAll('*', '.*')}$`));
    for (let index = 0; index < fleetSize; index += 1) {
      expect(matchers.some((matcher) => matcher.test(`${fleetGroup(index)}/7`))).toBe(true);
    }
    expect(matchers.some((matcher) => matcher.test('fraud-detector/7'))).toBe(false);
    expect(matchers.some((matcher) => matcher.test('shop-1000/7'))).toBe(false);
  });

  it('leave on "*" only the actions that have no resource types, and read model packages only as model packages', () => {
    // Service Authorization Reference: none of these has a resource type to scope it by.
    const unscoped = new Set([
      'sagemaker:ListModelPackages',
      'cloudwatch:GetMetricData',
      'application-autoscaling:DescribeScalableTargets',
      'application-autoscaling:DescribeScalingPolicies',
      'application-autoscaling:DescribeScheduledActions',
    ]);
    for (const name of allFunctions) {
      const statements = statementsOfRole(roleOf(name));
      const onEverything = statements.filter((statement) => [statement.Resource].flat().includes('*'));
      expect({ name, actions: onEverything.flatMap(actionsOf).filter((action) => !unscoped.has(action)) }).toEqual({
        name,
        actions: [],
      });
      const describes = statements.filter((statement) =>
        actionsOf(statement).includes('sagemaker:DescribeModelPackage'),
      );
      expect(describes).toHaveLength(1);
      expect(describes[0]?.Resource).toEqual({
        'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:model-package/*`,
      });
    }
  });

  it('change auto scaling only of SageMaker variants’ instance counts', () => {
    for (const name of reconcilers) {
      const writes = statementsOfRole(roleOf(name)).filter((statement) =>
        actionsOf(statement).includes('application-autoscaling:RegisterScalableTarget'),
      );
      expect(writes).toHaveLength(1);
      expect(actionsOf(writes[0] as Statement).every((action) => !action.includes(':Describe'))).toBe(true);
      expect(writes[0]?.Resource).toEqual({
        'Fn::Sub': `arn:\${AWS::Partition}:application-autoscaling:\${AWS::Region}:\${AWS::AccountId}:scalable-target/*`,
      });
      expect(writes[0]?.Condition).toEqual({
        StringEquals: {
          'application-autoscaling:service-namespace': 'sagemaker',
          'application-autoscaling:scalable-dimension': 'sagemaker:variant:DesiredInstanceCount',
        },
      });
    }
  });

  it('read and write S3 objects only in buckets of the stack’s own account', () => {
    const ownAccount = { StringEquals: { 's3:ResourceAccount': { Ref: 'AWS::AccountId' } } };
    for (const name of allFunctions) {
      const s3 = statementsOfRole(roleOf(name)).filter((statement) =>
        actionsOf(statement).some((action) => action.startsWith('s3:')),
      );
      expect(s3.length).toBeGreaterThan(0);
      for (const statement of s3)
        expect({ name, condition: statement.Condition }).toEqual({ name, condition: ownAccount });
    }
    // The approval's evaluation report is one of those reads.
    const reports = statementsOfRole(roleOf('approve')).filter((statement) =>
      JSON.stringify(statement.Resource).includes(':s3:::sagemaker-*/*'),
    );
    expect(reports.map(actionsOf)).toEqual([['s3:GetObject']]);
  });

  it('make KMS grants only through SageMaker and only for AWS resources', () => {
    const throughSageMaker = { 'kms:ViaService': { 'Fn::Sub': `sagemaker.\${AWS::Region}.amazonaws.com` } };
    // The notifications key, used through SNS, is checked with the topic.
    const notificationsKey = (statement: Statement) => JSON.stringify(statement.Resource).includes('NotificationsKey');
    for (const name of reconcilers) {
      const kms = statementsOfRole(roleOf(name)).filter(
        (statement) => actionsOf(statement).some((action) => action.startsWith('kms:')) && !notificationsKey(statement),
      );
      const grant = kms.find((statement) => actionsOf(statement).includes('kms:CreateGrant'));
      expect(actionsOf(grant as Statement)).toEqual(['kms:CreateGrant']);
      expect(grant?.Condition).toEqual({
        StringEquals: throughSageMaker,
        Bool: { 'kms:GrantIsForAWSResource': 'true' },
      });
      // DescribeKey has no grant in its request: the same condition would deny it.
      const others = kms.filter((statement) => statement !== grant);
      expect(others.map(actionsOf)).toEqual([['kms:DescribeKey']]);
      expect(others[0]?.Condition).toEqual({ StringEquals: throughSageMaker });
    }
  });

  it(`start and read only the policy’s delivery pipelines, ${fleetSize} of them through a few prefix globs`, () => {
    const pipelineArns = (from: Record<string, Resource>) =>
      statementsOfRole(roleOf('deploy', from))
        .filter((statement) => actionsOf(statement).some((action) => action.startsWith('codepipeline:')))
        .map((statement) => {
          expect(actionsOf(statement)).toEqual([
            'codepipeline:StartPipelineExecution',
            'codepipeline:GetPipelineExecution',
          ]);
          return resolved(statement.Resource) as string[];
        });
    // The sample policy has none: a name that no pipeline has.
    expect(pipelineArns(resources)).toEqual([
      ['arn:aws:codepipeline:ap-southeast-2:123456789012:sagemaker-rollout-no-delivery-pipeline'],
    ]);
    const [fleetArns = []] = pipelineArns(fleetResources);
    expect(fleetArns.length).toBeLessThanOrEqual(10);
    const matchers = fleetArns.map((arn) => {
      expect(arn).toMatch(/^arn:aws:codepipeline:ap-southeast-2:123456789012:[^:*]+\*?$/);
      return new RegExp(`^${arn.replaceAll('*', '.*')}$`);
    });
    const arnOf = (pipeline: string) => `arn:aws:codepipeline:ap-southeast-2:123456789012:${pipeline}`;
    for (let index = 0; index < fleetSize; index += 1) {
      expect(matchers.some((matcher) => matcher.test(arnOf(fleetPipeline(index))))).toBe(true);
    }
    expect(matchers.some((matcher) => matcher.test(arnOf('release-everything')))).toBe(false);
  });

  it('encrypt the notifications topic with its own key, and let only the functions and the stack’s health alarms publish, over TLS only', () => {
    const topic = resources.NotificationsTopic as Resource;
    expect(topic.Properties.KmsMasterKeyId).toEqual({ Ref: 'NotificationsKey' });
    const key = resources.NotificationsKey as Resource;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const healthAlarmArns = {
      'Fn::Sub': `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:sagemaker-rollout-ci-health-*`,
    };
    const onlyHealthAlarms = {
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: { 'aws:SourceArn': healthAlarmArns },
    };
    // CloudWatch may use the key only to publish this stack's health alarms; the account administers it.
    expect((key.Properties.KeyPolicy as { Statement: unknown[] }).Statement).toEqual([
      {
        Sid: 'AccountAdministers',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Sub': `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:root` } },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        Sid: 'StackHealthAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: ['kms:GenerateDataKey*', 'kms:Decrypt'],
        Resource: '*',
        Condition: onlyHealthAlarms,
      },
    ]);
    // Every function that publishes may use the key, through SNS only.
    for (const name of allFunctions) {
      expect(statementsOfRole(roleOf(name))).toContainEqual({
        Effect: 'Allow',
        Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
        Resource: { 'Fn::GetAtt': ['NotificationsKey', 'Arn'] },
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Sub': `sns.\${AWS::Region}.amazonaws.com` } } },
      });
    }
    // The health alarms are the only alarms that publish to the topic, and no rule targets it.
    const alarms = resourcesOfType('AWS::CloudWatch::Alarm');
    expect(alarms.map(([, alarm]) => alarm.Properties.AlarmName).sort()).toEqual([
      'sagemaker-rollout-ci-health-dead-letters',
      'sagemaker-rollout-ci-health-function-errors',
      'sagemaker-rollout-ci-health-tick-stopped',
    ]);
    for (const [, rule] of resourcesOfType('AWS::Events::Rule')) {
      expect(JSON.stringify(rule.Properties.Targets)).not.toContain('NotificationsTopic');
    }
    // The code writes alarm actions only to re-point the team's alarms at their step scaling policies, never the topic.
    for (const folder of ['shared', 'functions']) {
      for (const file of readdirSync(folder, { recursive: true, encoding: 'utf8' })) {
        const text = file.endsWith('.ts') ? readFileSync(join(folder, file), 'utf8') : '';
        if (text.includes('AlarmActions')) expect(text, file).not.toMatch(/notificationsTopicArn|NotificationsTopic/);
      }
    }

    const topicPolicies = resourcesOfType('AWS::SNS::TopicPolicy');
    expect(topicPolicies).toHaveLength(1);
    const [[, topicPolicy]] = topicPolicies as [[string, Resource]];
    expect(topicPolicy.Properties.Topics).toEqual([{ Ref: 'NotificationsTopic' }]);
    const statements = (topicPolicy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const functionRoles = resourcesOfType('AWS::Lambda::Function').map(([, lambda]) => lambda.Properties.Role);
    expect(statements.filter((statement) => statement.Effect === 'Allow')).toEqual([
      {
        Sid: 'FunctionsPublish',
        Effect: 'Allow',
        Principal: { AWS: expect.arrayContaining(functionRoles) },
        Action: 'sns:Publish',
        Resource: { Ref: 'NotificationsTopic' },
      },
      {
        Sid: 'StackHealthAlarmsPublish',
        Effect: 'Allow',
        Principal: { Service: 'cloudwatch.amazonaws.com' },
        Action: 'sns:Publish',
        Resource: { Ref: 'NotificationsTopic' },
        Condition: onlyHealthAlarms,
      },
    ]);
    const allowed = statements.find((statement) => statement.Effect === 'Allow') as { Principal: { AWS: unknown[] } };
    expect(allowed.Principal.AWS).toHaveLength(allFunctions.length);
    expect(statements.filter((statement) => statement.Effect === 'Deny')).toEqual([
      {
        Sid: 'TlsOnly',
        Effect: 'Deny',
        Principal: '*',
        Action: 'sns:Publish',
        Resource: { Ref: 'NotificationsTopic' },
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      },
    ]);
  });

  it('watch the stack itself: dead letters, every function’s errors, and the tick not running, each told to the topic', () => {
    const alarm = (name: string) => (resources[name] as Resource).Properties;
    const toTopic = { AlarmActions: [{ Ref: 'NotificationsTopic' }], OKActions: [{ Ref: 'NotificationsTopic' }] };
    expect(alarm('HealthDeadLettersAlarm')).toMatchObject({
      ...toTopic,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] } }],
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      TreatMissingData: 'notBreaching',
    });
    // A tick that does not run publishes no datapoint: missing data must count as the tick stopped.
    expect(alarm('HealthTickStoppedAlarm')).toMatchObject({
      ...toTopic,
      Namespace: 'AWS/Lambda',
      MetricName: 'Invocations',
      Dimensions: [{ Name: 'FunctionName', Value: { Ref: 'AdvanceLambdaFunction' } }],
      Statistic: 'Sum',
      Period: 60,
      EvaluationPeriods: 5,
      DatapointsToAlarm: 5,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
    });
    // Every function's errors, summed: a function added later must be added here too.
    const errors = alarm('HealthFunctionErrorsAlarm');
    expect(errors).toMatchObject({ ...toTopic, EvaluationPeriods: 3, DatapointsToAlarm: 2, Threshold: 0 });
    const metrics = errors.Metrics as {
      Id: string;
      Expression?: string;
      MetricStat?: { Metric: { MetricName: string; Dimensions: { Value: { Ref: string } }[] } };
    }[];
    const watched = metrics.flatMap((metric) => (metric.MetricStat === undefined ? [] : [metric.MetricStat.Metric]));
    expect(watched.every((metric) => metric.MetricName === 'Errors')).toBe(true);
    const functionIds = resourcesOfType('AWS::Lambda::Function').map(([id]) => id);
    expect(watched.map((metric) => metric.Dimensions[0]?.Value.Ref).sort()).toEqual([...functionIds].sort());
    const sum = metrics.find((metric) => metric.Expression !== undefined);
    expect(sum?.Expression).toBe(
      `SUM([${metrics
        .filter((metric) => metric.MetricStat)
        .map((metric) => metric.Id)
        .join(', ')}])`,
    );
  });

  it(`keep a ${fleetSize}-group stack well inside CloudFormation's limits, with the worker's queue read one message and ten workers at a time`, () => {
    expect(statSync(fleetTemplatePath).size).toBeLessThan(1_000_000);
    expect(Object.keys(fleetResources).length).toBeLessThan(500);
    expect(Object.keys(fleetResources).length).toBe(Object.keys(resources).length);
    const [[, mapping] = []] = resourcesOfType('AWS::Lambda::EventSourceMapping', fleetResources);
    expect(mapping?.Properties).toMatchObject({ BatchSize: 1, ScalingConfig: { MaximumConcurrency: 10 } });
  });
});
