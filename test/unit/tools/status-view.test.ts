import { describe, expect, it } from 'vitest';
import type { ServedConfig } from '#shared/targets/serverless/served-versions.ts';
import { type StatusView, statusLines } from '../../../cli/status-view.ts';

const v1: ServedConfig = {
  configName: 'search-prod-v1-final',
  modelName: 'search-prod-v1',
  packageArn: 'arn:aws:sagemaker:us-east-1:123456789012:model-package/search-ranker/1',
  version: 1,
  unidentified: null,
};

/** A serverless group's v1 record, Creating, with what SageMaker reports of the endpoint. */
function view(fields: Partial<StatusView>): StatusView {
  return {
    endpointName: 'search-prod',
    groupName: 'search-ranker',
    liveVersion: null,
    rolloutVersion: 1,
    rollingOutVersion: 1,
    phase: 'Creating',
    phaseSince: '2026-11-25T09:00:00Z',
    paused: false,
    step: null,
    endpointStatus: 'Creating',
    traffic: [],
    serverless: null,
    targetModel: null,
    transformJobName: null,
    alarms: [],
    nextStepAt: null,
    waitingFor: null,
    deadlineAt: null,
    reason: null,
    plan: null,
    lastAnalysis: null,
    queuedVersion: null,
    history: [],
    earlier: [],
    ...fields,
  };
}

const serverlessLines = (lines: string[]) =>
  lines.filter((line) => /^ {2}(serving|deploying|rollback|failed) /.test(line));

describe('status lines of a serverless endpoint', () => {
  it('say nothing serves yet while the endpoint is being created', () => {
    const deploying = { ...v1, startedAt: null, status: null };

    const lines = statusLines(view({ serverless: { serving: null, deploying, failureReason: null } }));

    expect(serverlessLines(lines)).toEqual([
      '  serving   nothing yet',
      '  deploying v1 (config search-prod-v1-final, model search-prod-v1) by SageMaker',
    ]);
  });

  it('say how a version was told when its model does not tell it, and ? when nothing does', () => {
    const byName = { ...v1, modelName: null, packageArn: null, unidentified: 'config gone' };
    const team = { ...byName, configName: 'team-config', version: null, unidentified: 'model m matches no version' };

    const lines = statusLines(
      view({
        phase: 'Deploying',
        endpointStatus: 'Updating',
        serverless: {
          serving: team,
          deploying: { ...byName, startedAt: '2026-11-25T09:01:00.123Z', status: 'Baking' },
          failureReason: null,
        },
      }),
    );

    expect(serverlessLines(lines)).toEqual([
      '  serving   ? (config team-config; unidentified: model m matches no version)',
      '  deploying v1 (config search-prod-v1-final; by the config name: config gone) by SageMaker since 2026-11-25T09:01:00Z: Baking',
    ]);
  });

  it('tell a Failed endpoint from one SageMaker rolled back', () => {
    const failed = (endpointStatus: string) =>
      serverlessLines(
        statusLines(
          view({
            phase: 'Failed',
            endpointStatus,
            serverless: { serving: v1, deploying: null, failureReason: 'health check failed' },
          }),
        ),
      );

    expect(failed('Failed')).toEqual([
      '  serving   v1 (config search-prod-v1-final, model search-prod-v1)',
      '  failed    the endpoint is Failed: health check failed',
    ]);
    expect(failed('InService')).toEqual([
      '  serving   v1 (config search-prod-v1-final, model search-prod-v1)',
      '  rollback  SageMaker rolled its last update back, v1 serves again: health check failed',
    ]);
  });

  it('are left out for other targets', () => {
    expect(serverlessLines(statusLines(view({ phase: 'Completed', endpointStatus: 'InService' })))).toEqual([]);
  });
});
