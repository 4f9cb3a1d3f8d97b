import {
  CodePipelineClient,
  GetPipelineExecutionCommand,
  StartPipelineExecutionCommand,
} from '@aws-sdk/client-codepipeline';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';

export const codepipeline = new CodePipelineClient(clientOptions('codepipeline'));

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
  const started = await writer.write({ service: 'codepipeline', operation: 'StartPipelineExecution', input }, () =>
    codepipeline.send(new StartPipelineExecutionCommand(input)),
  );
  return started?.pipelineExecutionId;
}

export async function readPipelineExecutionStatus(
  pipelineName: string,
  executionId: string,
): Promise<string | undefined> {
  const execution = await codepipeline.send(
    new GetPipelineExecutionCommand({ pipelineName, pipelineExecutionId: executionId }),
  );
  return execution.pipelineExecution?.status;
}
