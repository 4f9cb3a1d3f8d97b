// What a serverless group's policy may ask of a serverless endpoint: AWS's feature exclusions the policy can
// express are refused with the key's path and AWS's rule (shared/policy/serverless-schema.ts).
import { describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import { parsePolicy } from '#shared/policy/load-policy.ts';

const policyWith = ({
  model = '',
  defaults = '',
  target = 'serverless: { memorySizeInMB: 2048, maxConcurrency: 20 }',
}) => `
defaults:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  approval: { mode: manual }
${defaults}
modelPackageGroups:
  search-ranker:
    endpointName: search-prod
    ${target}
    rollout: { strategy: canary, steps: [20, 100], bakeMinutes: 10 }
${model === '' ? '' : `    model: ${model}`}
`;

function problemsOf(text: string): string {
  try {
    parsePolicy(text, 't.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
}

const vpc = '{ securityGroupIds: [sg-1], subnets: [subnet-1] }';

describe('a serverless group’s model settings (AWS’s serverless feature exclusions)', () => {
  it.each([
    [
      `{ vpcConfig: ${vpc} }`,
      'model.vpcConfig: not on a serverless endpoint: Serverless Inference does not support VPC configuration',
    ],
    [
      '{ enableNetworkIsolation: true }',
      'model.enableNetworkIsolation: not on a serverless endpoint: Serverless Inference does not support network isolation',
    ],
    [
      '{ inferenceExecution: Serial }',
      'model.inferenceExecution: not on a serverless endpoint: it says how the containers of an inference pipeline run, and Serverless Inference does not support inference pipelines',
    ],
    ['{ inferenceExecution: Direct }', 'model.inferenceExecution: not on a serverless endpoint'],
  ])('refuses %s, naming the key and the rule', (model, problem) => {
    expect(problemsOf(policyWith({ model }))).toContain(`modelPackageGroups.search-ranker.${problem}`);
  });

  it('reports every excluded setting at once', () => {
    const problems = problemsOf(
      policyWith({ model: `{ vpcConfig: ${vpc}, enableNetworkIsolation: true, inferenceExecution: Serial }` }),
    );
    expect(problems.split('\n').filter((line) => line.includes('not on a serverless endpoint'))).toHaveLength(3);
  });

  it('takes what a serverless model has anyway: no isolation, and environment variables', () => {
    const policy = parsePolicy(
      policyWith({ model: '{ enableNetworkIsolation: false, environment: { LOG_LEVEL: debug } }' }),
      't.yml',
    );
    expect(policy.group('search-ranker')?.model).toEqual({
      enableNetworkIsolation: false,
      environment: { LOG_LEVEL: 'debug' },
    });
  });

  it('refuses a VPC the defaults give every group: a security setting is never dropped without a word', () => {
    const text = policyWith({ defaults: `  model: { vpcConfig: ${vpc} }` });
    expect(problemsOf(text)).toContain(
      'modelPackageGroups.search-ranker.model.vpcConfig: not on a serverless endpoint',
    );
  });

  it('leaves the same settings to a group on instances', () => {
    const onInstances = policyWith({
      target: 'instanceType: ml.m5.large\n    initialInstanceCount: 1',
      model: `{ vpcConfig: ${vpc}, enableNetworkIsolation: true, inferenceExecution: Serial }`,
    });
    expect(parsePolicy(onInstances, 't.yml').group('search-ranker')?.model.inferenceExecution).toBe('Serial');
  });
});

describe('a serverless rollout SageMaker must finish within MaximumExecutionTimeoutInSeconds (8 h)', () => {
  const withRollout = (rollout: string) =>
    policyWith({}).replace('rollout: { strategy: canary, steps: [20, 100], bakeMinutes: 10 }', `rollout: ${rollout}`);

  it('counts every wait: a bake after each linear shift and the termination wait, at 60 min each, and the deadline', () => {
    expect(() =>
      parsePolicy(withRollout('{ strategy: linear, steps: [20, 40, 60, 80, 100], bakeMinutes: 60 }'), 't.yml'),
    ).not.toThrow();
    expect(
      problemsOf(
        withRollout('{ strategy: linear, steps: [10, 20, 30, 40, 50, 60, 70, 80, 90, 100], bakeMinutes: 60 }'),
      ),
    ).toContain(
      "modelPackageGroups.search-ranker.rollout.bakeMinutes: the deployment would take 12.0 h, past SageMaker's 8 h limit",
    );
  });

  it('counts the canary’s final bake and termination wait, not only its steps', () => {
    // 3 waits of 60 min and a 5-hour deadline: 8 h exactly is allowed; one minute of deadline more is not.
    expect(() =>
      parsePolicy(
        withRollout('{ strategy: canary, steps: [20, 100], bakeMinutes: 60, progressDeadlineMinutes: 300 }'),
        't.yml',
      ),
    ).not.toThrow();
    expect(
      problemsOf(withRollout('{ strategy: canary, steps: [20, 100], bakeMinutes: 60, progressDeadlineMinutes: 301 }')),
    ).toContain("the deployment would take 8.0 h, past SageMaker's 8 h limit");
  });
});
