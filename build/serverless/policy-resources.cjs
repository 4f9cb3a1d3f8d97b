// Serverless Framework reads this at package time (`${file(...)}`), so the IAM statements are derived
// from the rollout policy, the one source of truth: rollout.config.yml, or the file ROLLOUT_POLICY_FILE
// names. CommonJS because the framework `require`s variable files. The full validation of the policy runs
// in `npm run check` (build/check-policy.ts); here only what the statements need is read, and the policy is
// compiled for the bundles (policyDocumentLiteral).
//
// A role's inline policies are limited to 10,240 characters (IAM quotas), so lists that grow with the
// groups are kept short: a pattern is already a glob, and past a limit names are merged into prefix
// globs (shop-0001 ... shop-0999 become shop-0*). The functions never act on a group the policy does not
// configure; the globs are the second line of defence, not the first.
const { readFileSync, statSync } = require('node:fs');
const { join, resolve } = require('node:path');
// The parsing and compiling of the policy are the TypeScript modules the CLI and the functions use (one source
// of truth), loaded through tsx without registering it for anything else the framework requires.
const tsx = require('tsx/cjs/api');

/** At most this many model package groups, execution roles and delivery pipelines in a statement's resources. */
const groupGlobLimit = 30;
const roleGlobLimit = 10;
// Pipelines are few (one per team or per stage, rarely per group), and each ARN is long: with 10, a policy
// of 1,000 groups with a pipeline each keeps its largest role at ~7,600 of the 10,240 characters.
const pipelineGlobLimit = 10;

function policyFile() {
  const named = process.env.ROLLOUT_POLICY_FILE;
  return named === undefined || named === '' ? join(__dirname, '..', '..', 'rollout.config.yml') : resolve(named);
}

/** The TypeScript module at `path` (from the project's root), loaded once. */
function typescriptModule(path) {
  return tsx.require(join(__dirname, '..', '..', path), __filename);
}

/** How many times a policy file was parsed in this process (the tests check it is once per file). */
let parseCount = 0;
/** The file last read and what was derived from it: serverless resolves one variable per statement it fills in. */
let loaded;

/**
 * The policy document, its groups and its compiled form, read once per version of the file: a `serverless
 * package` resolves several `${file(...)}` variables, each calling this module, and at 10,000 groups each parse
 * took ~2 s. The version is the path, modification time and size (a test or an editor may change the file
 * between two calls in one process). A refused policy is remembered as its error, thrown to each caller.
 */
function loadPolicy() {
  const path = policyFile();
  const { mtimeMs, size } = statSync(path);
  const version = JSON.stringify([path, mtimeMs, size]);
  if (loaded?.version !== version) loaded = { version, ...readPolicy(path) };
  if (loaded.error !== undefined) throw loaded.error;
  return loaded;
}

function readPolicy(path) {
  try {
    parseCount += 1;
    const { parsePolicyYaml } = typescriptModule('shared/policy/policy-yaml.ts');
    const document = parsePolicyYaml(readFileSync(path, 'utf8'));
    refuseStarterPlaceholders(document);
    return { document, groups: groupsOf(document) };
  } catch (error) {
    return { error };
  }
}

/**
 * The starter rollout.config.yml holds `<...>` placeholders where the endpoint and the execution role go.
 * Packaged as it is, the stack would deploy and act on nothing, so packaging stops here and says what to fill
 * in. Only these keys are looked at: the schema refuses `<` in both, so no valid policy is ever refused.
 */
function refuseStarterPlaceholders(document) {
  const entries = [
    ['defaults', document?.defaults],
    ...Object.entries(document?.modelPackageGroups ?? {}).map(([key, own]) => [`modelPackageGroups.${key}`, own]),
  ];
  for (const [path, entry] of entries) {
    for (const key of ['endpointName', 'executionRoleArn']) {
      const value = entry?.[key];
      if (typeof value !== 'string' || !/<[^<>]*>/.test(value)) continue;
      const error = new Error(
        `${policyFile()}: ${path}.${key} is still the starter's placeholder (${value}): fill in the policy ` +
          '(npm run check-policy names what is missing), or package another one with ROLLOUT_POLICY_FILE=<file>',
      );
      // osls prints a rejection's stack, once per variable that reads the policy: the message is what helps.
      error.stack = error.message;
      throw error;
    }
  }
}

/** Each group key of the policy with what the statements need; in a pattern `{group}` stands for any name. */
function groupsOf(file) {
  const defaults = file?.defaults ?? {};
  return Object.entries(file?.modelPackageGroups ?? {}).map(([key, own]) => {
    const role = own?.executionRoleArn ?? defaults.executionRoleArn;
    const name = key.includes('*') ? '*' : key;
    const prefix = own?.multiModel?.modelPrefix ?? defaults.multiModel?.modelPrefix;
    const pipeline = own?.deliveryPipeline?.name ?? defaults.deliveryPipeline?.name;
    return {
      key,
      executionRoleArn: typeof role === 'string' ? role.replaceAll('{group}', name) : role,
      modelPrefix: typeof prefix === 'string' ? prefix.replaceAll('{group}', name) : undefined,
      deliveryPipeline: typeof pipeline === 'string' ? pipeline.replaceAll('{group}', name) : undefined,
    };
  });
}

