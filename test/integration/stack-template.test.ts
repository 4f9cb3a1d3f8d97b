import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { sampleEvent } from '../support/sample-events.ts';

const run = promisify(execFile);
const packageDir = mkdtempSync(join(tmpdir(), 'sagemaker-rollout-package-'));
const templatePath = join(packageDir, 'cloudformation-template-update-stack.json');

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}
let resources: Record<string, Resource>;

function resourcesOfType(type: string): [string, Resource][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

function statementsOfRole(role: Resource): Statement[] {
  const policies = role.Properties.Policies as { PolicyDocument: { Statement: Statement[] } }[];
  return policies.flatMap((policy) => policy.PolicyDocument.Statement);
}

function actionsOf(statement: Statement): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

beforeAll(async () => {
  // `serverless package` works offline with dummy credentials and no login (osls).
  await run('npx', ['serverless', 'package', '--stage', 'ci', '--package', packageDir], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'dummy', AWS_SECRET_ACCESS_KEY: 'dummy' },
  });
  resources = JSON.parse(readFileSync(templatePath, 'utf8')).Resources;
}, 120_000);

describe('the packaged stack (serverless package)', () => {
  const functionNames = ['approve', 'deploy', 'advance', 'rollback', 'pipeline-events', 'reconcile-worker'];

  it('passes cfn-lint with no errors', async () => {
    // cfn-lint's exit code is a bit field: 2 errors, 4 warnings, 8 informational.
    const exitCode = await run('cfn-lint', [templatePath]).then(
      () => 0,
      (error: { code: number }) => error.code,
    );
    expect(exitCode & 2).toBe(0);
  });

  it('has the six functions on nodejs22.x and arm64, each bundled on its own with the policy beside it', () => {
    const lambdas = resourcesOfType('AWS::Lambda::Function');
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
    expect(rules.length).toBe(6);
    for (const [, rule] of rules) {
      for (const target of rule.Properties.Targets as Record<string, unknown>[]) {
        expect(target.RetryPolicy).toMatchObject({ MaximumRetryAttempts: expect.any(Number) });
        expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] } });
      }
    }
    expect(rules.map(([, rule]) => rule.Properties.ScheduleExpression).filter(Boolean)).toEqual(['rate(1 minute)']);
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
    const unpacked = mkdtempSync(join(tmpdir(), 'sagemaker-rollout-unpacked-'));
    await run('unzip', ['-q', join(packageDir, 'approve.zip'), '-d', unpacked]);
    const bundle = join(unpacked, 'functions/approve/handler.js');
    expect(readFileSync(bundle, 'utf8')).not.toContain('YAMLParseError');
    const invoke = `require(${JSON.stringify(bundle)}).handler(${JSON.stringify(sampleEvent('model-package-manual-group'))}).then((r) => console.log(JSON.stringify(r)))`;

    const { stdout } = await run(process.execPath, ['-e', invoke], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: 'us-east-1',
        ROLLOUTS_TABLE_NAME: 'sagemaker-rollout-ci-rollouts',
        NOTIFICATIONS_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:sagemaker-rollout-ci-notifications',
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
    });

    // churn-model is manual in rollout.config.yml: the bundled policy decided, without any AWS call.
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
});
