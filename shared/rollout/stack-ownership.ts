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

/**
 * Whether an existing model with the name a rollout wants is its own (this stack created it from this
 * package: a retried step), or someone else's, which the rollout must never reuse nor delete.
 */
export function modelOwnership(
  model: { readonly fields: Readonly<Record<string, unknown>>; readonly tags: readonly Tag[] },
  stackName: string,
  packageArn: string,
): { readonly by: 'this rollout' } | { readonly by: 'someone else'; readonly why: string } {
  const owner = model.tags.find((tag) => tag.Key === stackTagKey)?.Value;
  if (owner !== stackName) {
    return { by: 'someone else', why: owner === undefined ? 'it has no stack tag' : `it belongs to stack ${owner}` };
  }
  const containers = [model.fields.PrimaryContainer, ...((model.fields.Containers as unknown[] | undefined) ?? [])];
  const fromPackage = containers.some(
    (container) => (container as { ModelPackageName?: string } | undefined)?.ModelPackageName === packageArn,
  );
  return fromPackage ? { by: 'this rollout' } : { by: 'someone else', why: `it was not made from ${packageArn}` };
}
