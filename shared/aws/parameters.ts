// What clients and scheduled jobs read to know which version to use: an SSM parameter per group
// (a multi-model group's target model, a batch group's model). https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';

export const ssm = new SSMClient(clientOptions('ssm'));

/** The parameter's value; undefined when it does not exist. */
export async function readParameter(name: string): Promise<string | undefined> {
  try {
    return (await ssm.send(new GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

export async function publishParameter(writer: Writer, name: string, value: string, description: string) {
  const input = { Name: name, Value: value, Type: 'String' as const, Overwrite: true, Description: description };
  await writer.write({ service: 'ssm', operation: 'PutParameter', input }, () =>
    ssm.send(new PutParameterCommand(input)),
  );
}

export async function deleteParameter(writer: Writer, name: string) {
  const input = { Name: name };
  await writer.write({ service: 'ssm', operation: 'DeleteParameter', input }, async () => {
    try {
      await ssm.send(new DeleteParameterCommand(input));
    } catch (error) {
      if ((error as Error).name !== 'ParameterNotFound') throw error;
    }
  });
}
