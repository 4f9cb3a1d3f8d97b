// An inference component group's `inferenceComponent` is checked as CreateInferenceComponent and
// UpdateInferenceComponent check their requests, each refusal naming the key
// (shared/policy/inference-component-schema.ts); its groups are keyed and claim components as multi-model groups do.
import { describe, expect, it } from 'vitest';
import { BadInputError } from '#shared/errors.ts';
import { parsePolicy } from '#shared/policy/load-policy.ts';

const component = { endpointName: 'llm-shared', computeResources: { minMemoryRequiredInMb: 1024 } };

const policyOf = (groups: Record<string, unknown>) =>
  JSON.stringify({
    defaults: { executionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution', approval: { mode: 'manual' } },
    modelPackageGroups: groups,
  });

const group = (inferenceComponent: Record<string, unknown>, rollout: Record<string, unknown> = {}) => ({
  inferenceComponent,
  rollout: { bakeMinutes: 5, ...rollout },
});

function problemsOf(groups: Record<string, unknown>): string {
  try {
    parsePolicy(policyOf(groups), 't.yml');
  } catch (error) {
    expect(error).toBeInstanceOf(BadInputError);
    return (error as Error).message;
  }
  throw new Error('the policy was accepted');
}

const problemsOfOne = (inferenceComponent: Record<string, unknown>, rollout: Record<string, unknown> = {}) =>
  problemsOf({ 'acme-chat': group(inferenceComponent, rollout) });

const at = (key: string) => `modelPackageGroups.acme-chat.${key}`;

describe('inferenceComponent', () => {
  it('is keyed <endpoint>/<component>, the component by default the group, with AWS-sized defaults', () => {
    const policy = parsePolicy(policyOf({ 'acme-chat': group(component) }), 't.yml');
    const parsed = policy.group('acme-chat');
    expect(parsed?.endpointName).toBe('llm-shared/acme-chat');
    expect(parsed?.rollout.strategy).toBe('all-at-once');
    expect(parsed?.inferenceComponent).toEqual({
      ...component,
      variantName: 'AllTraffic',
      copyCount: 1,
      maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 25 },
    });
  });

  it('takes a componentName of its own for the key', () => {
    const policy = parsePolicy(policyOf({ 'acme-chat': group({ ...component, componentName: 'chat-a' }) }), 't.yml');
    expect(policy.group('acme-chat')?.endpointName).toBe('llm-shared/chat-a');
  });

  it('lets several groups share one endpoint as components of their own', () => {
    const policy = parsePolicy(policyOf({ 'acme-chat': group(component), 'globex-chat': group(component) }), 't.yml');
    expect(policy.group('globex-chat')?.endpointName).toBe('llm-shared/globex-chat');
  });

  it('refuses two groups that claim one component', () => {
    const same = { ...component, componentName: 'chat' };
    expect(problemsOf({ 'acme-chat': group(same), 'globex-chat': group(same) })).toContain('endpoint llm-shared/chat');
  });

  it("refuses a pattern's fixed componentName, and gives each of its groups a component of its own", () => {
    expect(problemsOf({ '*-chat': group({ ...component, componentName: 'chat' }) })).toContain(
      "modelPackageGroups.*-chat.inferenceComponent.componentName: a pattern's component name must contain {group} once",
    );
    const policy = parsePolicy(policyOf({ '*-chat': group({ ...component, componentName: '{group}-v' }) }), 't.yml');
    expect(policy.group('acme-chat')?.endpointName).toBe('llm-shared/acme-chat-v');
  });

  it.each([
    [
      { computeResources: { minMemoryRequiredInMb: 64 } },
      'computeResources.minMemoryRequiredInMb: expected a whole number >= 128',
    ],
    [
      { computeResources: { minMemoryRequiredInMb: 1024, numberOfCpuCoresRequired: 0.1 } },
      'expected at least 0.25 cores',
    ],
    [
      { computeResources: { minMemoryRequiredInMb: 1024, numberOfAcceleratorDevicesRequired: 0.5 } },
      'expected at least 1 device',
    ],
    [
      { computeResources: { minMemoryRequiredInMb: 2048, maxMemoryRequiredInMb: 1024 } },
      'computeResources.maxMemoryRequiredInMb: at least minMemoryRequiredInMb (2048)',
    ],
    [
      { maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 60 } },
      "5% to 50% of the copy count (SageMaker's MaximumBatchSize)",
    ],
    [{ maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 4 } }, '5% to 50% of the copy count'],
    [{ copyCount: 4, maximumBatchSize: { type: 'COPY_COUNT', value: 3 } }, 'at most 50% of copyCount (4), or 1'],
    [
      { rollbackMaximumBatchSize: { type: 'CAPACITY_PERCENT', value: 120 } },
      'rollbackMaximumBatchSize.value: at most 100%',
    ],
    [{ copyCount: 0 }, 'copyCount: expected a whole number >= 1'],
    [{ componentName: 'has_underscore' }, 'expected an inference component name'],
  ])('refuses %j', (override, message) => {
    expect(problemsOfOne({ ...component, ...override })).toContain(message);
  });

  it('accepts a COPY_COUNT batch of 1 whatever the copies, and half of them', () => {
    const policy = parsePolicy(
      policyOf({
        'acme-chat': group({ ...component, copyCount: 1, maximumBatchSize: { type: 'COPY_COUNT', value: 1 } }),
        'globex-chat': group({ ...component, copyCount: 4, maximumBatchSize: { type: 'COPY_COUNT', value: 2 } }),
      }),
      't.yml',
    );
    expect(policy.group('globex-chat')?.inferenceComponent?.maximumBatchSize).toEqual({ type: 'COPY_COUNT', value: 2 });
  });

  it("refuses bakes that exceed SageMaker's longest rolling update (28,800 s)", () => {
    // 20 batches of one copy (5%) × 60 min = 72,000 s.
    const batches = { copyCount: 20, maximumBatchSize: { type: 'CAPACITY_PERCENT', value: 5 } };
    expect(problemsOfOne({ ...component, ...batches }, { bakeMinutes: 60 })).toContain(
      `${at('rollout.bakeMinutes')}: 72000 s of bakes (one per batch) exceed SageMaker's MaximumExecutionTimeoutInSeconds (28800 s)`,
    );
  });

  it('refuses a strategy, analysis, an ab-test and an endpointName of its own', () => {
    expect(problemsOfOne(component, { strategy: 'canary', steps: [10, 100] })).toContain(
      `${at('rollout.strategy')}: only all-at-once (or none): SageMaker's rolling update`,
    );
    expect(problemsOfOne(component, { strategy: 'ab-test', weightPercent: 10, durationHours: 1 })).toContain(
      at('rollout.strategy'),
    );
    expect(problemsOfOne(component, { analysis: {} })).toContain(`${at('rollout.analysis')}: no analysis here`);
    expect(problemsOf({ 'acme-chat': { ...group(component), endpointName: 'llm-shared' } })).toContain(
      `${at('endpointName')}: an inference component group names its endpoint in inferenceComponent.endpointName`,
    );
  });
});
