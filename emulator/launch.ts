/**
 * Starts the local AWS emulator (emulator/server.py: moto + fill-ins) as a child
 * process and returns a handle to drive it: its endpoint URL for AWS SDK clients,
 * moto's reset, and the emulator's control API (settle, config, failure and fault injection, guardrail
 * deployments stage by stage, transform jobs and model invocations that fail).
 *
 * Only Node built-ins and the global fetch are used, so tests and tools can import
 * it without extra dependencies.
 */
import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

export interface EmulatorOptions {
  /** 0 or undefined: an ephemeral port chosen when the server binds. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** How long endpoints stay Creating/Updating, and pipeline executions and transform jobs InProgress. */
  updateSeconds?: number;
  /** Serve vanilla moto, without fill-ins (capability checks). */
  plain?: boolean;
  /** How long to wait for the ready line; defaults to 30 s. */
  readyTimeoutMs?: number;
}

export type FailureMode = 'rollback' | 'failed';

/** A fault for the next `times` calls of one AWS operation (see emulator/fill_ins/control.py). */
export interface Fault {
  /** SigV4 signing name: sagemaker, dynamodb, monitoring (or cloudwatch), sns, s3, application-autoscaling, codepipeline. */
  service: string;
  /** The API operation, e.g. DescribeEndpoint, PutItem, Publish, GetObject. */
  operation: string;
  /** The AWS error code the SDK surfaces as the error's name, e.g. ThrottlingException. */
  error?: string;
  /** HTTP status of the error; defaults to 400. */
  status?: number;
  /** How many calls it applies to; defaults to 1. */
  times?: number;
  /** Answer this much later: with the error if one is given, else the call then goes ahead. */
  delayMs?: number;
  message?: string;
}

/** A fault still armed, as GET /_emulator/inject lists it. */
export interface ArmedFault {
  service: string;
  operation: string;
  error: string | null;
  status: number;
  message: string;
  remaining: number;
  delayMs?: number;
}

/** Where a guardrail deployment is (see emulator/fill_ins/guardrails.py), or how it ended. */
export interface DeploymentProgress {
  endpointName: string;
  stage:
    | 'provisioning'
    | 'canary-baking'
    | 'linear-step-baking'
    | 'all-traffic-shifted'
    | 'termination-wait'
    | 'done'
    | 'rolled-back'
    | 'failed';
  /** Share of the traffic on the new fleet (0 once rolled back). */
  trafficPercent: number;
  /** Nominal seconds of the stages completed so far (the waits of the DeploymentConfig). */
  deploymentSeconds: number;
  /** LINEAR: which step bakes, of how many. */
  step?: number;
  steps?: number;
  /** Once ended: the endpoint's FailureReason, if it was rolled back or failed. */
  failureReason?: string;
}

/** Where an inference component's rolling update is (see emulator/fill_ins/inference_component_rollouts.py). */
export interface InferenceComponentUpdateProgress {
  inferenceComponentName: string;
  stage: 'batch-baking' | 'done' | 'rolled-back';
  /** While it runs: the batch baking now, 1-based. */
  batch?: number;
  batches: number;
  batchSize: number;
  copies: number;
  /** Copies on the new specification (all once done, none once rolled back). */
  copiesUpdated: number;
  /** WaitIntervalInSeconds of the batches ended so far. */
  deploymentSeconds: number;
  failureReason?: string;
}

export interface EmulatorHandle {
  endpointUrl: string;
  port: number;
  /** Kills the server and waits for it to exit. */
  stop(): Promise<void>;
  /** moto's POST /moto-api/reset: empties every service and the fill-in state. */
  reset(): Promise<void>;
  /** Completes every pending transition (Creating/Updating endpoints, running executions and transform jobs) now. */
  settle(): Promise<void>;
  configure(config: { updateSeconds: number }): Promise<void>;
  /** The next update of this endpoint to finish fails: rolled back to InService, or Failed. */
  failNextUpdate(endpointName: string, mode: FailureMode, reason: string): Promise<void>;
  /** The next execution of this pipeline to finish ends Failed with this statusSummary. */
  failNextPipelineExecution(pipelineName: string, reason: string): Promise<void>;
  /**
   * The next transform job to finish (InProgress until settle() or the update clock) ends Failed, or Stopped,
   * with this FailureReason. Armed twice, it fails the next two jobs.
   */
  failNextTransformJob(reason: string, status?: 'Failed' | 'Stopped'): Promise<void>;
  /**
   * The next InvokeEndpoint of this endpoint that reaches its model answers ModelError (HTTP 424): the model
   * answered `originalStatusCode` (500 unless given) with this message.
   */
  failNextInvocation(endpointName: string, message: string, originalStatusCode?: number): Promise<void>;
  /** The next `times` calls of this operation fail with this AWS error, or answer `delayMs` late. */
  inject(fault: Fault): Promise<void>;
  /** The faults still armed, each with how many calls it has left. */
  injected(): Promise<ArmedFault[]>;
  /** Disarms every fault still armed: the outage is over. */
  disarm(): Promise<void>;
  /**
   * Ends the current stage of this endpoint's guardrail deployment now (alarms and timeout are checked,
   * as at every stage boundary) and answers where it is now; rejects if none is in progress.
   */
  advanceDeployment(endpointName: string): Promise<DeploymentProgress>;
  /** The guardrail deployments in progress. */
  deployments(): Promise<DeploymentProgress[]>;
  /**
   * Ends the current batch of this inference component's rolling update now (alarms and timeout are checked,
   * as at every batch's end) and answers where it is now; rejects if none is in progress.
   */
  advanceInferenceComponent(inferenceComponentName: string): Promise<InferenceComponentUpdateProgress>;
}

