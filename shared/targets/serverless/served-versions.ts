// Which version a serverless endpoint serves, and which one SageMaker is deploying, read from the endpoint
// (not from the rollout's record): during a guardrail deployment the endpoint is Updating, still on the old
// config, with the new one in PendingDeploymentSummary; after it, on the new config (completed) or on the
// old one with a FailureReason (SageMaker rolled it back). Each config's variant's model names the package
// it was made from (approval/serving-package.ts). Used by `rollout status`.
import { versionServedByModel } from '#shared/approval/serving-package.ts';
import { type EndpointDeployment, readConfigModels } from '#shared/aws/endpoint-deployment.ts';

/** A config and the version it serves. */
export interface ServedConfig {
  readonly configName: string;
  /** The model of the config's one variant; null when the config is gone or has not one variant. */
  readonly modelName: string | null;
  /** The package the model was made from; null when the model does not tell it. */
  readonly packageArn: string | null;
  /** The package's version, else the one in the name the rollout gives its configs; null when neither tells. */
  readonly version: number | null;
  /** Why the model does not tell its package; null when it does. */
  readonly unidentified: string | null;
}

export interface ServerlessServing {
  /** What serves now (EndpointConfigName); null while the endpoint is being created: nothing serves yet. */
  readonly serving: ServedConfig | null;
  /** A deployment in flight: the config SageMaker moves to, since when, and its fleet's status as SageMaker words it. */
  readonly deploying: (ServedConfig & { readonly startedAt: string | null; readonly status: string | null }) | null;
  /**
   * SageMaker's FailureReason once no deployment is in flight: on an InService endpoint, its last update failed and
   * was rolled back (the serving config is the one before it); on a Failed one, why it failed.
   */
  readonly failureReason: string | null;
}

/** The version in a config name the rollout made, `<endpoint>-v<N>-final` (rollout/rollout-state.ts configNameFor). Pure. */
export function versionInConfigName(endpointName: string, configName: string): number | null {
  const prefix = `${endpointName}-v`;
  if (!configName.startsWith(prefix)) return null;
  const match = /^(\d+)-final$/.exec(configName.slice(prefix.length));
  return match?.[1] === undefined ? null : Number(match[1]);
}

/** arn:aws:sagemaker:<region>:<account>:model-package/<group>/<version>. Pure. */
export function versionOfPackage(packageArn: string): number | null {
  const match = /\/(\d+)$/.exec(packageArn);
  return match?.[1] === undefined ? null : Number(match[1]);
}

async function identifyConfig(endpointName: string, groupName: string, configName: string): Promise<ServedConfig> {
  const byName = versionInConfigName(endpointName, configName);
  const unknown = (modelName: string | null, unidentified: string): ServedConfig => ({
    configName,
    modelName,
    packageArn: null,
    version: byName,
    unidentified,
  });
  const variants = await readConfigModels(configName);
  if (variants === undefined) return unknown(null, `config ${configName} does not exist any more`);
  const [variant, ...others] = variants;
  if (variant === undefined || others.length > 0)
    return unknown(null, `config ${configName} has ${variants.length} variants, not one`);
  if (variant.modelName === null) return unknown(null, `config ${configName}'s variant has no model`);
  const served = await versionServedByModel(variant.modelName, groupName);
  if ('packageArn' in served) {
    const version = versionOfPackage(served.packageArn);
    return { configName, modelName: variant.modelName, packageArn: served.packageArn, version, unidentified: null };
  }
  return unknown(variant.modelName, 'unidentified' in served ? served.unidentified : served.nothing);
}

const settled = new Set(['InService', 'Failed']);

/** Up to two configs read (the one serving, the one deployed), each with its model: 3 calls a config. */
export async function readServerlessServing(
  endpointName: string,
  groupName: string,
  endpoint: EndpointDeployment,
): Promise<ServerlessServing> {
  // Creating: the config named is the first one, not serving yet (it may also be in PendingDeploymentSummary).
  const creating = endpoint.status === 'Creating';
  const deployingName = endpoint.pending?.configName ?? (creating ? endpoint.configName : undefined);
  const [serving, deploying] = await Promise.all([
    creating ? null : identifyConfig(endpointName, groupName, endpoint.configName),
    deployingName === undefined ? null : identifyConfig(endpointName, groupName, deployingName),
  ]);
  return {
    serving,
    deploying:
      deploying === null
        ? null
        : {
            ...deploying,
            startedAt: endpoint.pending?.startedAt ?? null,
            status: endpoint.pending?.variantStatus.join('; ') || null,
          },
    // FailureReason tells of a Failed endpoint or an InService one whose update failed (API_DescribeEndpoint); one
    // seen while a new deployment runs is the previous one's and says nothing of this one.
    failureReason: endpoint.pending === null && settled.has(endpoint.status) ? endpoint.failureReason : null,
  };
}
