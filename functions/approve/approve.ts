// primary adapter (EventBridge: Model Package State Change) -> use case (judge the package) -> secondary adapters (SageMaker, S3, SNS, DynamoDB)
import { judgePackage } from '#shared/engine/judge-package.ts';
import { foreignEvent, homeOf, packageNotInGroup } from '#shared/events/event-origin.ts';
import { modelPackageStateChangeSchema, parseEvent } from '#shared/events/event-schemas.ts';
import { ignoreWithWarning, type RunContext, type RunResult } from '#shared/runtime/run-context.ts';

export async function approveModelPackage(rawEvent: unknown, context: RunContext): Promise<RunResult> {
  const event = parseEvent(modelPackageStateChangeSchema, rawEvent);
  const { ModelPackageGroupName: groupName, ModelPackageArn: packageArn } = event.detail;
  const home = homeOf(context.settings);
  const notOurs = foreignEvent(event, home) ?? packageNotInGroup(packageArn, groupName, home);
  if (notOurs !== undefined) return ignoreWithWarning(notOurs, { modelPackageArn: packageArn });
  return judgePackage(context, groupName, packageArn, event.time);
}
