// `npm run emulator -- --port 4566 [--update-seconds 5] [--seed]`: the local AWS for replay and the demo.
import { parseArgs } from 'node:util';
import { prepareLocalEnvironment } from '../cli/local-environment.ts';
import { startEmulator } from '../emulator/launch.ts';

const usage = `usage: npm run emulator -- [--port 4566] [--host 127.0.0.1] [--update-seconds 5] [--seed]
Starts the local AWS (moto with this project's fill-ins) and creates the stack's table, topic and queues in it.
  --update-seconds S  how long SageMaker's updates take on the emulator's clock
  --seed              register a version of fraud-detector and of churn-model`;

function parsed() {
  try {
    return parseArgs({
      options: {
        port: { type: 'string', default: '4566' },
        host: { type: 'string', default: '127.0.0.1' },
        'update-seconds': { type: 'string', default: '5' },
        seed: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n${usage}`);
    process.exit(2);
  }
}

const { values } = parsed();
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const port = Number(values.port);
const updateSeconds = Number(values['update-seconds']);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  throw new Error(`--port: expected a port number, got ${values.port}`);
if (!Number.isFinite(updateSeconds) || updateSeconds < 0)
  throw new Error(`--update-seconds: expected seconds, got ${values['update-seconds']}`);

const emulator = await startEmulator({ port, host: values.host, updateSeconds });
// The SDK clients below (and in anything this process loads) talk to the emulator.
prepareLocalEnvironment({ endpointUrl: emulator.endpointUrl, quiet: false });

const { readStackDefinition } = await import('../cli/stack-definition.ts');
const { createLocalResources } = await import('./local-resources.ts');
for (const line of await createLocalResources(readStackDefinition())) console.log(`created ${line}`);

if (values.seed) {
  const { registerModelPackage, binaryClassificationReport } = await import('./model-registry-seed.ts');
  const fraud = await registerModelPackage({
    groupName: 'fraud-detector',
    evaluationReport: binaryClassificationReport(0.91, 0.04),
  });
  const churn = await registerModelPackage({
    groupName: 'churn-model',
    evaluationReport: binaryClassificationReport(0.8, 0.1),
  });
  console.log(`seeded ${fraud} (auc 0.91) and ${churn} (manual group)`);
}

console.log(`
Emulator running on ${emulator.endpointUrl} (endpoint updates take ${updateSeconds}s). In another shell:
  export AWS_ENDPOINT_URL=${emulator.endpointUrl} AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test
  npx rollout replay events/model-package-pending-approval.json
Ctrl-C stops it.`);

async function shutDown(): Promise<void> {
  await emulator.stop();
  process.exit(0);
}
process.on('SIGINT', shutDown);
process.on('SIGTERM', shutDown);
