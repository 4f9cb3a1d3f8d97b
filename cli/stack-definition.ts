import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { localStage } from '#shared/rollout/command-line.ts';
import type { Settings } from '#shared/runtime/settings.ts';
import { matchesEventPattern } from './event-pattern.ts';

/** serverless.yml is the one source of truth for routing and for the stateful resources. */
export const serverlessFile = fileURLToPath(new URL('../serverless.yml', import.meta.url));

/** The account and region moto answers with (the stage of local runs is `localStage`). */
export const localAccount = '123456789012';
export const localRegion = 'us-east-1';

export interface Route {
  readonly functionName: string;
  readonly pattern?: unknown;
  readonly schedule?: string;
}

export interface StackDefinition {
  readonly service: string;
  readonly stage: string;
  /** The functions of serverless.yml, in its order. */
  readonly functionNames: readonly string[];
  readonly routes: readonly Route[];
  /** CloudFormation resources with ${self:service} and ${sls:stage} resolved. */
  readonly resources: Readonly<Record<string, { Type: string; Properties?: Record<string, unknown> }>>;
}

interface ServerlessFile {
  service: string;
  functions: Record<string, { events?: Array<{ eventBridge?: { pattern?: unknown; schedule?: string } }> }>;
  resources?: { Resources?: StackDefinition['resources'] };
}

function resolveStackVariables(text: string, service: string, stage: string): string {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: these are Serverless Framework variables, not JS templates.
  return text.replaceAll('${self:service}', service).replaceAll('${sls:stage}', stage);
}

export function readStackDefinition(stage: string = localStage, file: string = serverlessFile): StackDefinition {
  const raw = parseYaml(readFileSync(file, 'utf8'), { merge: true }) as ServerlessFile;
  const routes = Object.entries(raw.functions).flatMap<Route>(([functionName, definition]) =>
    (definition.events ?? []).flatMap((event): Route[] => {
      const bridge = event.eventBridge;
      if (bridge === undefined) return [];
      return bridge.schedule !== undefined
        ? [{ functionName, schedule: bridge.schedule }]
        : [{ functionName, pattern: bridge.pattern }];
    }),
  );
  const resources = JSON.parse(
    resolveStackVariables(JSON.stringify(raw.resources?.Resources ?? {}), raw.service, stage),
  ) as StackDefinition['resources'];
  return { service: raw.service, stage, functionNames: Object.keys(raw.functions), routes, resources };
}

function isScheduledEvent(event: unknown): boolean {
  const envelope = event as { source?: unknown; 'detail-type'?: unknown };
  return envelope.source === 'aws.events' && envelope['detail-type'] === 'Scheduled Event';
}

/** The function EventBridge would invoke for this event, or undefined when no rule matches. */
export function routeEvent(event: unknown, routes: readonly Route[]): string | undefined {
  // A schedule rule has no pattern: EventBridge sends its "Scheduled Event" to the rule's target.
  if (isScheduledEvent(event)) return routes.find((route) => route.schedule !== undefined)?.functionName;
  return routes.find((route) => route.pattern !== undefined && matchesEventPattern(route.pattern, event))?.functionName;
}

function resourceProperty(stack: StackDefinition, logicalId: string, property: string): string {
  const value = stack.resources[logicalId]?.Properties?.[property];
  if (typeof value !== 'string')
    throw new Error(`serverless.yml: resources ${logicalId}.Properties.${property} is missing`);
  return value;
}

/** The settings a function gets in this stack, read from the resources serverless.yml declares. */
export function stackSettings(stack: StackDefinition, region = localRegion, account = localAccount): Settings {
  return {
    stage: stack.stage,
    stackName: `${stack.service}-${stack.stage}`,
    parameterPrefix: `/${stack.service}/${stack.stage}`,
    rolloutsTableName: resourceProperty(stack, 'RolloutsTable', 'TableName'),
    notificationsTopicArn: `arn:aws:sns:${region}:${account}:${resourceProperty(stack, 'NotificationsTopic', 'TopicName')}`,
  };
}
