// A smoke test: one inference of a multi-model endpoint's new model before clients are told to use it.
// https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_runtime_InvokeEndpoint.html
import { clientOptions } from './client-options.ts';
import { onFirstUse, registered } from './lazy-client.ts';

/** SageMaker Runtime, loaded at a multi-model group's smoke test only (lazy-client.ts). */
export const sagemakerRuntime = onFirstUse(async () => {
  const sdk = await import('./sdk/sagemaker-runtime.ts');
  return { sdk, client: registered(new sdk.SageMakerRuntimeClient(clientOptions('sagemaker-runtime'))) };
});

export type SmokeTestResult = { readonly passed: true } | { readonly passed: false; readonly error: string };

/** Invokes `targetModel` with the payload; a model error or a missing model fails it, other errors are thrown. */
export async function invokeTargetModel(
  endpointName: string,
  targetModel: string,
  payload: string,
  contentType: string,
): Promise<SmokeTestResult> {
  try {
    const { sdk, client } = await sagemakerRuntime();
    await client.send(
      new sdk.InvokeEndpointCommand({
        EndpointName: endpointName,
        TargetModel: targetModel,
        ContentType: contentType,
        Body: new TextEncoder().encode(payload),
      }),
    );
    return { passed: true };
  } catch (error) {
    const { name, message } = error as Error;
    // The model answered with an error, or could not be loaded: that is the test's verdict.
    if (name === 'ModelError' || name === 'ValidationError' || name === 'ValidationException') {
      return { passed: false, error: `${name}: ${message}` };
    }
    throw error;
  }
}
