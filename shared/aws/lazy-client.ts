// Clients that only some targets or paths call (S3, SSM, CodePipeline, Application Auto Scaling, SageMaker
// Runtime, SQS) are built on first use, their SDK module imported then. In the bundles esbuild keeps a
// dynamically imported module's top level in a wrapper that runs at the import, so a function that never
// calls S3 never evaluates the S3 client at cold start (measured by `npm run bench`).

interface AnyClient {
  readonly middlewareStack: unknown;
}

const built: AnyClient[] = [];
const hooks: ((client: AnyClient) => void)[] = [];

/** Every client the functions build passes through here, so a hook sees it whenever it is built. */
export function registered<Client extends AnyClient>(client: Client): Client {
  built.push(client);
  for (const hook of hooks) hook(client);
  return client;
}

/** Runs `hook` on every client built so far and on each one built later (the demo's call counter). */
export function onEveryClient(hook: (client: AnyClient) => void): void {
  hooks.push(hook);
  for (const client of built) hook(client);
}

/** `build` once, at the first call; a failed build (a module that did not load) is tried again next time. */
export function onFirstUse<T>(build: () => Promise<T>): () => Promise<T> {
  let building: Promise<T> | undefined;
  return () => {
    building ??= build().catch((error: unknown) => {
      building = undefined;
      throw error;
    });
    return building;
  };
}
