/**
 * Targets besides the plain real-time endpoint. A serverless group against the emulator's deployment
 * guardrails: the first version creates a serverless endpoint; a new one goes out as one UpdateEndpoint
 * that SageMaker steps itself, followed by the rollout to Completed, or to RolledBack when SageMaker's
 * auto-rollback acted on an alarm. An asynchronous endpoint: a canary on instances that keeps its
 * AsyncInferenceConfig on every config, guarded by its queue.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CloudWatchClient, DescribeAlarmsCommand, SetAlarmStateCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  type DescribeModelCommandOutput,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { withStackTag } from '#shared/rollout/stack-ownership.ts';
import { rolloutStatus, rolloutStatusViews } from '../../cli/operator-commands.ts';
import { binaryClassificationReport, registerModelPackage } from '../../demo/model-registry-seed.ts';
import { asyncShape, deployAsyncEndpoint } from '../../demo/production-endpoint.ts';
import { type LocalStack, useLocalStack } from '../support/local-stack.ts';
import { rolloutStory } from '../support/rollout-story.ts';
import { sampleEvent } from '../support/sample-events.ts';

const groupName = 'search-ranker';
const endpointName = 'search-prod';
const alarmName = 'search-prod-errors';
const sagemaker = new SageMakerClient({});
const cloudwatch = new CloudWatchClient({});

let local: LocalStack;
let story: ReturnType<typeof rolloutStory>;
const localStack = useLocalStack('test/fixtures/targets.config.yml');
beforeEach(() => {
  local = localStack();
  story = rolloutStory(local, { groupName, endpointName });
});

const configOf = (name: string) => sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: name }));
const exists = (describe: () => Promise<unknown>) =>
  describe().then(
    () => true,
    () => false,
  );

/** v1 serving on a serverless endpoint the stack created, then v2 approved: SageMaker deploys it. */
async function deployingV2() {
  await story.establishIncumbent();
  const challenger = await story.registerApproved();
  await story.approved(challenger);
  return challenger;
}

