import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCompiledPolicy } from '#shared/policy/compiled-policy.ts';
import { loadPolicyFile } from '#shared/policy/load-policy.ts';

const policyResources = createRequire(import.meta.url)('../../../build/serverless/policy-resources.cjs') as {
  globsWithin(names: readonly string[], limit: number): string[];
  executionRoleArns(): string[];
  modelPackageResources(): { 'Fn::Sub': string }[];
  deliveryPipelineResources(): { 'Fn::Sub': string }[];
  modelPrefixResources(): { 'Fn::Sub': string }[];
  policyDocumentLiteral(): string;
  policyParseCount(): number;
};
const { globsWithin } = policyResources;

const matches = (glob: string, name: string) => new RegExp(`^${glob.replaceAll('*', '.*')}$`).test(name);
const groupName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);

describe('globsWithin (IAM resource lists that fit a role)', () => {
  it('keeps the names when they fit', () => {
    expect(globsWithin(['fraud-detector', 'churn-model', 'shop-*'], 30)).toEqual([
      'fraud-detector',
      'churn-model',
      'shop-*',
    ]);
  });

  it('merges only names that share a prefix, the longest prefixes first', () => {
    const shops = Array.from({ length: 1000 }, (_, index) => `shop-${String(index).padStart(4, '0')}`);
    expect(globsWithin([...shops, 'fraud-detector'], 30)).toEqual([
      ...Array.from({ length: 10 }, (_, index) => `shop-0${index}*`),
      'fraud-detector',
    ]);
  });

  it('drops a name a pattern already covers', () => {
    expect(globsWithin(['shop-*', 'shop-0001', 'shop-eu-*'], 30)).toEqual(['shop-*']);
  });

  it('always matches every name, within the limit', () => {
    fc.assert(
      fc.property(fc.array(groupName, { maxLength: 200 }), fc.integer({ min: 1, max: 40 }), (names, limit) => {
        const globs = globsWithin(names, limit);
        expect(globs.length).toBeLessThanOrEqual(Math.max(limit, 1));
        for (const name of names) expect(globs.some((glob) => matches(glob, name))).toBe(true);
      }),
    );
  });
});

