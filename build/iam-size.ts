// What IAM counts against a role's inline policy quota (10,240 characters, all inline policies together,
// whitespace excluded: IAM and AWS STS quotas), read from a packaged CloudFormation template.

export interface TemplateResource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

export const inlinePolicyQuota = 10_240;

const pseudoParameters: Record<string, string> = {
  Partition: 'aws',
  // The longest commercial region name, so the count errs on the long side.
  Region: 'ap-southeast-2',
  AccountId: '123456789012',
};

/** A policy as IAM stores it: intrinsic functions resolved to values as long as the real ones. */
export function resolvedIntrinsics(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(resolvedIntrinsics);
  if (typeof value !== 'object' || value === null) return value;
  const node = value as Record<string, unknown>;
  if ('Fn::Sub' in node) {
    return String(node['Fn::Sub']).replace(/\$\{AWS::(\w+)\}/g, (_, name: string) => pseudoParameters[name] ?? name);
  }
  // Table, queue and topic ARNs of a stage named `production`.
  if ('Fn::GetAtt' in node || 'Ref' in node) {
    return 'arn:aws:sqs:ap-southeast-2:123456789012:sagemaker-rollout-production-dead-letters';
  }
  if ('Fn::Join' in node) {
    const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
    return (resolvedIntrinsics(parts) as string[]).join(separator);
  }
  return Object.fromEntries(Object.entries(node).map(([key, item]) => [key, resolvedIntrinsics(item)]));
}

export function inlinePolicyCharacters(role: TemplateResource): number {
  const policies = role.Properties.Policies as { PolicyDocument: unknown }[];
  return policies.reduce((sum, policy) => sum + JSON.stringify(resolvedIntrinsics(policy.PolicyDocument)).length, 0);
}

/** The role serverless-iam-roles-per-function gives a function: `pipeline-events` is PipelineDasheventsIamRole... */
export function roleOf(functionName: string, resources: Readonly<Record<string, TemplateResource>>): TemplateResource {
  const logicalId = `${functionName[0]?.toUpperCase()}${functionName.slice(1).replaceAll('-', 'Dash')}IamRoleLambdaExecution`;
  const role = resources[logicalId];
  if (role === undefined) throw new Error(`the template has no role ${logicalId}`);
  return role;
}