function unique(values) {
  return [...new Set(values)];
}

/** `name` cut to `length` literal characters and a `*`; a glob whose literal part is shorter stays as it is. */
function prefixGlob(name, length) {
  const star = name.indexOf('*');
  const literal = star < 0 ? name : name.slice(0, star);
  return literal.length <= length ? name : `${literal.slice(0, length)}*`;
}

/** A `prefix*` glob covers every name that starts with its prefix. */
function coveredByAnother(name, globs) {
  return globs.some(
    (glob) =>
      glob !== name && glob.endsWith('*') && !glob.slice(0, -1).includes('*') && name.startsWith(glob.slice(0, -1)),
  );
}

/**
 * At most `limit` globs matching every name: the names themselves when they fit, else names that share a
 * prefix merged into `prefix*`, the longest shared prefixes first. Every name stays matched; what else a
 * glob matches is the price of fitting.
 */
function globsWithin(names, limit) {
  let globs = unique(names);
  for (
    // Not Math.max(...names): a spread of 100,000 arguments overflows the stack.
    let length = globs.reduce((longest, name) => Math.max(longest, name.length), 0);
    globs.length > limit && length >= 0;
    length -= 1
  ) {
    const sharing = new Map();
    for (const glob of globs) sharing.set(prefixGlob(glob, length), (sharing.get(prefixGlob(glob, length)) ?? 0) + 1);
    globs = unique(globs.map((glob) => (sharing.get(prefixGlob(glob, length)) > 1 ? prefixGlob(glob, length) : glob)));
  }
  return globs.filter((glob) => !coveredByAnother(glob, globs));
}

function sageMakerArn(resource) {
  return { 'Fn::Sub': `arn:\${AWS::Partition}:sagemaker:\${AWS::Region}:\${AWS::AccountId}:${resource}` };
}

module.exports.executionRoleArns = () => {
  const groups = loadPolicy().groups;
  const missing = groups.find((group) => typeof group.executionRoleArn !== 'string');
  if (missing !== undefined)
    throw new Error(`${policyFile()}: modelPackageGroups.${missing.key} needs executionRoleArn`);
  return globsWithin(
    groups.map((group) => group.executionRoleArn),
    roleGlobLimit,
  );
};

/** The versions of the configured groups (`model-package/<group>/<version>`): approve and reject only those. */
module.exports.modelPackageResources = () =>
  globsWithin(
    loadPolicy().groups.map((group) => group.key),
    groupGlobLimit,
  ).map((glob) => sageMakerArn(`model-package/${glob}/*`));

/**
 * The objects under the multi-model groups' model prefixes (s3://bucket/prefix/ -> arn:aws:s3:::bucket/prefix*).
 * IAM wants at least one resource: without a multi-model group, one that names nothing.
 */
module.exports.modelPrefixResources = () => {
  const prefixes = unique(
    loadPolicy().groups.flatMap((group) => (group.modelPrefix === undefined ? [] : [group.modelPrefix])),
  );
  const paths = prefixes.map((prefix) => prefix.replace(/^s3:\/\//, ''));
  const globs = globsWithin(paths.length > 0 ? paths : ['sagemaker-rollout-no-multi-model-group/'], groupGlobLimit);
  return globs.map((path) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${path.endsWith('*') ? path : `${path}*`}` }));
};

/**
 * The policy's delivery pipelines (arn:aws:codepipeline:<region>:<account>:<name>): the only ones a rollout
 * starts and reads. IAM wants at least one resource: without a pipeline in the policy, one that names nothing.
 */
module.exports.deliveryPipelineResources = () => {
  const names = unique(
    loadPolicy().groups.flatMap((group) => (group.deliveryPipeline === undefined ? [] : [group.deliveryPipeline])),
  );
  return globsWithin(names.length > 0 ? names : ['sagemaker-rollout-no-delivery-pipeline'], pipelineGlobLimit).map(
    (glob) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:codepipeline:\${AWS::Region}:\${AWS::AccountId}:${glob}` }),
  );
};

/**
 * The policy compiled for the bundles (shared/policy/compiled-policy.ts) as a JavaScript string literal, for
 * esbuild's `define`: a cold start reads one group's entry at a time, whatever the number of groups.
 */
module.exports.policyDocumentLiteral = () => {
  const policy = loadPolicy();
  if (policy.literal === undefined) {
    const { compilePolicy } = typescriptModule('shared/policy/compiled-policy.ts');
    try {
      policy.literal = JSON.stringify(compilePolicy(policy.document, policyFile()));
    } catch (error) {
      // osls prints a rejection's stack: for a policy's problem, the message is what helps.
      if (error?.name === 'BadInputError') error.stack = error.message;
      throw error;
    }
  }
  return policy.literal;
};

module.exports.policyParseCount = () => parseCount;

module.exports.globsWithin = globsWithin;
