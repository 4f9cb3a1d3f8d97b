// What clients and scheduled jobs read to know which version to use: an SSM parameter per group
// (a multi-model group's target model, a batch group's model). https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html
import type { Writer } from './aws-writes.ts';
import { clientOptions } from './client-options.ts';
import { onFirstUse, registered } from './lazy-client.ts';

/** SSM, loaded at the first parameter read or written: only multi-model and batch groups have any (lazy-client.ts). */
const ssm = onFirstUse(async () => {
  const sdk = await import('./sdk/ssm.ts');
  return { sdk, client: registered(new sdk.SSMClient(clientOptions('ssm'))) };
});

/** The parameter's value; undefined when it does not exist. */
export async function readParameter(name: string): Promise<string | undefined> {
  try {
    const { sdk, client } = await ssm();
    return (await client.send(new sdk.GetParameterCommand({ Name: name }))).Parameter?.Value;
  } catch (error) {
    if ((error as Error).name === 'ParameterNotFound') return undefined;
    throw error;
  }
}

export async function publishParameter(writer: Writer, name: string, value: string, description: string) {
  const input = { Name: name, Value: value, Type: 'String' as const, Overwrite: true, Description: description };
  const { sdk, client } = await ssm();
  await writer.write({ service: 'ssm', operation: 'PutParameter', input }, () =>
    client.send(new sdk.PutParameterCommand(input)),
  );
}

export async function deleteParameter(writer: Writer, name: string) {
  const input = { Name: name };
  const { sdk, client } = await ssm();
  await writer.write({ service: 'ssm', operation: 'DeleteParameter', input }, async () => {
    try {
      await client.send(new sdk.DeleteParameterCommand(input));
    } catch (error) {
      if ((error as Error).name !== 'ParameterNotFound') throw error;
    }
  });
}
