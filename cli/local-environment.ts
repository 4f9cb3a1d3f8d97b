/**
 * The environment of a local run, set before anything creates an AWS client or the logger (both read
 * it when they are created). With `endpointUrl`, every AWS SDK client of this process talks to it.
 */
export function prepareLocalEnvironment(options: { endpointUrl?: string; quiet: boolean }): void {
  if (options.endpointUrl !== undefined) process.env.AWS_ENDPOINT_URL = options.endpointUrl;
  if (options.quiet) process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  // Local runs use Node 20; the deployed functions run Node 22.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  if (process.env.AWS_ENDPOINT_URL !== undefined) {
    // A local emulator accepts any credentials; the SDK still wants some.
    process.env.AWS_REGION ??= 'us-east-1';
    process.env.AWS_ACCESS_KEY_ID ??= 'test';
    process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  }
}
