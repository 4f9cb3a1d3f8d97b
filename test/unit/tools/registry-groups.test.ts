import { describe, expect, it } from 'vitest';
import { parsePolicyDocument } from '#shared/policy/policy-document.ts';
import {
  describeGroup,
  groupCoverage,
  groupsReport,
  ownershipOf,
  summarize,
  untaggedEndpoints,
} from '../../../cli/registry-groups.ts';

const policy = parsePolicyDocument(
  {
    defaults: {
      executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      instanceType: 'ml.m5.large',
      initialInstanceCount: 1,
      approval: { mode: 'manual' },
      rollout: { strategy: 'canary', steps: [50, 100], bakeMinutes: 10 },
    },
    modelPackageGroups: {
      'shop-*': { endpointName: '{group}-prod' },
      'shop-eu-*': { endpointName: '{group}-eu' },
      'fraud-detector': { endpointName: 'fraud-prod' },
      'fraud-detectr': { endpointName: 'fraud-typo' },
    },
  },
  'test policy',
);
const stack = 'sagemaker-rollout-prod';
const arn = (name: string) => `arn:aws:sagemaker:us-east-1:123456789012:endpoint/${name}`;

describe('rollout groups', () => {
  it('names the key that configures each registry group, and the named groups the registry lacks', () => {
    const groups = groupCoverage(policy, ['shop-0001', 'shop-eu-0002', 'fraud-detector', 'legacy']);
    expect(groups).toEqual([
      { groupName: 'shop-0001', configuredBy: 'shop-*', inRegistry: true, endpointName: 'shop-0001-prod' },
      { groupName: 'shop-eu-0002', configuredBy: 'shop-eu-*', inRegistry: true, endpointName: 'shop-eu-0002-eu' },
      { groupName: 'fraud-detector', configuredBy: 'fraud-detector', inRegistry: true, endpointName: 'fraud-prod' },
      { groupName: 'legacy', inRegistry: true },
      { groupName: 'fraud-detectr', configuredBy: 'fraud-detectr', inRegistry: false, endpointName: 'fraud-typo' },
    ]);
  });

  it('names the shared endpoint of a multi-model group, none for a batch group, and hands a shared one over once', () => {
    const shared = parsePolicyDocument(
      {
        defaults: {
          executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
          approval: { mode: 'manual' },
          rollout: { strategy: 'all-at-once', bakeMinutes: 5 },
        },
        modelPackageGroups: {
          '*-churn': { multiModel: { endpointName: 'customers-mme', modelPrefix: 's3://models/churn/' } },
          'nightly-scoring': {
            batchTransform: {
              inputS3Uri: 's3://scores/in/',
              outputS3Uri: 's3://scores/out/',
              instanceType: 'ml.m5.large',
            },
          },
        },
      },
      'test policy',
    );
    const groups = groupCoverage(shared, ['acme-churn', 'globex-churn', 'nightly-scoring']);
    expect(groups.map((group) => group.endpointName)).toEqual(['customers-mme', 'customers-mme', undefined]);
    expect(describeGroup(groups[2] as (typeof groups)[number], undefined)).toBe(
      'nightly-scoring: configured by name, a batch transform (no endpoint)',
    );
    const untagged = { kind: 'untagged', arn: arn('customers-mme') } as const;
    expect(untaggedEndpoints([untagged, untagged, undefined])).toEqual([arn('customers-mme')]);
  });

  it('tells whose an endpoint is by the stack tag', () => {
    const tag = (Value: string) => [
      { Key: 'team', Value: 'ml' },
      { Key: 'sagemaker-rollout:stack', Value },
    ];
    expect(ownershipOf(arn('a'), tag(stack), stack)).toEqual({ kind: 'tagged', arn: arn('a') });
    expect(ownershipOf(arn('a'), tag('sagemaker-rollout-dev'), stack)).toEqual({
      kind: 'another stack',
      arn: arn('a'),
      stackName: 'sagemaker-rollout-dev',
    });
    expect(ownershipOf(arn('a'), [], stack)).toEqual({ kind: 'untagged', arn: arn('a') });
  });

  it('reports each group in a line and sums them up', () => {
    const groups = groupCoverage(policy, ['shop-0001', 'shop-0002', 'fraud-detector', 'legacy']);
    const owners = [
      { kind: 'tagged', arn: arn('shop-0001-prod') } as const,
      { kind: 'missing' } as const,
      { kind: 'another stack', arn: arn('fraud-prod'), stackName: 'sagemaker-rollout-dev' } as const,
      undefined,
      undefined,
    ];
    expect(groups.map((group, index) => describeGroup(group, owners[index]))).toEqual([
      'shop-0001: configured by pattern shop-*, endpoint shop-0001-prod managed by this stack',
      'shop-0002: configured by pattern shop-*, endpoint shop-0002-prod does not exist yet (its first version creates it)',
      'fraud-detector: configured by name, endpoint fraud-prod belongs to stack sagemaker-rollout-dev',
      'legacy: not configured (never touched)',
      'fraud-detectr: configured by name, but the registry has no such group',
    ]);
    expect(summarize(groups, owners).split('\n')).toEqual([
      '4 group(s) in the registry: 3 configured (1 by name, 2 by pattern), 1 not',
      "endpoints: 1 managed, 0 not tagged, 1 another stack's, 1 not created yet",
      '1 group(s) of the policy not in the registry',
    ]);
  });

  it('names the stage in the command that hands an untagged endpoint over', () => {
    const [fraud] = groupCoverage(policy, ['fraud-detector']);
    const untagged = { kind: 'untagged', arn: arn('fraud-prod') } as const;

    expect(describeGroup(fraud as NonNullable<typeof fraud>, untagged, 'prod')).toBe(
      'fraud-detector: configured by name, endpoint fraud-prod not tagged sagemaker-rollout:stack: the stack cannot update it (npx rollout groups --stage prod --tag-endpoints)',
    );
  });

  it('reports as JSON with the same keys whatever there is, nulls where a group has no value', () => {
    const groups = groupCoverage(policy, ['fraud-detector', 'legacy']);
    const untagged = { kind: 'untagged', arn: arn('fraud-prod') } as const;

    expect(groupsReport([], [], stack, [], false)).toEqual({ stackName: stack, groups: [], tagged: [], dryRun: false });
    expect(groupsReport(groups, [untagged, undefined], stack, [arn('fraud-prod')], true).groups.slice(0, 2)).toEqual([
      {
        groupName: 'fraud-detector',
        configuredBy: 'fraud-detector',
        inRegistry: true,
        endpointName: 'fraud-prod',
        ownership: untagged,
      },
      { groupName: 'legacy', configuredBy: null, inRegistry: true, endpointName: null, ownership: null },
    ]);
  });
});
