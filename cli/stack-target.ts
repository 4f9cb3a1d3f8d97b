// Which deployed stack a command talks to (its stage, the account and region or the emulator) and what the
// CLI says when that stack is not there: the stage, the table or topic it looked for, where, and what to set.
// A stage mismatch otherwise answers "Requested resource not found", which says nothing of what to do.
import type { Writer } from '#shared/aws/aws-writes.ts';
import { BadInputError } from '#shared/errors.ts';
import { localStage } from '#shared/rollout/command-line.ts';
import type { Settings } from '#shared/runtime/settings.ts';

/** As `serverless deploy --stage` takes it (osls lib/utils/stage-pattern.js). */
const stagePattern = /^[A-Za-z0-9-]+$/;

/** The stage from `--stage`, else ROLLOUT_STAGE, else the emulator's (`local`). Refused when it cannot be a stage. */
export function resolveStage(option: string | undefined, environment: NodeJS.ProcessEnv): string {
  const fromEnvironment = environment.ROLLOUT_STAGE === '' ? undefined : environment.ROLLOUT_STAGE;
  const [stage, source] =
    option !== undefined
      ? [option, '--stage']
      : fromEnvironment !== undefined
        ? [fromEnvironment, 'ROLLOUT_STAGE']
        : [localStage, 'default'];
  if (!stagePattern.test(stage)) {
    throw new BadInputError(
      `${source} ${JSON.stringify(stage)}: a stage is letters, digits and hyphens, as serverless deploy --stage took it`,
    );
  }
  return stage;
}

export interface StackTarget {
  readonly settings: Settings;
  /** The region the SDK resolved (AWS_REGION, the profile). */
  readonly region: string;
  /** The caller's account; undefined against an emulator. */
  readonly account?: string;
  /** AWS_ENDPOINT_URL: the emulator the commands talk to instead of AWS. */
  readonly endpointUrl?: string;
}

function where(target: StackTarget): string {
  if (target.endpointUrl !== undefined) return `at AWS_ENDPOINT_URL ${target.endpointUrl}`;
  return target.account === undefined ? `in ${target.region}` : `in account ${target.account}, ${target.region}`;
}

function whatToSet(target: StackTarget): string {
  const { stage } = target.settings;
  if (target.endpointUrl !== undefined) {
    return stage === localStage
      ? "is the emulator's stack created? npm run emulator creates it"
      : `the emulator holds stage ${localStage}'s stack: drop --stage / ROLLOUT_STAGE, or unset AWS_ENDPOINT_URL to reach AWS`;
  }
  if (stage === localStage)
    return `stage ${localStage} is the emulator's: set AWS_ENDPOINT_URL to it, or name the deployed stage with --stage / ROLLOUT_STAGE`;
  return 'is the stack deployed in this account and region? set --stage / ROLLOUT_STAGE, AWS_REGION, AWS_PROFILE';
}

/** `stage prod: table sagemaker-rollout-prod-rollouts not found in account ..., us-east-1 (what to set)`. */
export function missingTableMessage(target: StackTarget): string {
  const { stage, rolloutsTableName } = target.settings;
  return `stage ${stage}: table ${rolloutsTableName} not found ${where(target)} (${whatToSet(target)})`;
}

export function missingTopicMessage(target: StackTarget): string {
  const { stage, notificationsTopicArn } = target.settings;
  return `stage ${stage}: topic ${notificationsTopicArn} not found ${where(target)} (${whatToSet(target)})`;
}

/** An AWS error's name and, for the JSON protocols, the service's own type (`com.amazonaws.dynamodb...#...`). */
function awsError(error: unknown): { name?: string; type?: string } {
  if (typeof error !== 'object' || error === null) return {};
  const { name, __type } = error as { name?: unknown; __type?: unknown };
  return { ...(typeof name === 'string' ? { name } : {}), ...(typeof __type === 'string' ? { type: __type } : {}) };
}

/** DynamoDB's answer for a table that does not exist (GetItem, Query, PutItem...). */
export function isMissingTable(error: unknown): boolean {
  const { name, type } = awsError(error);
  // Other services name errors ResourceNotFoundException too (EventBridge, for a bus): DynamoDB's say so.
  return name === 'ResourceNotFoundException' && (type === undefined || type.includes('dynamodb'));
}

/** SNS's answer to Publish on a topic that does not exist (code NotFound). */
export function isMissingTopic(error: unknown): boolean {
  return awsError(error).name === 'NotFoundException';
}

/** The stack's table is missing: bad input (exit 2), since the stage, region or account asked for is what to fix. */
export function explainMissingTable(error: unknown, target: StackTarget): unknown {
  return isMissingTable(error) ? new BadInputError(missingTableMessage(target)) : error;
}

/** A writer that keeps what each notice it could not publish failed with (the engine logs those and goes on). */
export interface NoticeWatchingWriter extends Writer {
  readonly unsentNotices: readonly unknown[];
}

export function noticeWatchingWriter(inner: Writer): NoticeWatchingWriter {
  const unsentNotices: unknown[] = [];
  return {
    dryRun: inner.dryRun,
    performed: inner.performed,
    unsentNotices,
    async write(write, send) {
      try {
        return await inner.write(write, send);
      } catch (error) {
        if (write.service === 'sns' && write.operation === 'Publish') unsentNotices.push(error);
        throw error;
      }
    },
  };
}

/** Why each notice was not sent, once each: a missing topic as the stage, where, and what to set. */
export function unsentNoticeMessages(writer: NoticeWatchingWriter, target: StackTarget): string[] {
  const messages = writer.unsentNotices.map((error) =>
    isMissingTopic(error) ? missingTopicMessage(target) : `${(error as Error).name}: ${(error as Error).message}`,
  );
  return [...new Set(messages)];
}
