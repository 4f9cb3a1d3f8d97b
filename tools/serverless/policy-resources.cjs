// Serverless Framework reads this at package time (`${file(...)}`), so the IAM statements are
// derived from rollout.config.yml, the one source of truth. CommonJS because the framework
// `require`s variable files. The full validation of the policy runs in `npm run check`
// (tools/check-policy.ts) and when each function starts.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { parse } = require('yaml');

function loadPolicyDocument() {
  return parse(readFileSync(join(__dirname, '..', '..', 'rollout.config.yml'), 'utf8'));
}

function loadGroups() {
  const file = loadPolicyDocument();
  const defaults = file.defaults ?? {};
  return Object.entries(file.modelPackageGroups ?? {}).map(([name, own]) => ({
    name,
    endpointName: own.endpointName ?? defaults.endpointName,
    executionRoleArn: own.executionRoleArn ?? defaults.executionRoleArn,
  }));
}

function sageMakerArn(resource) {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:${resource}` };
}

function unique(values) {
  return [...new Set(values)];
}

module.exports.executionRoleArns = () => {
  const roles = unique(loadGroups().map((group) => group.executionRoleArn));
  if (roles.some((role) => typeof role !== 'string'))
    throw new Error('rollout.config.yml: every group needs executionRoleArn');
  return roles;
};

/** The endpoints of the policy, and the models and endpoint configs we name after them (`<endpoint>-...`). */
module.exports.endpointResources = () =>
  loadGroups().flatMap((group) => [
    sageMakerArn(`endpoint/${group.endpointName}`),
    sageMakerArn(`endpoint-config/${group.endpointName}-*`),
    sageMakerArn(`model/${group.endpointName}-*`),
  ]);

module.exports.modelPackageResources = () =>
  loadGroups().flatMap((group) => [
    sageMakerArn(`model-package/${group.name}/*`),
    sageMakerArn(`model-package-group/${group.name}`),
  ]);

/** The policy as a JavaScript string literal of its JSON, for esbuild's `define`. */
module.exports.policyDocumentLiteral = () => JSON.stringify(JSON.stringify(loadPolicyDocument()));
