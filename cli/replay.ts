import { readFile, stat } from 'node:fs/promises';
import { type AwsWrite, liveWriter, planWriter } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import { maxEventBytes, parseKnownEvent } from '#shared/events/event-schemas.ts';
import type { Policy } from '#shared/policy/load-policy.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { useCases } from './function-registry.ts';
import { type Route, routeEvent } from './stack-definition.ts';

export type ReplayStatus = 'handled' | 'bad-input' | 'failed';

export interface ReplayReport {
  readonly file: string;
  readonly event: string | null;
  readonly function: string | null;
  readonly outcome: string;
  readonly actions: readonly AwsWrite[];
  readonly status: ReplayStatus;
}

export interface ReplaySetup {
  readonly routes: readonly Route[];
  readonly policy: Policy;
  readonly settings: Settings;
  readonly dryRun: boolean;
  /** Turns an error into the one the report gives (the CLI: a missing table as the stage and what to set). */
  readonly explainError?: (error: unknown) => unknown;
}

async function readEventFile(file: string): Promise<unknown> {
  let size: number;
  try {
    size = (await stat(file)).size;
  } catch (error) {
    throw new BadInputError(`${file}: cannot read: ${(error as Error).message}`);
  }
  if (size > maxEventBytes) {
    throw new BadInputError(`${file}: ${size} bytes is larger than EventBridge's ${maxEventBytes}-byte event limit`);
  }
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new BadInputError(`${file}: not JSON: ${(error as Error).message}`);
  }
}

function eventId(event: unknown): string | null {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

/**
 * Routes one event file like EventBridge would and runs the real use case in this process. With `time`,
 * the event is replayed as having happened then (its `time` field replaced), so that records made by
 * replayed events and by commands run now share one clock.
 */
export async function replayEventFile(file: string, setup: ReplaySetup, time?: string): Promise<ReplayReport> {
  let event: unknown;
  try {
    event = await readEventFile(file);
  } catch (error) {
    return failureReport(file, undefined, undefined, [], error);
  }
  const stamped =
    time !== undefined &&
    typeof event === 'object' &&
    event !== null &&
    typeof (event as { time?: unknown }).time === 'string'
      ? { ...event, time }
      : event;
  return replayEvent(stamped, setup, file);
}

function failureReport(
  file: string,
  event: unknown,
  functionName: string | undefined,
  actions: readonly AwsWrite[],
  error: unknown,
) {
  const badInput = error instanceof BadInputError;
  const message = (error as Error).message;
  return {
    file,
    event: eventId(event),
    function: functionName ?? null,
    outcome: `error: ${badInput && !message.startsWith(file) ? `${file}: ${message}` : message}`,
    actions,
    status: badInput ? 'bad-input' : 'failed',
  } as const;
}

/** Routes one event like EventBridge would and runs the real use case in this process. */
export async function replayEvent(event: unknown, setup: ReplaySetup, file = '(event)'): Promise<ReplayReport> {
  const writer = setup.dryRun ? planWriter() : liveWriter();
  const report = (functionName: string | null, outcome: string) =>
    ({
      file,
      event: eventId(event),
      function: functionName,
      outcome,
      actions: writer.performed,
      status: 'handled',
    }) as const;
  let functionName: string | undefined;
  try {
    // Every event this system knows is validated in full first: a malformed one is bad input even
    // when no rule would route it (an alarm state that is a number must not pass as "ignored").
    parseKnownEvent(event);
    functionName = routeEvent(event, setup.routes);
    if (functionName === undefined) return report(null, 'ignored: no rule matches this event');
    const loadUseCase = useCases[functionName];
    if (loadUseCase === undefined) return report(functionName, 'ignored: no use case is registered for this function');
    const useCase = await loadUseCase();
    const result = await useCase(event, { policy: setup.policy, settings: setup.settings, writer });
    return report(functionName, result.outcome);
  } catch (error) {
    return failureReport(file, event, functionName, writer.performed, setup.explainError?.(error) ?? error);
  }
}

/** 2 when any event was bad input, else 1 when any failed talking to AWS, else 0. */
export function exitCodeFor(reports: readonly ReplayReport[]): number {
  if (reports.some((report) => report.status === 'bad-input')) return 2;
  if (reports.some((report) => report.status === 'failed')) return 1;
  return 0;
}