describe('a serverless endpoint', () => {
  it('is created serverless by a first version, with the policy’s memory and concurrency', async () => {
    await story.establishIncumbent();

    const endpoint = await story.endpoint();
    expect(endpoint.EndpointStatus).toBe('InService');
    const [variant] = endpoint.ProductionVariants ?? [];
    expect(variant?.VariantName).toBe('AllTraffic');
    expect(variant?.CurrentServerlessConfig).toMatchObject({ MemorySizeInMB: 2048, MaxConcurrency: 20 });
    expect((await configOf('search-prod-v1-final')).ProductionVariants?.[0]).toMatchObject({
      ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20, ProvisionedConcurrency: 2 },
    });
  });

  it('gets a new version through SageMaker’s canary, stage by stage, to Completed', async () => {
    await deployingV2();

    expect((await story.record())?.phase).toBe('Deploying');
    const endpoint = await story.endpoint();
    expect(endpoint.EndpointStatus).toBe('Updating');
    // What was asked of SageMaker: the policy's canary of 20% baking 10 minutes, the group's alarm.
    expect(endpoint.LastDeploymentConfig).toEqual({
      BlueGreenUpdatePolicy: {
        TrafficRoutingConfiguration: {
          Type: 'CANARY',
          CanarySize: { Type: 'CAPACITY_PERCENT', Value: 20 },
          WaitIntervalInSeconds: 600,
        },
        TerminationWaitInSeconds: 600,
        // Every wait AWS documents: the canary's bake, the final bake, the termination wait (3 × 600 s),
        // and the progress deadline (60 min) for provisioning.
        MaximumExecutionTimeoutInSeconds: 5400,
      },
      AutoRollbackConfiguration: { Alarms: [{ AlarmName: alarmName }] },
    });
    expect(endpoint.PendingDeploymentSummary?.EndpointConfigName).toBe('search-prod-v2-final');

    const stages: string[] = [];
    for (let stage = 0; stage < 8; stage += 1) {
      const progress = await local.emulator.advanceDeployment(endpointName);
      stages.push(progress.stage);
      await story.tick();
      if (progress.stage === 'done') break;
      // While SageMaker shifts the traffic, the rollout waits and the old version still serves.
      expect((await story.record())?.phase).toBe('Deploying');
    }

    expect(stages.at(-1)).toBe('done');
    expect(stages).toContain('canary-baking');
    const done = await story.record();
    expect(done?.phase).toBe('Completed');
    expect(done?.history.map((entry) => entry.phase)).toEqual(['Starting', 'Deploying', 'Completed']);
    const served = await story.endpoint();
    expect(served.EndpointConfigName).toBe('search-prod-v2-final');
    // Guardrails require the variant's name to stay; the model behind it is v2's.
    expect((await configOf('search-prod-v2-final')).ProductionVariants?.[0]).toMatchObject({
      VariantName: 'AllTraffic',
      ModelName: 'search-prod-v2',
      ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 20, ProvisionedConcurrency: 2 },
    });
  });

  it('records SageMaker’s rollback on the group’s alarm, with its reason, and rejects the version', async () => {
    const challenger = await deployingV2();
    await local.emulator.advanceDeployment(endpointName); // provisioned: the canary bakes
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'test: errors' }),
    );
    // The alarm's event reaches the stack too: SageMaker's auto-rollback acts on it, the rollout says so.
    await story.alarm(alarmName);
    expect(await story.record()).toMatchObject({
      phase: 'Deploying',
      waitingFor: `SageMaker's auto-rollback: alarm ${alarmName} is in ALARM`,
    });

    expect((await local.emulator.advanceDeployment(endpointName)).stage).toBe('rolled-back');
    await story.tick();

    const rolledBack = await story.record();
    expect(rolledBack?.phase).toBe('RolledBack');
    expect(rolledBack?.reason).toMatch(/^SageMaker rolled the deployment back: .*search-prod-errors/);
    expect((await story.endpoint()).EndpointConfigName).toBe('search-prod-v1-final');
    expect((await story.packageStatus(challenger)).status).toBe('Rejected');
    expect(await exists(() => configOf('search-prod-v2-final'))).toBe(false);
    expect(await exists(() => sagemaker.send(new DescribeModelCommand({ ModelName: 'search-prod-v2' })))).toBe(false);
  });

  it('follows SageMaker’s deployment event at once, without waiting for a tick', async () => {
    await deployingV2();
    await local.emulator.settle();
    const event = sampleEvent('endpoint-deployment-completed');
    event.time = story.now();

    const report = await local.send(event);

    expect(report.function).toBe('endpoint-events');
    expect(report.outcome).toBe('search-prod: Completed (completed: SageMaker shifted all traffic to the new version)');
    expect((await story.record())?.phase).toBe('Completed');
    // Delivered again (EventBridge delivers at least once): nothing more to do.
    expect((await local.send(event)).outcome).toBe('ignored: no active rollout on search-prod');
  });

  it('restores the incumbent’s config when a person aborts, once SageMaker’s deployment is over', async () => {
    const { abortRollout } = await import('../../cli/operator-commands.ts');
    await deployingV2();

    const aborted = await abortRollout(local.context(), endpointName, 'alice', 'wrong features', story.now());
    expect(aborted).toBe('search-prod: RollingBack (waiting: the endpoint is Updating)');
    await local.emulator.settle(); // SageMaker completes its deployment of v2
    await story.tick(); // the rollout asks for v1's config again
    await local.emulator.settle();
    await story.tick();

    expect((await story.record())?.phase).toBe('RolledBack');
    expect((await story.endpoint()).EndpointConfigName).toBe('search-prod-v1-final');
  });
});

