import type { Tag } from './rollout-state.ts';

/**
 * Every model, endpoint config and endpoint a rollout creates carries this tag, valued with the stack's
 * name. The functions' IAM policies (serverless.yml) let them update and delete only what carries it,
 * which stays a few statements at a thousand groups where per-endpoint ARNs would not fit a role.
 */
export const stackTagKey = 'sagemaker-rollout:stack';

/** The tags to create a resource with: the ones copied from the incumbent, this stack's tag in place of any other's. */
export function withStackTag(tags: readonly Tag[], stackName: string): Tag[] {
  return [...tags.filter((tag) => tag.Key !== stackTagKey), { Key: stackTagKey, Value: stackName }];
}
