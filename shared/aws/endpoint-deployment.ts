// Secondary adapter, reads only: what SageMaker reports of an endpoint's deployment (the config that serves,
// the one a deployment in flight moves to, why the last one failed) and which model each variant of a
// config runs. DescribeEndpoint's ProductionVariants name no model, so a config is read to find it.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeEndpoint.html
import {
  DescribeEndpointConfigCommand,
  type DescribeEndpointOutput,
  type ProductionVariantStatus,
} from '@aws-sdk/client-sagemaker';
import { sagemaker } from './sagemaker.ts';

/** A deployment in flight, as PendingDeploymentSummary describes it. */
export interface PendingDeployment {
  /** The config SageMaker moves the endpoint to. */
  readonly configName: string;
  readonly startedAt: string | null;
  /** The newest status of each of the new fleet's variants, as SageMaker words it ("Baking: ..."). */
  readonly variantStatus: readonly string[];
}

export interface EndpointDeployment {
  readonly status: string;
  /** EndpointConfigName: the config that serves, the old one until a deployment in flight ends. */
  readonly configName: string;
  readonly pending: PendingDeployment | null;
  /** FailureReason: why the endpoint Failed, or why an update of an InService endpoint failed (and was rolled back). */
  readonly failureReason: string | null;
}

function newestStatus(statuses: readonly ProductionVariantStatus[] | undefined): string | null {
  const newest = [...(statuses ?? [])]
    .sort((left, right) => (left.StartTime?.getTime() ?? 0) - (right.StartTime?.getTime() ?? 0))
    .at(-1);
  if (newest?.Status === undefined) return null;
  return newest.StatusMessage ? `${newest.Status}: ${newest.StatusMessage}` : newest.Status;
}

/**
 * While a deployment runs the endpoint is Updating, EndpointConfigName still names the old config and
 * PendingDeploymentSummary the new one, each of its variants with a VariantStatus (Creating, Baking...).
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_PendingDeploymentSummary.html
 * https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_ProductionVariantStatus.html
 */
export function deploymentOf(endpoint: DescribeEndpointOutput): EndpointDeployment {
  const pending = endpoint.PendingDeploymentSummary;
  return {
    status: endpoint.EndpointStatus ?? 'unknown',
    configName: endpoint.EndpointConfigName ?? '',
    pending:
      pending?.EndpointConfigName === undefined
        ? null
        : {
            configName: pending.EndpointConfigName,
            startedAt: pending.StartTime?.toISOString() ?? null,
            variantStatus: (pending.ProductionVariants ?? []).flatMap((variant) => {
              const status = newestStatus(variant.VariantStatus);
              return status === null ? [] : [status];
            }),
          },
    failureReason: endpoint.FailureReason || null,
  };
}

/** The model each variant of a config runs; undefined when the config does not exist (deleted: the endpoint keeps its name). */
export async function readConfigModels(
  configName: string,
): Promise<readonly { readonly variantName: string; readonly modelName: string | null }[] | undefined> {
  try {
    const config = await sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: configName }));
    return (config.ProductionVariants ?? []).map((variant) => ({
      variantName: variant.VariantName ?? '',
      modelName: variant.ModelName ?? null,
    }));
  } catch (error) {
    // SageMaker answers a missing config with a ValidationException; only the message says so.
    if ((error as Error).name === 'ValidationException' && /could not find/i.test((error as Error).message)) {
      return undefined;
    }
    throw error;
  }
}