describe('a serverless rollout the core bounds and steers', () => {
  it('refuses a pause while SageMaker deploys, saying what SageMaker does, and changes nothing', async () => {
    const { pauseRollout } = await import('../../cli/operator-commands.ts');
    await deployingV2();
    const before = await story.record();

    await expect(pauseRollout(local.context(), endpointName, 'alice', story.now())).rejects.toThrow(
      "endpoint search-prod: not paused: v2 is Deploying on a serverless endpoint (SageMaker's deployment guardrails); SageMaker is carrying out the deployment",
    );
    expect(await story.record()).toEqual(before);
  });

  it('gives up an update SageMaker refuses at the progress deadline, and the next version can start', async () => {
    await story.establishIncumbent();
    // SageMaker refuses every UpdateEndpoint of v2 (a quota, a bad setting): the endpoint never changes.
    await local.emulator.inject({
      service: 'sagemaker',
      operation: 'UpdateEndpoint',
      error: 'ValidationException',
      status: 400,
      times: 100,
    });
    const v2 = await story.registerApproved();
    const { modelPackageEvent } = await import('../../cli/event-builders.ts');
    const report = await local.send(modelPackageEvent('Approved', v2, story.now()));
    // The record says Deploying before the call; the refused call fails this invocation (EventBridge retries).
    expect(report).toMatchObject({ status: 'failed', outcome: expect.stringContaining('ValidationException') });
    expect((await story.record())?.phase).toBe('Deploying');

    story.wait(30);
    await story.tick();
    expect((await story.record())?.phase).toBe('Deploying');
    story.wait(31);
    await story.tick();

    const record = await story.record();
    expect(record?.phase).toBe('Failed');
    expect(record?.reason).toContain('progress deadline exceeded: no progress in Deploying within 60 min');
    expect((await story.endpoint()).EndpointConfigName).toBe('search-prod-v1-final');
    // Not the model's fault: the version is not rejected, and the one after it starts.
    expect((await story.packageStatus(v2)).status).toBe('Approved');
    await local.emulator.disarm();
    await story.approved(await story.registerApproved());
    expect((await story.record())?.packageVersion).toBe(3);
    expect((await story.record())?.phase).toBe('Deploying');
  });
});

describe('rollout status on a serverless endpoint, as SageMaker reports it', () => {
  const status = async () => {
    const [view] = await rolloutStatusViews(local.context(), endpointName);
    return { view, lines: await rolloutStatus(local.context(), endpointName) };
  };
  /** A config the rollout made for `version`, its model made from the package. */
  const served = (version: number) => ({
    configName: `search-prod-v${version}-final`,
    modelName: `search-prod-v${version}`,
    packageArn: `arn:aws:sagemaker:us-east-1:123456789012:model-package/search-ranker/${version}`,
    version,
    unidentified: null,
  });
  const clock = (at: Date | undefined) => at?.toISOString().replace(/\.\d{3}Z$/, 'Z');

  it('names the version serving and the one SageMaker deploys while the endpoint is Updating', async () => {
    await deployingV2();
    const pending = (await story.endpoint()).PendingDeploymentSummary;

    const provisioning = await status();

    expect(provisioning.view).toMatchObject({
      liveVersion: 1,
      rollingOutVersion: 2,
      endpointStatus: 'Updating',
      traffic: [{ variant: 'AllTraffic', version: 1, weightPercent: 100 }],
      serverless: {
        serving: served(1),
        deploying: {
          ...served(2),
          startedAt: pending?.StartTime?.toISOString(),
          status: 'Creating: Creating the new fleet.',
        },
        failureReason: null,
      },
    });

    // SageMaker accepted the update: the deadline allows its own timeout (5,400 s = 90 min) on top of the 60 min.
    const phaseSince = Date.parse(provisioning.view?.phaseSince ?? '');
    expect(Date.parse(provisioning.view?.deadlineAt ?? '') - phaseSince).toBe((60 + 90) * 60_000);

    expect((await local.emulator.advanceDeployment(endpointName)).stage).toBe('canary-baking');
    const baking = await status();

    const canary = 'Baking: Canary of 20% of the capacity receiving 20% of the traffic; baking 600 s.';
    expect(baking.view?.serverless?.deploying?.status).toBe(canary);
    expect(baking.view?.liveVersion).toBe(1);
    expect(baking.lines.slice(0, 5)).toEqual([
      'search-prod (search-ranker): live v1, rolling out v2',
      expect.stringMatching(/^ {2}phase {5}Deploying since /),
      '  serving   v1 (config search-prod-v1-final, model search-prod-v1)',
      `  deploying v2 (config search-prod-v2-final, model search-prod-v2) by SageMaker since ${clock(pending?.StartTime)}: ${canary}`,
      '  traffic   AllTraffic (v1) 100% [endpoint Updating]',
    ]);
  });

  it('names the new version as soon as SageMaker has shifted all traffic, before the rollout has seen it', async () => {
    await deployingV2();
    await local.emulator.settle(); // SageMaker's canary runs to its end
    expect((await story.record())?.phase).toBe('Deploying');

    const shifted = await status();

    expect(shifted.view).toMatchObject({
      liveVersion: 2,
      endpointStatus: 'InService',
      traffic: [{ variant: 'AllTraffic', version: 2, weightPercent: 100 }],
      serverless: { serving: served(2), deploying: null, failureReason: null },
    });
    expect(shifted.lines[2]).toBe('  serving   v2 (config search-prod-v2-final, model search-prod-v2)');
    expect(shifted.lines.filter((line) => /^ {2}(deploying|rollback|failed) /.test(line))).toEqual([]);

    await story.tick();
    const completed = await status();

    expect(completed.view).toMatchObject({
      phase: 'Completed',
      liveVersion: 2,
      rollingOutVersion: null,
      serverless: { serving: served(2), deploying: null, failureReason: null },
    });
    expect(completed.lines[0]).toBe('search-prod (search-ranker): live v2');
  });

  it('names the old version again, with SageMaker’s reason, after its auto-rollback on the group’s alarm', async () => {
    await deployingV2();
    await local.emulator.advanceDeployment(endpointName); // the canary bakes
    await cloudwatch.send(
      new SetAlarmStateCommand({ AlarmName: alarmName, StateValue: 'ALARM', StateReason: 'test: errors' }),
    );
    expect((await local.emulator.advanceDeployment(endpointName)).stage).toBe('rolled-back');
    const failureReason = (await story.endpoint()).FailureReason;
    expect(failureReason).toContain(alarmName);
    expect((await story.record())?.phase).toBe('Deploying');

    const rolledBackBySageMaker = await status();

    expect(rolledBackBySageMaker.view).toMatchObject({
      liveVersion: 1,
      endpointStatus: 'InService',
      traffic: [{ variant: 'AllTraffic', version: 1, weightPercent: 100 }],
      serverless: { serving: served(1), deploying: null, failureReason },
    });
    expect(rolledBackBySageMaker.lines.slice(2, 4)).toEqual([
      '  serving   v1 (config search-prod-v1-final, model search-prod-v1)',
      `  rollback  SageMaker rolled its last update back, v1 serves again: ${failureReason}`,
    ]);

    // The rollout follows: it ends RolledBack and deletes v2's config and model; the endpoint still says why.
    await story.tick();
    const recorded = await status();

    expect(recorded.view).toMatchObject({
      phase: 'RolledBack',
      liveVersion: 1,
      rollingOutVersion: null,
      serverless: { serving: served(1), deploying: null, failureReason },
    });
  });
});

