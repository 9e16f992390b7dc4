import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Two projects: unit (no engine, fast) and integration (a real Docker engine at DOCKER_HOST;
// run scripts/test-engine.sh start and scripts/build-test-images.sh first, as .ci/run does).
export default defineConfig({
  // the repository root, whichever directory vitest is started from
  root: fileURLToPath(new URL('..', import.meta.url)),
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          // one engine: files run one after another, tests inside a file in order
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
