// The new version's model: the package's containers (what runs and what it loads), each carrying the
// settings of the incumbent container it replaces, with the policy's `model` overrides. Pure.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateModel.html
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ContainerDefinition.html
import type { GroupPolicy } from '#shared/policy/policy-schema.ts';
import type { DescribedModel } from '#shared/rollout/observed-state.ts';
import type { ChallengerPlan } from '#shared/rollout/rollout-state.ts';

type Fields = Readonly<Record<string, unknown>>;
type Environment = Readonly<Record<string, string>>;

// CreateModel fields that the new version brings itself, or that the policy decides (the role:
// iam:PassRole allows only the policy's). Every other field of the incumbent model is carried, even one
// this code does not know (a setting AWS adds later), since the SDK only sends what CreateModel takes.
const modelIdentity = ['ModelName', 'ModelArn', 'CreationTime', 'PrimaryContainer', 'Containers', 'ExecutionRoleArn'];
// Output-only fields of DescribeModel that CreateModel does not take.
const modelOutputOnly = ['DeploymentRecommendation'];
// How the containers of a model of several are called: decided below, and only for several containers
// (API_InferenceExecutionConfig: "how containers in a multi-container endpoint are called").
const inferenceExecution = 'InferenceExecutionConfig';

// Every field of ContainerDefinition, in two kinds. A container field not listed is refused (see
// containerRefusal): unlike a model's settings, a container's fields may name what it loads, and a field
// copied from the old container to the new package's would load the old model's data.
// What runs and what it loads: the new package brings its own.
const packageContainerFields = [
  'Image',
  'ModelDataUrl',
  'ModelDataSource',
  'AdditionalModelDataSources',
  'ModelPackageName',
  'InferenceSpecificationName',
];
// How it runs: the incumbent container's, kept (Environment merged, see environmentFor). ImageConfig says
// where images are pulled from (a private registry in the VPC); ContainerMetricsConfig where its metrics
// are scraped.
const keptContainerFields = [
  'ContainerHostname',
  'ImageConfig',
  'Mode',
  'MultiModelConfig',
  'ContainerMetricsConfig',
  'Environment',
];

/** Every ContainerDefinition field this version knows, by kind (a unit test checks the SDK's list against it). */
export const containerFields = { fromPackage: packageContainerFields, kept: keptContainerFields } as const;

// The fields of a package's container that make a model's container of several.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ModelPackageContainerDefinition.html
const pipelineContainerFields = [
  'ContainerHostname',
  'Image',
  'ModelDataUrl',
  'ModelDataSource',
  'AdditionalModelDataSources',
];

/**
 * Variables that say which code or which model a container loads: they belong to the artifact the package
 * was built with, not to the endpoint. A package that brings its own Environment is never given the
 * incumbent's: an old SAGEMAKER_SUBMIT_DIRECTORY would load the old version's code beside the new model.
 * - SAGEMAKER_PROGRAM, SAGEMAKER_SUBMIT_DIRECTORY: the entry script and where its code is, set by the
 *   SageMaker Python SDK for framework models in script mode (sagemaker/model.py, _script_mode_env_vars;
 *   the S3 prefix of the code uploaded with that training run, or /opt/ml/model/code inside its artifact).
 * - HF_MODEL_ID, HF_TASK: the model and the task the Hugging Face Inference Toolkit loads
 *   (https://github.com/aws/sagemaker-huggingface-inference-toolkit#environment-variables).
 * The rest (SAGEMAKER_MODEL_SERVER_WORKERS, LOG_LEVEL...) is how the endpoint runs the model: the
 * incumbent's is kept.
 */
export const codePathVariables = ['SAGEMAKER_PROGRAM', 'SAGEMAKER_SUBMIT_DIRECTORY', 'HF_MODEL_ID', 'HF_TASK'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pick(fields: Fields, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => names.includes(name)));
}

function omit(fields: Fields, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([name]) => !names.includes(name)));
}

function environmentOf(container: Fields | undefined): Environment | undefined {
  const environment = container?.Environment;
  return isRecord(environment) ? (environment as Environment) : undefined;
}

/** The incumbent model's containers, in order: its Containers, or its one PrimaryContainer. */
export function containersOf(model: DescribedModel): { readonly path: string; readonly fields: Fields }[] {
  const { Containers: containers, PrimaryContainer: primary } = model.fields;
  if (Array.isArray(containers) && containers.length > 0) {
    return containers.map((fields, index) => ({
      path: `Containers[${index}]`,
      fields: isRecord(fields) ? fields : {},
    }));
  }
  return isRecord(primary) ? [{ path: 'PrimaryContainer', fields: primary }] : [];
}

