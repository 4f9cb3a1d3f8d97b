import { describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import { loadPolicyFile, parsePolicy } from '#shared/policy/load-policy.ts';
import { parsePolicyDocument } from '#shared/policy/policy-document.ts';

const validGroup = `
    endpointName: fraud-prod
    executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
    instanceType: ml.m5.large
    initialInstanceCount: 1
    approval:
      mode: auto
      rules:
        - metric: binary_classification_metrics.auc.value
          min: 0.85
    rollout:
      strategy: canary
      steps: [10, 50, 100]
      bakeMinutes: 10`;

function problemsOf(text: string): string {
  try {
    parsePolicy(text, 'test.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
}

describe('policy file', () => {
  it('accepts the demo policy, examples/demo.config.yml', () => {
    const policy = loadPolicyFile('examples/demo.config.yml');
    expect(policy.explicitGroups).toEqual([
      'fraud-detector',
      'search-ranker',
      'pricing-model',
      'transcriber',
      'nightly-scoring',
      'churn-model',
    ]);
  });

  it('accepts the live mode policy, its bakes in seconds', () => {
    const policy = loadPolicyFile('demo/live.config.yml');
    expect(policy.group('fraud-detector')?.rollout).toMatchObject({ steps: [10, 50, 100], bakeMinutes: 0.34 });
  });

  it('defaults capacity to proportional, the progress deadline to an hour, and model overrides to none', () => {
    const group = parsePolicy(`modelPackageGroups:\n  fraud-detector:${validGroup}\n`, 'test.yml').group(
      'fraud-detector',
    );
    expect(group?.rollout.capacity).toBe('proportional');
    expect(group?.rollout.progressDeadlineMinutes).toBe(60);
    expect(group?.rollout.challenger).toEqual({ minInstanceCount: 1 });
    expect(group?.model).toEqual({});
  });

  it('names the field of a bad capacity, deadline, challenger or model setting', () => {
    const bad = validGroup.replace(
      '      bakeMinutes: 10',
      `      bakeMinutes: 10
      capacity: half
      progressDeadlineMinutes: 0
      challenger: { instanceType: c5.large, minInstances: 2 }
    model:
      vpcConfig: { securityGroupIds: [], subnets: [subnet-1] }
      enableNetworkIsolation: yes-please`,
    );
    const problems = problemsOf(`modelPackageGroups:\n  fraud-detector:${bad}\n`);
    for (const path of [
      'modelPackageGroups.fraud-detector.rollout.capacity:',
      'modelPackageGroups.fraud-detector.rollout.progressDeadlineMinutes: expected a whole number >= 1',
      'modelPackageGroups.fraud-detector.rollout.challenger.instanceType: expected an instance type',
      'modelPackageGroups.fraud-detector.rollout.challenger.minInstances: unknown key',
      'modelPackageGroups.fraud-detector.model.vpcConfig.securityGroupIds: expected at least one security group',
      'modelPackageGroups.fraud-detector.model.enableNetworkIsolation:',
    ]) {
      expect(problems).toContain(path);
    }
  });

  it('merges defaults under each group, the group winning key by key', () => {
    const policy = parsePolicy(
      `defaults:
  rollout: { strategy: canary, steps: [10, 100], bakeMinutes: 10, alarms: [shared-alarm] }
modelPackageGroups:
  fraud-detector:${validGroup.replace('      steps: [10, 50, 100]\n      bakeMinutes: 10', '      bakeMinutes: 3')}
`,
      'test.yml',
    );
    const rollout = policy.group('fraud-detector')?.rollout;
    expect(rollout?.bakeMinutes).toBe(3);
    expect(rollout?.steps).toEqual([10, 100]);
    expect(rollout?.alarms).toEqual(['shared-alarm']);
  });

  it('names the key path of an unknown key', () => {
    const problems = problemsOf(`modelPackageGroups:\n  fraud-detector:${validGroup}\n      bakeMinuts: 3\n`);
    expect(problems).toContain('modelPackageGroups.fraud-detector.rollout.bakeMinuts: unknown key');
  });

  it('refuses auto approval without rules, so nothing is approved without evidence', () => {
    const text = `modelPackageGroups:\n  fraud-detector:${validGroup.replace(/rules:\n.*\n.*min: 0.85/, 'rules: []')}\n`;
    expect(problemsOf(text)).toContain(
      'modelPackageGroups.fraud-detector.approval.rules: auto mode needs at least one rule',
    );
  });

  it('judges versions registered already Approved unless the policy trusts approval at registration', () => {
    const groupOf = (group: string) =>
      parsePolicy(`modelPackageGroups:\n  fraud-detector:${group}\n`, 'test.yml').group('fraud-detector');
    expect(groupOf(validGroup)?.approval.trustRegistrationApproval).toBe(false);
    const trusting = validGroup.replace('mode: auto', 'mode: auto\n      trustRegistrationApproval: true');
    expect(groupOf(trusting)?.approval.trustRegistrationApproval).toBe(true);

    const misspelt = validGroup.replace('mode: auto', 'mode: auto\n      trustRegistrationApprovals: true');
    expect(problemsOf(`modelPackageGroups:\n  fraud-detector:${misspelt}\n`)).toContain(
      'modelPackageGroups.fraud-detector.approval.trustRegistrationApprovals: unknown key',
    );
    const notBoolean = validGroup.replace('mode: auto', 'mode: auto\n      trustRegistrationApproval: "yes"');
    expect(problemsOf(`modelPackageGroups:\n  fraud-detector:${notBoolean}\n`)).toContain(
      'modelPackageGroups.fraud-detector.approval.trustRegistrationApproval:',
    );
  });

  it('requires steps that increase and end at 100', () => {
    expect(problemsOf(`modelPackageGroups:\n  g1:${validGroup.replace('[10, 50, 100]', '[50, 10]')}\n`)).toMatch(
      /modelPackageGroups\.g1\.rollout\.steps\[1\]: steps must increase[\s\S]*steps: the last step must be 100/,
    );
  });

  it('requires equal increments for a linear rollout', () => {
    const text = `modelPackageGroups:\n  g1:${validGroup.replace('strategy: canary', 'strategy: linear')}\n`;
    expect(problemsOf(text)).toContain('modelPackageGroups.g1.rollout.steps: linear steps must be equal increments');
  });

  it('refuses a champion margin when the rule does not say which way is better', () => {
    const text = `modelPackageGroups:\n  g1:${validGroup.replace('min: 0.85', 'min: 0.85\n          max: 0.99\n          beatChampionBy: 0.01')}\n`;
    expect(problemsOf(text)).toContain('modelPackageGroups.g1.approval.rules[0].beatChampionBy');
  });

  it('refuses two groups on one endpoint', () => {
    const text = `modelPackageGroups:\n  g1:${validGroup}\n  g2:${validGroup}\n`;
    expect(problemsOf(text)).toContain(
      'modelPackageGroups.g2.endpointName: endpoint fraud-prod is already used by group g1',
    );
  });

  it('names the field of a wrongly typed value', () => {
    const text = `modelPackageGroups:\n  g1:${validGroup.replace('initialInstanceCount: 1', 'initialInstanceCount: one')}\n`;
    expect(problemsOf(text)).toContain('modelPackageGroups.g1.initialInstanceCount:');
  });

  it('reports YAML that does not parse', () => {
    expect(problemsOf('modelPackageGroups: [unclosed')).toContain('test.yml: not valid YAML');
  });

  describe('group patterns', () => {
    const fleet = (groups: string) =>
      parsePolicy(
        `defaults:${validGroup.replace('    endpointName: fraud-prod\n', '')}\nmodelPackageGroups:\n${groups}`,
        'test.yml',
      );

    it('gives every group a pattern matches its own policy, {group} replaced by its name', () => {
      const policy = fleet(
        `  customer-*:\n    endpointName: "{group}-prod"\n    rollout: { alarms: ["{group}-5xx"] }\n`,
      );

      const group = policy.group('customer-0042');
      expect(group?.endpointName).toBe('customer-0042-prod');
      expect(group?.rollout.alarms).toEqual(['customer-0042-5xx']);
      expect(group?.instanceType).toBe('ml.m5.large'); // from the defaults
      expect(policy.group('supplier-1')).toBeUndefined();
    });

    it('lets a group listed by name win over a pattern, and the more specific pattern over the broader', () => {
      const policy = fleet(
        [
          '  customer-*:\n    endpointName: "{group}-prod"',
          '  customer-eu-*:\n    endpointName: "{group}-eu"',
          '  customer-vip:\n    endpointName: vip-prod',
          '',
        ].join('\n'),
      );

      expect(policy.group('customer-vip')?.endpointName).toBe('vip-prod');
      expect(policy.group('customer-eu-7')?.endpointName).toBe('customer-eu-7-eu');
      expect(policy.group('customer-us-7')?.endpointName).toBe('customer-us-7-prod');
    });

    it('refuses a pattern whose endpoint name is shared by every group it matches', () => {
      expect(problemsOf(`modelPackageGroups:\n  customer-*:${validGroup}\n`)).toContain(
        "modelPackageGroups.customer-*.endpointName: a pattern's endpoint name must contain {group}",
      );
    });

    it('validates a pattern as its shortest match, naming the pattern', () => {
      const problems = problemsOf(
        `modelPackageGroups:\n  customer-*:${validGroup.replace('endpointName: fraud-prod', 'endpointName: "{group}-prod"').replace('bakeMinutes: 10', 'bakeMinutes: soon')}\n`,
      );
      expect(problems).toContain('modelPackageGroups.customer-*.rollout.bakeMinutes:');
    });

    it('validates groups only when first used when it is told to (a Lambda start), and remembers them', () => {
      const policy = parsePolicyDocument(
        { modelPackageGroups: { broken: { endpointName: 'x' }, 'customer-*': { endpointName: '{group}' } } },
        'bundle',
        'on use',
      );
      expect(policy.explicitGroups).toEqual(['broken']);
      expect(() => policy.group('broken')).toThrow(/modelPackageGroups\.broken\.executionRoleArn/);
    });
  });
});

describe('one group per endpoint', () => {
  const policyWith = (groups: string) => `
defaults:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  instanceType: ml.m5.large
  initialInstanceCount: 1
  approval: { mode: manual }
  rollout: { strategy: canary, steps: [10, 100], bakeMinutes: 10 }
modelPackageGroups:
${groups}`;
  const churnPattern = '  "churn-*": { endpointName: "{group}-prod" }\n';
  const mme = (key: string) =>
    `  ${key}: { multiModel: { endpointName: customers-mme, modelPrefix: "s3://models/churn/" } }\n`;

  it('refuses a name whose endpoint a pattern gives one of its groups, naming both keys and the endpoint', () => {
    const named = '  x: { endpointName: churn-globex-prod }\n';
    expect(problemsOf(policyWith(churnPattern + named))).toContain(
      'modelPackageGroups.x.endpointName: endpoint churn-globex-prod is already used by group churn-globex (pattern churn-*)',
    );
    expect(problemsOf(policyWith(named + churnPattern))).toContain(
      'modelPackageGroups.churn-*.endpointName: endpoint churn-globex-prod of its group churn-globex is already used by group x',
    );
  });

  it('refuses two patterns whose groups would share an endpoint, naming a shared endpoint and its two groups', () => {
    const legacy = '  "legacy-*": { endpointName: "churn-{group}" }\n';
    expect(problemsOf(policyWith(churnPattern + legacy))).toContain(
      'modelPackageGroups.legacy-*.endpointName: endpoint churn-legacy-prod of its group legacy-prod is already used by group churn-legacy (pattern churn-*)',
    );
    // a-b is a-*'s (a-b-* needs the hyphen): a-b-x is the endpoint of a-b and of a-b-x.
    const nested = '  "a-*": { endpointName: "{group}-x" }\n  "a-b-*": { endpointName: "{group}" }\n';
    expect(problemsOf(policyWith(nested))).toContain(
      'modelPackageGroups.a-b-*.endpointName: endpoint a-b-x of its group a-b-x is already used by group a-b (pattern a-*)',
    );
  });

  it('accepts what only looks alike: a group listed by name on the pattern’s name for it, a pattern that wins', () => {
    const policy = parsePolicy(
      policyWith(
        [
          churnPattern,
          '  churn-acme: { endpointName: churn-acme-prod }\n',
          '  "churn-eu-*": { endpointName: "{group}-prod" }\n',
          '  "eu-*": { endpointName: "eu-{group}" }\n',
          '  "*": { endpointName: "{group}-prod" }\n',
          // The one endpoint a-* and a-b-* could share is a-b's, and a-b is listed with its own.
          '  "a-*": { endpointName: "{group}-x" }\n  "a-b-*": { endpointName: "{group}" }\n',
          '  a-b: { endpointName: ab-main }\n',
        ].join(''),
      ),
      'test.yml',
    );
    expect(policy.group('churn-acme')?.endpointName).toBe('churn-acme-prod');
    expect(policy.group('churn-eu-7')?.endpointName).toBe('churn-eu-7-prod');
    expect(policy.group('a-b-x')?.endpointName).toBe('a-b-x');
  });

  it('lets multi-model groups share their endpoint, but no group with an endpoint of its own join them', () => {
    expect(parsePolicy(policyWith(mme('"*-churn"') + mme('acme-churn')), 't.yml').group('globex-churn')).toBeDefined();
    expect(problemsOf(policyWith(`${mme('"*-churn"')}  customers-mme: { endpointName: customers-mme }\n`))).toContain(
      'modelPackageGroups.customers-mme.endpointName: endpoint customers-mme is already used by the groups of pattern *-churn',
    );
    expect(problemsOf(policyWith(`${mme('"*-churn"')}  "customers-*": { endpointName: "{group}" }\n`))).toContain(
      'modelPackageGroups.customers-*.endpointName: endpoint customers-mme of its group customers-mme is already used by the groups of pattern *-churn',
    );
  });

  it('requires {group} once in a pattern’s endpoint name, so that the group can be read back from it', () => {
    expect(problemsOf(policyWith('  "churn-*": { endpointName: "{group}-{group}" }\n'))).toContain(
      "modelPackageGroups.churn-*.endpointName: a pattern's endpoint name must contain {group} once",
    );
  });

  describe('at start, when a function resolves a group (the bundle’s policy is checked on use)', () => {
    const onUse = (groups: Record<string, unknown>) =>
      parsePolicyDocument(
        {
          defaults: {
            executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
            instanceType: 'ml.m5.large',
            initialInstanceCount: 1,
            approval: { mode: 'manual' },
            rollout: { strategy: 'canary', steps: [10, 100], bakeMinutes: 10 },
          },
          modelPackageGroups: groups,
        },
        'bundle',
        'on use',
      );

    it('refuses both groups of an endpoint claimed twice, as not configured, and says why', () => {
      const policy = onUse({ 'churn-*': { endpointName: '{group}-prod' }, x: { endpointName: 'churn-globex-prod' } });

      expect(policy.lookup('churn-globex')).toEqual({
        kind: 'endpoint claimed twice',
        endpointName: 'churn-globex-prod',
        claimant: { key: 'churn-*', groupName: 'churn-globex', shared: false },
        other: { key: 'x', groupName: 'x', shared: false },
        reason: 'endpoint churn-globex-prod is claimed by group churn-globex (pattern churn-*) and by group x',
      });
      expect(policy.group('churn-globex')).toBeUndefined();
      expect(policy.lookup('x')).toMatchObject({ kind: 'endpoint claimed twice', other: { key: 'churn-*' } });
      expect(policy.group('x')).toBeUndefined();
      // The pattern's other groups have endpoints of their own.
      expect(policy.group('churn-acme')?.endpointName).toBe('churn-acme-prod');
      expect(policy.lookup('supplier-1')).toEqual({ kind: 'not configured' });
    });

    it('decides among 1,000 groups listed by name without listing a pattern’s groups', () => {
      const shops = Object.fromEntries(
        Array.from({ length: 1000 }, (_, index) => [`shop-${index}`, { endpointName: `shop-${index}-prod` }]),
      );
      const policy = onUse({
        ...shops,
        'shop-*': { endpointName: '{group}-prod' },
        'shop-9-*': { endpointName: 'eu-{group}' },
        x: { endpointName: 'shop-uk-prod' },
      });

      expect(policy.group('shop-12')?.endpointName).toBe('shop-12-prod');
      expect(policy.group('shop-eu')?.endpointName).toBe('shop-eu-prod');
      expect(policy.group('shop-9-prod')?.endpointName).toBe('eu-shop-9-prod');
      expect(policy.lookup('shop-uk')).toMatchObject({ kind: 'endpoint claimed twice', other: { key: 'x' } });
      expect(policy.lookup('shop-999')).toMatchObject({ kind: 'configured' });
    });

    it('lets multi-model groups share their endpoint', () => {
      const multiModel = { endpointName: 'customers-mme', modelPrefix: 's3://models/churn/' };
      const policy = onUse({ '*-churn': { multiModel }, 'acme-churn': { multiModel } });
      expect(policy.group('acme-churn')?.endpointName).toBe('customers-mme/acme-churn');
      expect(policy.group('globex-churn')?.endpointName).toBe('customers-mme/globex-churn');
    });
  });
});

describe('a serverless group', () => {
  const serverlessGroup = (rollout: string, serverless = '{ memorySizeInMB: 2048, maxConcurrency: 20 }') => `
defaults:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  instanceType: ml.m5.large
  initialInstanceCount: 1
  approval: { mode: manual }
modelPackageGroups:
  search-ranker:
    endpointName: search-prod
    serverless: ${serverless}
    rollout: ${rollout}
`;

  it('drops the defaults’ instances: its own target wins', () => {
    const policy = parsePolicy(serverlessGroup('{ strategy: canary, steps: [20, 100], bakeMinutes: 10 }'), 't.yml');
    const group = policy.group('search-ranker');
    expect(group?.serverless).toEqual({ memorySizeInMB: 2048, maxConcurrency: 20 });
    expect(group?.instanceType).toBeUndefined();
    expect(group?.initialInstanceCount).toBeUndefined();
  });

  it.each([
    ['{ strategy: canary, steps: [10, 50, 100], bakeMinutes: 10 }', 'rollout.steps: a serverless canary is one step'],
    ['{ strategy: canary, steps: [60, 100], bakeMinutes: 10 }', 'rollout.steps[0]: a serverless canary is at most 50%'],
    [
      '{ strategy: linear, steps: [5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 100], bakeMinutes: 1 }',
      'rollout.steps[0]: a serverless linear step is 10% to 50%',
    ],
    [
      '{ strategy: shadow, steps: [100], bakeMinutes: 10 }',
      'rollout.strategy: a serverless endpoint cannot hold a shadow variant',
    ],
    [
      '{ strategy: canary, steps: [10, 100], bakeMinutes: 90 }',
      'rollout.bakeMinutes: at most 60 on a serverless endpoint',
    ],
  ])('refuses steps SageMaker’s guardrails cannot take (%s), naming the key', (rollout, problem) => {
    expect(problemsOf(serverlessGroup(rollout))).toContain(`modelPackageGroups.search-ranker.${problem}`);
  });

  it.each([
    ['{ memorySizeInMB: 1500, maxConcurrency: 20 }', 'serverless.memorySizeInMB: expected 1024, 2048, ... or 6144'],
    ['{ memorySizeInMB: 2048, maxConcurrency: 500 }', 'serverless.maxConcurrency: expected 1 to 200'],
    [
      '{ memorySizeInMB: 2048, maxConcurrency: 5, provisionedConcurrency: 8 }',
      'serverless.provisionedConcurrency: at most maxConcurrency (5)',
    ],
  ])('checks the serverless config as SageMaker does (%s)', (serverless, problem) => {
    const text = serverlessGroup('{ strategy: all-at-once, bakeMinutes: 5 }', serverless);
    expect(problemsOf(text)).toContain(`modelPackageGroups.search-ranker.${problem}`);
  });

  it('refuses a group with both targets, and one with none', () => {
    const both = serverlessGroup('{ strategy: all-at-once, bakeMinutes: 5 }').replace(
      '    serverless:',
      '    instanceType: ml.c5.large\n    serverless:',
    );
    expect(problemsOf(both)).toContain('modelPackageGroups.search-ranker.serverless: a group has one target, not');
    const none = `modelPackageGroups:\n  g1:${validGroup.replace('    instanceType: ml.m5.large\n', '')}\n`;
    expect(problemsOf(none)).toContain('modelPackageGroups.g1.instanceType: a real-time group needs instanceType');
    const noTarget = none.replace('    initialInstanceCount: 1\n', '');
    expect(problemsOf(noTarget)).toContain('modelPackageGroups.g1.instanceType: a group needs a target');
  });
});

describe('groups without an endpoint of their own', () => {
  const policyWith = (groups: string) => `
defaults:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  approval: { mode: manual }
  rollout: { strategy: canary, steps: [10, 100], bakeMinutes: 10 }
modelPackageGroups:
${groups}`;
  const mme = 'multiModel: { endpointName: customers-mme, modelPrefix: "s3://models/customers/" }';

  it('keys a multi-model group’s rollouts by the shared endpoint and its own name, a pattern’s by each group', () => {
    const policy = parsePolicy(policyWith(`  acme-churn: { ${mme} }\n  "churn-*": { ${mme} }\n`), 't.yml');
    expect(policy.group('acme-churn')?.endpointName).toBe('customers-mme/acme-churn');
    expect(policy.group('churn-globex')?.endpointName).toBe('customers-mme/churn-globex');
    expect(policy.group('churn-globex')?.multiModel).toEqual({
      endpointName: 'customers-mme',
      modelPrefix: 's3://models/customers/',
    });
  });

  it('gives a batch group a rollout of its own when the policy has none', () => {
    const text = `
defaults:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  approval: { mode: manual }
modelPackageGroups:
  nightly-scoring:
    batchTransform: { inputS3Uri: "s3://scoring/input/", outputS3Uri: "s3://scoring/output/", instanceType: ml.m5.xlarge }
`;
    const group = parsePolicy(text, 't.yml').group('nightly-scoring');
    expect(group?.endpointName).toBe('batch/nightly-scoring');
    expect(group?.rollout.strategy).toBe('all-at-once');
    expect(group?.batchTransform?.instanceCount).toBe(1);
  });

  describe('a whole switch, which no strategy steps', () => {
    const batch =
      'batchTransform: { inputS3Uri: "s3://scoring/input/", outputS3Uri: "s3://scoring/output/", instanceType: ml.m5.xlarge }';

    it('needs no strategy: all-at-once, the defaults’ canary left to the groups that step traffic', () => {
      const policy = parsePolicy(
        policyWith(`  acme-churn: { ${mme}, rollout: { bakeMinutes: 5 } }\n  nightly: { ${batch} }\n`),
        't.yml',
      );

      for (const groupName of ['acme-churn', 'nightly']) {
        expect(policy.group(groupName)?.rollout).toMatchObject({ strategy: 'all-at-once', steps: [100] });
      }
      expect(policy.group('acme-churn')?.rollout.bakeMinutes).toBe(5);
      expect(policy.group('nightly')?.rollout.bakeMinutes).toBe(10); // the defaults' other keys still apply
    });

    it('takes all-at-once and [100] when a group gives them', () => {
      const text = policyWith(
        `  acme-churn: { ${mme}, rollout: { strategy: all-at-once, steps: [100], bakeMinutes: 5 } }\n`,
      );
      expect(parsePolicy(text, 't.yml').group('acme-churn')?.rollout.strategy).toBe('all-at-once');
    });

    it('drops the defaults’ strategy when the defaults give the target too', () => {
      const text = `
defaults:
  executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution
  approval: { mode: manual }
  ${mme}
  rollout: { strategy: canary, steps: [10, 100], bakeMinutes: 10 }
modelPackageGroups:
  acme-churn: {}
`;
      expect(parsePolicy(text, 't.yml').group('acme-churn')?.rollout.strategy).toBe('all-at-once');
    });

    it.each([
      [
        `  g1: { ${mme}, rollout: { strategy: canary, steps: [10, 100], bakeMinutes: 5 } }\n`,
        'g1.rollout.strategy: only all-at-once (or none): clients choose the model on a multi-model endpoint (TargetModel), so there are no weights to step',
      ],
      [
        `  g1: { ${mme}, rollout: { strategy: ab-test, weightPercent: 50, durationHours: 1, bakeMinutes: 5 } }\n`,
        'g1.rollout.strategy: only all-at-once (or none): clients choose the model',
      ],
      [
        `  g1: { ${mme}, rollout: { steps: [50, 100], bakeMinutes: 5 } }\n`,
        'g1.rollout.steps: only [100] (or none): clients choose the model on a multi-model endpoint',
      ],
      [
        `  g1: { ${batch}, rollout: { strategy: linear, steps: [50, 100], bakeMinutes: 0 } }\n`,
        'g1.rollout.strategy: only all-at-once (or none): a transform job has no traffic to step',
      ],
      [
        `  g1: { ${batch}, rollout: { steps: [50], bakeMinutes: 0 } }\n`,
        'g1.rollout.steps: only [100] (or none): a transform job has no traffic to step',
      ],
    ])('refuses a strategy that would step traffic (%#), naming the key and why', (groups, problem) => {
      expect(problemsOf(policyWith(groups))).toContain(`modelPackageGroups.${problem}`);
    });

    it('still requires the strategy of a group that steps traffic', () => {
      const realTime = validGroup.replace('      strategy: canary\n', '');
      expect(problemsOf(`modelPackageGroups:\n  g1:${realTime}\n`)).toContain(
        'modelPackageGroups.g1.rollout.strategy: expected the strategy: canary, linear, all-at-once, shadow, ab-test',
      );
    });
  });

  it.each([
    [
      `  g1: { ${mme}, endpointName: g1-prod }\n`,
      'g1.endpointName: a multi-model group names its shared endpoint in multiModel.endpointName',
    ],
    [
      '  g1: { multiModel: { endpointName: mme, modelPrefix: "s3://models/no-slash" } }\n',
      'g1.multiModel.modelPrefix: expected an s3:// prefix ending with /',
    ],
    [
      '  g1: { batchTransform: { inputS3Uri: "http://x", outputS3Uri: "s3://o/", instanceType: ml.m5.large } }\n',
      'g1.batchTransform.inputS3Uri: expected an s3:// URI',
    ],
    [
      `  g1: { ${mme}, instanceType: ml.m5.large }\n`,
      'g1.multiModel: a group has one target, not instanceType and multiModel',
    ],
    [
      `  g1: { endpointName: customers-mme, instanceType: ml.m5.large, initialInstanceCount: 1 }\n  g2: { ${mme} }\n`,
      "g2.multiModel.endpointName: endpoint customers-mme is group g1's own",
    ],
  ])('names what is wrong (%#)', (groups, problem) => {
    expect(problemsOf(policyWith(groups))).toContain(`modelPackageGroups.${problem}`);
  });
});

describe('problems an editor can act on', () => {
  it('reports a misspelt key of defaults once, at defaults and its line, with the key it likely means', () => {
    const text = `defaults:
  rolout:
    bakeMinutes: 3
modelPackageGroups:
  fraud-detector:${validGroup}
  pricing-model:${validGroup.replace('fraud-prod', 'pricing-prod')}
`;
    const lines = problemsOf(text).split('\n');
    expect(lines).toEqual(['test.yml:', 'line 2: defaults.rolout: unknown key (did you mean rollout?)']);
  });

  it("gives a group's problem its line, and suggests nothing for a key that resembles none", () => {
    const misspelt = validGroup.replace(
      'mode: auto',
      'mode: auto\n      trustRegistrationAproval: true\n      colour: blue',
    );
    const lines = problemsOf(`modelPackageGroups:\n  fraud-detector:${misspelt}\n`).split('\n');
    expect(lines).toContain(
      'line 9: modelPackageGroups.fraud-detector.approval.trustRegistrationAproval: unknown key (did you mean trustRegistrationApproval?)',
    );
    expect(lines).toContain('line 10: modelPackageGroups.fraud-detector.approval.colour: unknown key');
  });
});
