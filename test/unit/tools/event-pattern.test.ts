import { describe, expect, it } from 'vitest';
import { matchesEventPattern, UnsupportedPatternError } from '../../../cli/event-pattern.ts';
import { readStackDefinition, routeEvent } from '../../../cli/stack-definition.ts';
import { sampleEvent } from '../../support/sample-events.ts';

describe('EventBridge pattern matching', () => {
  const event = { source: 'aws.sagemaker', detail: { status: 'Approved', version: 3, tags: ['a', 'b'] } };

  it('matches exact values, any of a list', () => {
    expect(matchesEventPattern({ detail: { status: ['Rejected', 'Approved'] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { status: ['Rejected'] } }, event)).toBe(false);
  });

  it('matches when any element of an array field matches', () => {
    expect(matchesEventPattern({ detail: { tags: ['b'] } }, event)).toBe(true);
  });

  it('does not match a field the event lacks', () => {
    expect(matchesEventPattern({ detail: { missing: ['x'] } }, event)).toBe(false);
    expect(matchesEventPattern({ other: { status: ['Approved'] } }, event)).toBe(false);
  });

  it('supports prefix, suffix, anything-but, numeric, exists and equals-ignore-case', () => {
    expect(matchesEventPattern({ source: [{ prefix: 'aws.' }] }, event)).toBe(true);
    expect(matchesEventPattern({ source: [{ suffix: '.sagemaker' }] }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { status: [{ 'anything-but': ['Rejected'] }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { status: [{ 'anything-but': 'Approved' }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { version: [{ numeric: ['>', 2, '<=', 3] }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { version: [{ numeric: ['>', 3] }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { missing: [{ exists: false }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { status: [{ exists: false }] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { status: [{ 'equals-ignore-case': 'APPROVED' }] } }, event)).toBe(true);
  });

  it('refuses operators it does not implement instead of guessing', () => {
    expect(() => matchesEventPattern({ source: [{ wildcard: 'aws.*' }] }, event)).toThrow(UnsupportedPatternError);
    expect(() => matchesEventPattern({ $or: [] }, event)).toThrow(UnsupportedPatternError);
  });
});

describe('routing with the rules of serverless.yml', () => {
  const { routes } = readStackDefinition();

  it.each([
    ['model-package-pending-approval', 'approve'],
    ['model-package-manual-group', 'approve'],
    ['model-package-approved', 'deploy'],
    ['scheduled-tick', 'advance'],
    ['alarm-fraud-prod-5xx-alarm', 'rollback'],
    ['sagemaker-pipeline-execution-succeeded', 'pipeline-events'],
    ['codepipeline-execution-failed', 'pipeline-events'],
    ['endpoint-deployment-completed', 'endpoint-events'],
    ['endpoint-state-change-updating', 'endpoint-events'],
    ['transform-job-completed', 'endpoint-events'],
  ])('sends %s to %s', (name, functionName) => {
    expect(routeEvent(sampleEvent(name), routes)).toBe(functionName);
  });

  it.each([['model-package-rejected'], ['alarm-fraud-prod-5xx-ok']])('sends %s nowhere', (name) => {
    expect(routeEvent(sampleEvent(name), routes)).toBeUndefined();
  });
});