/** Why the incumbent model's containers cannot be carried; undefined when they can. */
export function containerRefusal(model: DescribedModel): string | undefined {
  for (const { path, fields } of containersOf(model)) {
    if (fields.Mode === 'MultiModel') return `its model has ${path}.Mode MultiModel (a multi-model endpoint)`;
    const unknown = Object.keys(fields).find(
      (name) => !packageContainerFields.includes(name) && !keptContainerFields.includes(name),
    );
    if (unknown !== undefined) {
      return (
        `its model has ${path}.${unknown}, a container field this version does not know: it might name what the ` +
        'old container loads, so it is neither carried nor dropped; upgrade sagemaker-rollout'
      );
    }
  }
  return undefined;
}

/**
 * One container's Environment: the package's own, then the incumbent container's (its code-path variables
 * only when the package brings no Environment of its own), then the policy's `model.environment`, each
 * winning over the one before.
 */
export function environmentFor(
  packageEnvironment: Environment | undefined,
  incumbentEnvironment: Environment | undefined,
  policyEnvironment: Environment | undefined,
): Record<string, string> {
  const bringsOwn = packageEnvironment !== undefined && Object.keys(packageEnvironment).length > 0;
  const carried = bringsOwn ? omit(incumbentEnvironment ?? {}, codePathVariables) : (incumbentEnvironment ?? {});
  return { ...packageEnvironment, ...(carried as Environment), ...policyEnvironment };
}

/**
 * The incumbent container a package's container replaces: the one of the same ContainerHostname (how a
 * Direct call names its container), else the one at the same position.
 */
function replacedContainer(incumbent: readonly { fields: Fields }[], packageContainer: Fields, index: number) {
  const hostname = packageContainer.ContainerHostname;
  const sameHost =
    typeof hostname === 'string'
      ? incumbent.find((container) => container.fields.ContainerHostname === hostname)
      : undefined;
  return (sameHost ?? incumbent[index])?.fields;
}

/** A container with its Environment when it has one (CreateModel takes none rather than an empty one). */
function withEnvironment(fields: Record<string, unknown>, environment: Record<string, string>) {
  const { Environment: _, ...rest } = fields;
  return Object.keys(environment).length > 0 ? { ...rest, Environment: environment } : rest;
}

/**
 * The new model: the incumbent model's settings (every field but identity) with the policy's `vpcConfig`
 * and `enableNetworkIsolation`; its containers from the package, each with the settings of the incumbent
 * container it replaces (ImageConfig, Mode...) and the merged Environment. A package of one container is
 * named by the package (PrimaryContainer.ModelPackageName); one of several becomes Containers in the
 * package's order, run as the policy says, else as the incumbent ran, else Serial
 * (https://docs.aws.amazon.com/sagemaker/latest/dg/inference-pipelines.html). No incumbent: the policy alone.
 */
export function challengerModel(
  group: GroupPolicy,
  incumbentModel: DescribedModel | undefined,
  packageContainers: readonly Fields[] | undefined,
): Pick<ChallengerPlan, 'modelSettings' | 'containerSettings' | 'containers'> {
  const { environment: policyEnvironment, vpcConfig, enableNetworkIsolation } = group.model;
  const incumbentFields = incumbentModel?.fields ?? {};
  const incumbentContainers = incumbentModel === undefined ? [] : containersOf(incumbentModel);
  const modelSettings = {
    ...omit(incumbentFields, [...modelIdentity, ...modelOutputOnly, inferenceExecution]),
    ...(vpcConfig === undefined
      ? {}
      : { VpcConfig: { SecurityGroupIds: vpcConfig.securityGroupIds, Subnets: vpcConfig.subnets } }),
    ...(enableNetworkIsolation === undefined ? {} : { EnableNetworkIsolation: enableNetworkIsolation }),
  };
  const containerFor = (packageContainer: Fields, index: number) => {
    const replaced = replacedContainer(incumbentContainers, packageContainer, index);
    const kept = pick(replaced ?? {}, keptContainerFields);
    const environment = environmentFor(environmentOf(packageContainer), environmentOf(replaced), policyEnvironment);
    return { kept, environment };
  };

  if (packageContainers === undefined || packageContainers.length < 2) {
    const { kept, environment } = containerFor(packageContainers?.[0] ?? {}, 0);
    return { modelSettings, containerSettings: withEnvironment(kept, environment) };
  }
  const containers = packageContainers.map((packageContainer, index) => {
    const { kept, environment } = containerFor(packageContainer, index);
    return withEnvironment({ ...kept, ...pick(packageContainer, pipelineContainerFields) }, environment);
  });
  const incumbentExecution = incumbentFields[inferenceExecution];
  const incumbentMode = isRecord(incumbentExecution) ? incumbentExecution.Mode : undefined;
  const mode = group.model.inferenceExecution ?? incumbentMode ?? 'Serial';
  return {
    modelSettings: { ...modelSettings, [inferenceExecution]: { Mode: mode } },
    containerSettings: {},
    containers,
  };
}