describe('the policy file the statements are derived from', () => {
  const previous = process.env.ROLLOUT_POLICY_FILE;
  afterEach(() => {
    if (previous === undefined) delete process.env.ROLLOUT_POLICY_FILE;
    else process.env.ROLLOUT_POLICY_FILE = previous;
  });

  function usePolicy(yaml: string) {
    const file = join(mkdtempSync(join(tmpdir(), 'policy-resources-')), 'rollout.config.yml');
    writeFileSync(file, yaml);
    process.env.ROLLOUT_POLICY_FILE = file;
  }

  it('is ROLLOUT_POLICY_FILE when set; a pattern stands for its groups, {group} in its role for any name', () => {
    usePolicy(
      [
        'defaults: { executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution }',
        'modelPackageGroups:',
        '  fraud-detector: { endpointName: fraud-prod }',
        '  "store-*": { endpointName: "{group}-prod", executionRoleArn: "arn:aws:iam::123456789012:role/{group}-exec" }',
      ].join('\n'),
    );
    expect(policyResources.executionRoleArns()).toEqual([
      'arn:aws:iam::123456789012:role/SageMakerExecution',
      'arn:aws:iam::123456789012:role/*-exec',
    ]);
    expect(policyResources.modelPackageResources().map((arn) => arn['Fn::Sub'].split(':model-package/')[1])).toEqual([
      'fraud-detector/*',
      'store-*/*',
    ]);
  });

  it('starts only the delivery pipelines the policy names, a pattern’s {group} standing for any name', () => {
    const pipelines = () => policyResources.deliveryPipelineResources().map((arn) => arn['Fn::Sub'].split(':').at(-1));
    usePolicy(
      [
        'defaults: { executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution }',
        'modelPackageGroups:',
        '  fraud-detector: { endpointName: fraud-prod, deliveryPipeline: { name: fraud-release } }',
        '  "store-*": { endpointName: "{group}-prod", deliveryPipeline: { name: "{group}-release" } }',
        '  churn-model: { endpointName: churn-prod }',
      ].join('\n'),
    );
    expect(pipelines()).toEqual(['fraud-release', '*-release']);
    // None in the policy: IAM wants a resource, so one that names no pipeline.
    usePolicy('modelPackageGroups:\n  fraud-detector: { endpointName: fraud-prod }\n');
    expect(pipelines()).toEqual(['sagemaker-rollout-no-delivery-pipeline']);
  });

  it('refuses the starter rollout.config.yml, naming its placeholder, and packages the demo policy', () => {
    delete process.env.ROLLOUT_POLICY_FILE;
    expect(() => policyResources.executionRoleArns()).toThrow(
      /rollout\.config\.yml: defaults\.executionRoleArn is still the starter's placeholder .*: fill in the policy/,
    );

    process.env.ROLLOUT_POLICY_FILE = 'examples/demo.config.yml';
    expect(policyResources.executionRoleArns()).toEqual(['arn:aws:iam::123456789012:role/SageMakerExecution']);
  });

  it('refuses a group whose endpoint is still a placeholder', () => {
    usePolicy(
      [
        'defaults: { executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution }',
        'modelPackageGroups:',
        '  fraud-detector: { endpointName: <your-endpoint-name> }',
      ].join('\n'),
    );
    expect(() => policyResources.modelPackageResources()).toThrow(
      /modelPackageGroups\.fraud-detector\.endpointName is still the starter's placeholder \(<your-endpoint-name>\)/,
    );
  });

  it('names the group without an execution role', () => {
    usePolicy('modelPackageGroups:\n  fraud-detector: { endpointName: fraud-prod }\n');
    expect(() => policyResources.executionRoleArns()).toThrow(
      /modelPackageGroups\.fraud-detector needs executionRoleArn/,
    );
  });

  it('parses the policy once for all the variables serverless resolves, and again once the file changes', () => {
    // Prepare
    const groups = (count: number) =>
      [
        'defaults: { executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution }',
        'modelPackageGroups:',
        ...Array.from({ length: count }, (_, index) => `  shop-${index}: { endpointName: shop-${index}-prod }`),
      ].join('\n');
    usePolicy(groups(3));
    const before = policyResources.policyParseCount();

    // Act: each ${file(./build/serverless/policy-resources.cjs):...} of serverless.yml, as a package resolves them.
    const resolveAll = () => [
      policyResources.policyDocumentLiteral(),
      policyResources.modelPackageResources(),
      policyResources.modelPrefixResources(),
      policyResources.executionRoleArns(),
      policyResources.deliveryPipelineResources(),
    ];
    resolveAll();
    resolveAll();

    // Assess
    expect(policyResources.policyParseCount() - before).toBe(1);
    writeFileSync(process.env.ROLLOUT_POLICY_FILE as string, groups(4));
    expect(policyResources.modelPackageResources()).toHaveLength(4);
    expect(policyResources.policyParseCount() - before).toBe(2);
  });

  it('compiles into the bundles the policy that npm run check validated, each group as the CLI reads it', () => {
    // Prepare
    process.env.ROLLOUT_POLICY_FILE = 'examples/demo.config.yml';
    const checked = loadPolicyFile('examples/demo.config.yml');

    // Act: the literal esbuild's define puts into the bundle, as the bundle reads it.
    const bundled = parseCompiledPolicy(JSON.parse(policyResources.policyDocumentLiteral()), 'bundle');

    // Assess
    expect(bundled.explicitGroups).toEqual(checked.explicitGroups);
    for (const groupName of [...checked.explicitGroups, 'acme-churn', 'globex-assistant', 'unknown-group']) {
      expect(bundled.lookup(groupName), groupName).toEqual(checked.lookup(groupName));
    }
    // The demo's multi-model pattern, read from its entry at the look-up.
    expect(bundled.group('acme-churn')?.multiModel?.endpointName).toBe('customers-mme');
  });
});