const EMULATOR_DIR = dirname(fileURLToPath(import.meta.url));
const SERVER_SCRIPT = join(EMULATOR_DIR, 'server.py');
const PROJECT_ROOT = dirname(EMULATOR_DIR);
const VENV_DIR = join(PROJECT_ROOT, '.emulator-venv');
const MOTO_REQUIREMENT = 'moto[server]==5.2.1';
/** What server.py needs: moto's server app, which pulls in flask, flask_cors and werkzeug. */
const IMPORT_CHECK = 'import moto.moto_server.werkzeug_app';
const READY_LINE = /^emulator ready on (http:\/\/\S+:(\d+))\s*$/;
const STDERR_KEPT = 20_000;

export async function startEmulator(options: EmulatorOptions = {}): Promise<EmulatorHandle> {
  const host = options.host ?? '127.0.0.1';
  const python = await findPython();
  const args = [SERVER_SCRIPT, '--host', host, '--port', String(options.port ?? 0)];
  if (options.updateSeconds !== undefined) args.push('--update-seconds', String(options.updateSeconds));
  if (options.plain === true) args.push('--plain');

  const child = spawn(python, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));

  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT);
  });

  const { endpointUrl, port } = await waitForReady(child, options.readyTimeoutMs ?? 30_000, () => stderr);

  const control = async (route: string, body: object): Promise<void> => {
    await post(`${endpointUrl}/_emulator/${route}`, body);
  };

  return {
    endpointUrl,
    port,
    stop: () => stopChild(child),
    reset: () => post(`${endpointUrl}/moto-api/reset`, {}),
    settle: () => control('settle', {}),
    configure: (config) => control('config', { updateSeconds: config.updateSeconds }),
    failNextUpdate: (endpointName, mode, reason) => control('fail-next-update', { endpointName, mode, reason }),
    failNextPipelineExecution: (pipelineName, reason) =>
      control('fail-next-pipeline-execution', { pipelineName, reason }),
    failNextTransformJob: (reason, status) => control('fail-next-transform-job', { reason, status }),
    failNextInvocation: (endpointName, message, originalStatusCode) =>
      control('fail-next-invocation', { endpointName, message, originalStatusCode }),
    inject: (fault) => control('inject', fault),
    injected: async () => ((await get(`${endpointUrl}/_emulator/inject`)) as { faults: ArmedFault[] }).faults,
    advanceDeployment: async (endpointName) =>
      (await postJson(`${endpointUrl}/_emulator/advance-deployment`, { endpointName })) as DeploymentProgress,
    deployments: async () =>
      ((await get(`${endpointUrl}/_emulator/deployments`)) as { deployments: DeploymentProgress[] }).deployments,
    advanceInferenceComponent: async (inferenceComponentName) =>
      (await postJson(`${endpointUrl}/_emulator/advance-inference-component`, {
        inferenceComponentName,
      })) as InferenceComponentUpdateProgress,
    disarm: async () => {
      const response = await fetch(`${endpointUrl}/_emulator/inject`, { method: 'DELETE' });
      if (!response.ok)
        throw new Error(`DELETE /_emulator/inject answered ${response.status}: ${await response.text()}`);
    },
  };
}

type ServerProcess = ChildProcessByStdio<null, Readable, Readable>;

/**
 * Resolves once server.py prints its ready line; rejects, with what the server
 * wrote to stderr, if it exits or stays silent past the timeout.
 * Port 0 is handed to the server, which binds an ephemeral port and reports the
 * one it got, so no other process can take the port in between.
 */
function waitForReady(
  child: ServerProcess,
  timeoutMs: number,
  stderr: () => string,
): Promise<{ endpointUrl: string; port: number }> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let settled = false;
    const finish = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('error', onError);
      outcome();
    };
    const onStdout = (chunk: string): void => {
      if (settled) return; // keep draining the pipe, ignore the rest
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const match = READY_LINE.exec(line);
        if (match?.[1] !== undefined && match[2] !== undefined) {
          const endpointUrl = match[1];
          const port = Number(match[2]);
          finish(() => resolve({ endpointUrl, port }));
          return;
        }
      }
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      const how = signal === null ? `code ${code}` : `signal ${signal}`;
      finish(() => reject(new Error(`emulator exited (${how}) before it was ready:\n${stderr()}`)));
    };
    const onError = (error: Error): void => {
      finish(() => reject(new Error(`could not start the emulator: ${error.message}`)));
    };
    const timer = setTimeout(() => {
      finish(() => {
        child.kill('SIGKILL');
        reject(new Error(`emulator not ready after ${timeoutMs} ms:\n${stderr()}`));
      });
    }, timeoutMs);

    child.stdout.setEncoding('utf8');
    child.stdout.on('data', onStdout);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}

