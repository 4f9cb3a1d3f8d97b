import { readFile, stat } from 'node:fs/promises';
import { type AwsWrite, liveWriter, planWriter } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import type { Policy } from '#shared/policy/load-policy.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { matchesEventPattern } from './event-pattern.ts';
import { useCases } from './function-registry.ts';
import { type Route, routeEvent } from './stack-definition.ts';

// EventBridge refuses events over 256 KB: https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html
export const maxEventBytes = 256 * 1024;

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

/** Some rule listens to this kind of event (same source and detail-type) but not to this one. */
function isKnownEventKind(event: unknown, routes: readonly Route[]): boolean {
  const envelope = event as Record<string, unknown>;
  return routes.some((route) => {
    const pattern = route.pattern as Record<string, unknown> | undefined;
    if (pattern === undefined) return false;
    return matchesEventPattern({ source: pattern.source, 'detail-type': pattern['detail-type'] }, envelope);
  });
}

function eventId(event: unknown): string | null {
  const id = (event as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

/** Routes one event file like EventBridge would and runs the real use case in this process. */
export async function replayEventFile(file: string, setup: ReplaySetup): Promise<ReplayReport> {
  const writer = setup.dryRun ? planWriter() : liveWriter();
  let event: unknown;
  let functionName: string | undefined;
  try {
    event = await readEventFile(file);
    functionName = routeEvent(event, setup.routes);
    if (functionName === undefined) {
      if (isKnownEventKind(event, setup.routes)) {
        return {
          file,
          event: eventId(event),
          function: null,
          outcome: 'ignored: no rule matches this event',
          actions: [],
          status: 'handled',
        };
      }
      const kind = `${String((event as Record<string, unknown>)?.source)} / ${String((event as Record<string, unknown>)?.['detail-type'])}`;
      throw new BadInputError(`${file}: detail-type: no function listens to ${kind} (see serverless.yml)`);
    }
    const loadUseCase = useCases[functionName];
    if (loadUseCase === undefined) {
      return {
        file,
        event: eventId(event),
        function: functionName,
        outcome: 'ignored: not implemented yet',
        actions: [],
        status: 'handled',
      };
    }
    const useCase = await loadUseCase();
    const result = await useCase(event, { policy: setup.policy, settings: setup.settings, writer });
    return {
      file,
      event: eventId(event),
      function: functionName,
      outcome: result.outcome,
      actions: writer.performed,
      status: 'handled',
    };
  } catch (error) {
    const badInput = error instanceof BadInputError;
    const message = (error as Error).message;
    return {
      file,
      event: eventId(event),
      function: functionName ?? null,
      outcome: `error: ${badInput && !message.startsWith(file) ? `${file}: ${message}` : message}`,
      actions: writer.performed,
      status: badInput ? 'bad-input' : 'failed',
    };
  }
}

/** 2 when any event was bad input, else 1 when any failed talking to AWS, else 0. */
export function exitCodeFor(reports: readonly ReplayReport[]): number {
  if (reports.some((report) => report.status === 'bad-input')) return 2;
  if (reports.some((report) => report.status === 'failed')) return 1;
  return 0;
}
