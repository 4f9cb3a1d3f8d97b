import { defineConfig } from 'vitest/config';

const faultsTests = 'test/integration/faults.test.ts';
const integration = {
  // Each file starts its own emulator; two at a time fit the 2-core machines.
  testTimeout: 30_000,
  hookTimeout: 60_000,
  maxWorkers: 2,
};

export default defineConfig({
  test: {
    setupFiles: ['test/support/setup.ts'],
    env: {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      // Node 20 runs the tests locally; Lambda runs Node 22.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
    },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          exclude: [faultsTests],
          ...integration,
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: 'integration-faults',
          include: [faultsTests],
          // Short enough that a call the emulator answers late (fault injection) times out in a test. Only
          // here: the timeout is enforced (client-options.ts), and an emulator slowed by a busy machine
          // would fail other files' calls that are merely slow.
          env: { ROLLOUT_AWS_CALL_TIMEOUT_MS: '1500' },
          ...integration,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