async function stopChild(child: ServerProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timedOut = await Promise.race([
    exited.then(() => false),
    new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 5_000).unref()),
  ]);
  if (timedOut) {
    child.kill('SIGKILL');
    await exited;
  }
}

/** Servers still running when Node exits (a crashed test run) are killed with it. */
const liveChildren = new Set<ServerProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

async function post(url: string, body: object): Promise<void> {
  await send(url, body);
}

async function postJson(url: string, body: object): Promise<unknown> {
  return (await send(url, body)).json();
}

async function send(url: string, body: object): Promise<Response> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`POST ${url} answered ${response.status}: ${await response.text()}`);
  }
  return response;
}

async function get(url: string): Promise<unknown> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  }
  return response.json();
}

// -- finding a Python that can run moto's server --------------------------------

let pythonLookup: Promise<string> | undefined;

/** Looked up once per process; every emulator started afterwards reuses the answer. */
function findPython(): Promise<string> {
  pythonLookup ??= lookUpPython();
  return pythonLookup;
}

async function lookUpPython(): Promise<string> {
  const tried: string[] = [];

  const fromEnv = process.env.EMULATOR_PYTHON;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (await canRunMoto(fromEnv)) return fromEnv;
    throw new Error(`EMULATOR_PYTHON=${fromEnv} cannot \`${IMPORT_CHECK}\`; install "${MOTO_REQUIREMENT}" into it`);
  }

  if (await canRunMoto('python3')) return 'python3';
  tried.push(`python3: cannot \`${IMPORT_CHECK}\``);

  const motoServer = findOnPath('moto_server');
  const shebangPython = motoServer === undefined ? undefined : shebangInterpreter(motoServer);
  if (shebangPython !== undefined && (await canRunMoto(shebangPython))) return shebangPython;
  tried.push(
    motoServer === undefined
      ? 'moto_server: not on PATH'
      : `moto_server (${motoServer}): its interpreter ${shebangPython ?? '(no shebang)'} cannot import moto`,
  );

  const venvPython =
    process.platform === 'win32' ? join(VENV_DIR, 'Scripts', 'python.exe') : join(VENV_DIR, 'bin', 'python');
  if (existsSync(venvPython) && (await canRunMoto(venvPython))) return venvPython;

  // Last resort: a project-local virtualenv (.emulator-venv/, git-ignored).
  // This needs PyPI; where PyPI is unreachable it fails and says so.
  const created = await createVenv(venvPython);
  if (created.ok && (await canRunMoto(venvPython))) return venvPython;
  tried.push(`${VENV_DIR}: ${created.ok ? 'created, but moto still cannot be imported' : created.reason}`);

  throw new Error(
    [
      'No Python able to run the emulator (moto 5.2.1 with its server extras) was found.',
      ...tried.map((line) => `  - ${line}`),
      `Install it with \`python3 -m pip install "${MOTO_REQUIREMENT}"\`, or point EMULATOR_PYTHON at a Python that has it.`,
    ].join('\n'),
  );
}

async function createVenv(venvPython: string): Promise<{ ok: true } | { ok: false; reason: string }> {
  const venv = await run('python3', ['-m', 'venv', VENV_DIR], 120_000);
  if (venv.code !== 0) return { ok: false, reason: `\`python3 -m venv\` failed: ${lastLines(venv.output)}` };
  const pip = await run(venvPython, ['-m', 'pip', 'install', '--disable-pip-version-check', MOTO_REQUIREMENT], 600_000);
  if (pip.code !== 0) {
    return {
      ok: false,
      reason: `\`pip install "${MOTO_REQUIREMENT}"\` failed (is PyPI reachable?): ${lastLines(pip.output)}`,
    };
  }
  return { ok: true };
}

async function canRunMoto(python: string): Promise<boolean> {
  const result = await run(python, ['-c', IMPORT_CHECK], 60_000);
  return result.code === 0;
}

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    let output = '';
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.once('error', (error) => resolve({ code: null, output: error.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

function findOnPath(executable: string): string | undefined {
  for (const directory of (process.env.PATH ?? '').split(delimiter)) {
    if (directory === '') continue;
    const candidate = join(directory, executable);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** `#!/path/to/python` -> `/path/to/python` (pip writes console scripts this way). */
function shebangInterpreter(script: string): string | undefined {
  try {
    const firstLine = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
    if (!firstLine.startsWith('#!')) return undefined;
    const [interpreter, argument] = firstLine.slice(2).trim().split(/\s+/);
    // `#!/usr/bin/env python3` names the interpreter in its argument
    if (interpreter?.endsWith('/env') === true) return argument;
    return interpreter;
  } catch {
    return undefined;
  }
}

function lastLines(text: string, count = 5): string {
  return text.trim().split('\n').slice(-count).join('\n');
}