describe('a serverless policy SageMaker’s guardrails cannot carry out', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'sagemaker-rollout-serverless-policy-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('is refused by npm run check, exit code 2, naming the key', async () => {
    const file = join(scratch, 'rollout.config.yml');
    writeFileSync(
      file,
      [
        'modelPackageGroups:',
        '  search-ranker:',
        '    endpointName: search-prod',
        '    executionRoleArn: arn:aws:iam::123456789012:role/SageMakerExecution',
        '    serverless: { memorySizeInMB: 2048, maxConcurrency: 20 }',
        '    approval: { mode: manual }',
        '    rollout: { strategy: canary, steps: [10, 50, 100], bakeMinutes: 10 }',
        '',
      ].join('\n'),
    );
    const failure = await promisify(execFile)('npx', ['tsx', 'build/check-policy.ts', file]).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure?.code).toBe(2);
    expect(failure?.stderr).toContain(
      'modelPackageGroups.search-ranker.rollout.steps: a serverless canary is one step and then 100',
    );
  });
});

describe('an asynchronous endpoint', () => {
  const asyncEndpoint = 'transcribe-prod';
  const asyncInferenceConfig = asyncShape.asyncInferenceConfig;

  it('rolls out beside the incumbent, every config keeping its AsyncInferenceConfig, guarded by its queue', async () => {
    const transcriber = rolloutStory(local, { groupName: 'transcriber', endpointName: asyncEndpoint });
    await deployAsyncEndpoint('transcriber', asyncEndpoint, () => local.emulator.settle());
    await transcriber.approved(await transcriber.registerApproved());

    const canary = await configOf('transcribe-prod-v2-canary');
    expect(canary.AsyncInferenceConfig).toEqual(asyncInferenceConfig);
    expect(canary.ProductionVariants?.map((variant) => variant.VariantName)).toEqual([
      'transcriber-1',
      'transcriber-2',
    ]);
    const backlogAlarm = 'sagemaker-rollout-transcribe-prod-transcriber-2-backlog';
    const [alarm] =
      (await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [backlogAlarm] }))).MetricAlarms ?? [];
    expect(alarm).toMatchObject({
      MetricName: 'ApproximateBacklogSizePerInstance',
      Dimensions: [{ Name: 'EndpointName', Value: asyncEndpoint }],
      Threshold: 50,
    });

    await transcriber.tickUntil(['Completed']);
    expect((await configOf('transcribe-prod-v2-final')).AsyncInferenceConfig).toEqual(asyncInferenceConfig);
    expect((await transcriber.endpoint()).EndpointConfigName).toBe('transcribe-prod-v2-final');
  });
});

