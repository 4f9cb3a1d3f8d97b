import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { onFirstUse, registered } from './lazy-client.ts';

/** CodePipeline, loaded for the groups with a delivery pipeline only (lazy-client.ts). */
const codepipeline = onFirstUse(async () => {
  const sdk = await import('./sdk/codepipeline.ts');
  return { sdk, client: registered(new sdk.CodePipelineClient(clientOptions('codepipeline'))) };
});

/**
 * Starts the group's delivery pipeline for a version. The client request token makes a retried
 * start return the same execution: https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StartPipelineExecution.html
 */
export async function startDeliveryPipeline(
  writer: Writer,
  pipelineName: string,
  packageArn: string,
  requestToken: string,
): Promise<string | undefined> {
  const input = {
    name: pipelineName,
    clientRequestToken: requestToken,
    variables: [{ name: 'ModelPackageArn', value: packageArn }],
  };
  const { sdk, client } = await codepipeline();
  const started = await writer.write({ service: 'codepipeline', operation: 'StartPipelineExecution', input }, () =>
    client.send(new sdk.StartPipelineExecutionCommand(input)),
  );
  return started?.pipelineExecutionId;
}

export async function readPipelineExecutionStatus(
  pipelineName: string,
  executionId: string,
): Promise<string | undefined> {
  const { sdk, client } = await codepipeline();
  const execution = await client.send(
    new sdk.GetPipelineExecutionCommand({ pipelineName, pipelineExecutionId: executionId }),
  );
  return execution.pipelineExecution?.status;
}
