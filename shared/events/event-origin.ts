// Whose event is this? A stack serves one account and region. An event from elsewhere, one whose ARNs
// (its package, its pipeline, its resources) lie outside it or outside the group the event names, or one
// about a pipeline no group of the policy owns, is about something this stack does not own: it is ignored
// with a warning, before any AWS call (an ARN of another account can still resolve to a look-alike name
// here), and nothing of its text reaches a notice. Pure.
import type { Settings } from '#shared/runtime/settings.ts';

export interface Home {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
}

const arnPattern = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.+)$/;

/** The stack's partition, region and account, from its notification topic's ARN (a function knows no other). */
export function homeOf(settings: Settings): Home {
  const [, partition = '', , region = '', account = ''] = arnPattern.exec(settings.notificationsTopicArn) ?? [];
  return { partition, region, account };
}

/** Why an event from this envelope is not this stack's, or undefined when it is. */
export function foreignEvent(envelope: { readonly account: string; readonly region: string }, home: Home) {
  if (envelope.account !== home.account || envelope.region !== home.region) {
    return `the event comes from account ${envelope.account} in ${envelope.region}; this stack serves ${home.account} in ${home.region}`;
  }
  return undefined;
}

/**
 * Why this ARN is not of this stack's partition, region and account (and, given, service), or undefined
 * when it is. Anything that is not an ARN is not this stack's either.
 */
export function foreignArn(arn: string, home: Home, service?: 'sagemaker'): string | undefined {
  const [, partition, arnService, region, account] = arnPattern.exec(arn) ?? [];
  const ours = partition === home.partition && region === home.region && account === home.account;
  if (ours && (service === undefined || arnService === service)) return undefined;
  const what = service === undefined ? 'a resource' : 'a SageMaker resource';
  return `${arn} is not ${what} of ${home.partition} account ${home.account} in ${home.region}`;
}

/** Why one of an event's `resources` lies outside this stack's partition, region and account, if one does. */
export function foreignResource(resources: readonly string[], home: Home): string | undefined {
  const foreign = resources.find((resource) => foreignArn(resource, home) !== undefined);
  return foreign === undefined
    ? undefined
    : `the event's resource ${foreign} is not of ${home.partition} account ${home.account} in ${home.region}`;
}

/** Why this model package ARN is not one of the group's in this stack's account, or undefined when it is. */
export function packageNotInGroup(packageArn: string, groupName: string, home: Home): string | undefined {
  const notOurs = foreignArn(packageArn, home, 'sagemaker');
  if (notOurs !== undefined) return notOurs;
  const [, , , , , resource = ''] = arnPattern.exec(packageArn) ?? [];
  const [, group] = /^model-package\/([^/]+)\/\d+$/.exec(resource) ?? [];
  return group === groupName ? undefined : `${packageArn} does not belong to the group ${groupName} the event names`;
}

/**
 * The configured group a SageMaker training pipeline serves, or why it serves none. The policy names no
 * training pipelines, so a pipeline is a group's by its name: the group's own, or the group's and a suffix
 * (`fraud-detector-training` for fraud-detector; the longest configured group wins). Its execution must be
 * one of its own. An event about any other pipeline is someone else's: ignored, never put in a notice.
 */
export function trainingPipelineGroup(
  pipeline: { readonly pipelineArn: string; readonly pipelineExecutionArn: string },
  home: Home,
  configuredBy: (groupName: string) => string | undefined,
): { readonly groupName: string } | { readonly notOurs: string } {
  const { pipelineArn, pipelineExecutionArn } = pipeline;
  const notOurs = foreignArn(pipelineArn, home, 'sagemaker') ?? foreignArn(pipelineExecutionArn, home, 'sagemaker');
  if (notOurs !== undefined) return { notOurs };
  const [, name] = /:pipeline\/([^/]+)$/.exec(pipelineArn) ?? [];
  if (name === undefined) return { notOurs: `${pipelineArn} is not a SageMaker pipeline ARN` };
  if (!pipelineExecutionArn.startsWith(`${pipelineArn}/execution/`)) {
    return { notOurs: `${pipelineExecutionArn} is not an execution of ${pipelineArn}` };
  }
  const words = name.split('-');
  for (let count = words.length; count > 0; count -= 1) {
    const groupName = words.slice(0, count).join('-');
    if (configuredBy(groupName) !== undefined) return { groupName };
  }
  return { notOurs: `pipeline ${name} is not named after a group of the policy (<group> or <group>-...)` };
}
