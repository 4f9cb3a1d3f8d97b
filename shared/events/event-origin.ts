// Whose event is this? A stack serves one account and region. An event from elsewhere, or one whose
// package ARN lies outside it or outside the group the event names, is about something this stack does
// not own: it is ignored with a warning, before any AWS call (an ARN of another account can still
// resolve to a look-alike name here). Pure.
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

/** Why this model package ARN is not one of the group's in this stack's account, or undefined when it is. */
export function packageNotInGroup(packageArn: string, groupName: string, home: Home): string | undefined {
  const [, partition, service, region, account, resource = ''] = arnPattern.exec(packageArn) ?? [];
  if (partition !== home.partition || service !== 'sagemaker' || region !== home.region || account !== home.account) {
    return `${packageArn} is not a SageMaker resource of ${home.partition} account ${home.account} in ${home.region}`;
  }
  const [, group] = /^model-package\/([^/]+)\/\d+$/.exec(resource) ?? [];
  return group === groupName ? undefined : `${packageArn} does not belong to the group ${groupName} the event names`;
}