/** Every leaf of a DescribeModel answer by its path (Containers[0].Environment.A), without its CreationTime. */
function fieldsOf(model: DescribeModelCommandOutput): Record<string, unknown> {
  const { $metadata, CreationTime, PrimaryContainer, ...fields } = model;
  // moto shows an empty PrimaryContainer beside Containers; AWS would leave it out.
  const leaves: Record<string, unknown> = {};
  const walk = (value: unknown, path: string): void => {
    if (typeof value !== 'object' || value === null) {
      leaves[path] = value;
      return;
    }
    for (const [key, inner] of Object.entries(value)) {
      walk(inner, Array.isArray(value) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`);
    }
  };
  walk({ ...fields, ...(Object.keys(PrimaryContainer ?? {}).length > 0 ? { PrimaryContainer } : {}) }, '');
  return leaves;
}

/**
 * v1 of fraud-pipeline as a team deployed it: two containers pulled from a private registry in the VPC
 * (ImageConfig Vpc), each with its own Environment (the first with its script-mode code path), run Serial
 * in a VPC with network isolation, then handed over to the stack with its tag.
 */
async function deployPipelineByHand(stackName: string) {
  await registerModelPackage({ groupName: 'fraud-pipeline', approvalStatus: 'Approved', containers: 2 });
  const imageConfig = { RepositoryAccessMode: 'Vpc' as const };
  await sagemaker.send(
    new CreateModelCommand({
      ModelName: 'pipeline-prod-v1',
      ExecutionRoleArn: 'arn:aws:iam::123456789012:role/SageMakerExecution',
      Containers: [
        {
          ContainerHostname: 'preprocess',
          Image: 'registry.internal:5000/fraud-preprocess:1',
          ModelDataUrl: 's3://sagemaker-rollout-demo/fraud-pipeline/v1/preprocess.tar.gz',
          ImageConfig: imageConfig,
          Environment: {
            SAGEMAKER_PROGRAM: 'preprocess.py',
            SAGEMAKER_SUBMIT_DIRECTORY: 's3://sagemaker-rollout-demo/fraud-pipeline/v1/sourcedir.tar.gz',
            FEATURE_SET: '2026-q3',
          },
        },
        {
          ContainerHostname: 'model',
          Image: 'registry.internal:5000/fraud-xgboost:1',
          ModelDataUrl: 's3://sagemaker-rollout-demo/fraud-pipeline/v1/model.tar.gz',
          ImageConfig: imageConfig,
          Environment: { SAGEMAKER_PROGRAM: 'inference.py', SAGEMAKER_MODEL_SERVER_WORKERS: '4' },
        },
      ],
      InferenceExecutionConfig: { Mode: 'Serial' },
      VpcConfig: { SecurityGroupIds: ['sg-0fraud0001'], Subnets: ['subnet-0aaa0001'] },
      EnableNetworkIsolation: true,
    }),
  );
  await sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: 'pipeline-prod-v1-final',
      ProductionVariants: [
        {
          VariantName: 'fraud-pipeline-1',
          ModelName: 'pipeline-prod-v1',
          InstanceType: 'ml.m5.large',
          InitialInstanceCount: 1,
        },
      ],
    }),
  );
  await sagemaker.send(
    new CreateEndpointCommand({
      EndpointName: 'pipeline-prod',
      EndpointConfigName: 'pipeline-prod-v1-final',
      Tags: withStackTag([], stackName),
    }),
  );
  await local.emulator.settle();
}

describe('a serial inference pipeline', () => {
  it('rolls a two-container package out as a model with Containers, run Serial, on a real-time endpoint', async () => {
    const pipeline = rolloutStory(local, { groupName: 'fraud-pipeline', endpointName: 'pipeline-prod' });
    const release = async () => {
      const packageArn = await registerModelPackage({
        groupName: 'fraud-pipeline',
        evaluationReport: binaryClassificationReport(0.9, 0.05),
        approvalStatus: 'Approved',
        containers: 2,
      });
      await pipeline.approved(packageArn);
      await pipeline.tickUntil(['Completed']);
    };
    await release();
    await release();

    const model = await sagemaker.send(new DescribeModelCommand({ ModelName: 'pipeline-prod-v2' }));
    // moto shows an empty PrimaryContainer beside Containers; AWS would leave it out.
    expect(model.PrimaryContainer ?? {}).toEqual({});
    expect(model.Containers?.map((container) => container.Image)).toEqual([
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-pipeline-step1:latest',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-pipeline-step2:latest',
    ]);
    expect(model.Containers?.[1]?.ModelDataUrl).toMatch(
      /^s3:\/\/sagemaker-rollout-demo\/fraud-pipeline\/.*\/model-step2.tar.gz$/,
    );
    expect(model.InferenceExecutionConfig).toEqual({ Mode: 'Serial' });
    expect((await pipeline.record())?.history.map((entry) => entry.phase)).toEqual([
      'Starting',
      'Deploying',
      'Baking',
      'Baking',
      'Finalizing',
      'Completed',
    ]);
    expect(await pipeline.traffic()).toEqual({ 'fraud-pipeline-2': 100 });
  });
  it("keeps every container's ImageConfig and Environment of a hand-made pipeline, field by field", async () => {
    const pipeline = rolloutStory(local, { groupName: 'fraud-pipeline', endpointName: 'pipeline-prod' });
    await deployPipelineByHand(local.context().settings.stackName);
    // v2 brings its own code path for its first container (a new preprocessing script), none for the second.
    const packageArn = await registerModelPackage({
      groupName: 'fraud-pipeline',
      evaluationReport: binaryClassificationReport(0.9, 0.05),
      approvalStatus: 'Approved',
      containers: 2,
      environments: [{ SAGEMAKER_PROGRAM: 'preprocess_v2.py', SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code' }],
    });
    await pipeline.approved(packageArn);
    await pipeline.tickUntil(['Completed']);

    const before = fieldsOf(await sagemaker.send(new DescribeModelCommand({ ModelName: 'pipeline-prod-v1' })));
    const after = fieldsOf(await sagemaker.send(new DescribeModelCommand({ ModelName: 'pipeline-prod-v2' })));
    const differing = Object.keys({ ...before, ...after }).filter((path) => before[path] !== after[path]);
    expect(differing.sort()).toEqual(
      [
        'ModelName',
        'ModelArn',
        // What runs and what it loads: the package's.
        'Containers[0].Image',
        'Containers[0].ModelDataUrl',
        'Containers[1].Image',
        'Containers[1].ModelDataUrl',
        // The package's own code path, not v1's.
        'Containers[0].Environment.SAGEMAKER_PROGRAM',
        'Containers[0].Environment.SAGEMAKER_SUBMIT_DIRECTORY',
      ].sort(),
    );
    expect(after).toMatchObject({
      'Containers[0].ContainerHostname': 'preprocess',
      'Containers[0].ImageConfig.RepositoryAccessMode': 'Vpc',
      'Containers[0].Environment.SAGEMAKER_PROGRAM': 'preprocess_v2.py',
      'Containers[0].Environment.SAGEMAKER_SUBMIT_DIRECTORY': '/opt/ml/model/code',
      'Containers[0].Environment.FEATURE_SET': '2026-q3',
      'Containers[1].ContainerHostname': 'model',
      'Containers[1].ImageConfig.RepositoryAccessMode': 'Vpc',
      'Containers[1].Environment.SAGEMAKER_MODEL_SERVER_WORKERS': '4',
      'Containers[1].Environment.SAGEMAKER_PROGRAM': 'inference.py',
      'InferenceExecutionConfig.Mode': 'Serial',
      EnableNetworkIsolation: true,
    });
    expect(after['Containers[1].Image']).toBe(
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud-pipeline-step2:latest',
    );
    expect(await pipeline.traffic()).toEqual({ 'fraud-pipeline-2': 100 });
  });
});
