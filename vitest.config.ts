import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const server = (path: string) =>
  fileURLToPath(new URL(`./packages/server/src/${path}`, import.meta.url));

// Tests run against source: the `source` export condition, and the server's self-references.
const sourceConditions = {
  conditions: ['source'],
  alias: {
    '@videoconf/server/redis': server('redis/index.ts'),
    '@videoconf/server/sequelize': server('storage/sequelize/index.ts'),
    '@videoconf/server/testing': server('testing/index.ts'),
    // After the subpaths: an alias also matches the specifiers that continue with `/`.
    '@videoconf/server': server('index.ts'),
  },
};

export default defineConfig({
  resolve: sourceConditions,
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    // Most test files wait on sockets, LiveKit and Chromium rather than compute: on a 2-core
    // machine vitest's default (one worker per core but one) would run them one at a time.
    maxWorkers: Math.max(availableParallelism() - 1, 3),
    projects: [
      {
        extends: true,
        test: { name: 'protocol', root: 'packages/protocol', include: ['test/**/*.test.ts'] },
      },
      {
        extends: true,
        test: {
          name: 'client-sdk',
          root: 'packages/client-sdk',
          include: ['test/**/*.test.ts'],
          testTimeout: 30_000,
          retry: process.env.CI ? 1 : 0,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'web-components',
          root: 'packages/web-components',
          include: ['test/**/*.test.ts'],
          testTimeout: 60_000,
          retry: process.env.CI ? 1 : 0,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'examples',
          root: 'examples',
          include: ['*/test/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'server',
          root: 'packages/server',
          include: ['test/**/*.test.ts'],
          testTimeout: 30_000,
          // CI runs every file at once on two cores; a timing-bound test may retry once there.
          // Local runs never retry, so a flaky test shows up where it is written.
          retry: process.env.CI ? 1 : 0,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
