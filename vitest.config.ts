import { defineConfig } from 'vitest/config';

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
          // Short enough that a call the emulator answers late (fault injection) times out in a test.
          env: { ROLLOUT_AWS_CALL_TIMEOUT_MS: '1500' },
          // Each file starts its own emulator; two at a time fit the 2-core machines.
          testTimeout: 30_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
