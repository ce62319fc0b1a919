import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.config';

// One copy of the server per format: every entry other than `index` reaches the shared code
// (ConferenceError, createConferenceServer…) through the package's own name, which stays
// external, so `dist/index.*` is its only home. test/dist checks the bundles for duplicates.
const self = /^@videoconf\/server(\/.*)?$/;

export default defineConfig([
  {
    ...baseConfig,
    entry: {
      index: 'src/index.ts',
      testing: 'src/testing/index.ts',
      // The adapters proper; `sequelize.*` and `redis.*` (below) load them after checking
      // that their optional peers are installed.
      'sequelize-adapter': 'src/storage/sequelize/index.ts',
      'redis-adapter': 'src/redis/index.ts',
    },
    dts: {
      entry: {
        index: 'src/index.ts',
        testing: 'src/testing/index.ts',
        sequelize: 'src/storage/sequelize/index.ts',
        redis: 'src/redis/index.ts',
      },
    },
    external: ['vitest', self],
  },
  {
    ...baseConfig,
    clean: false,
    entry: { sequelize: 'src/guards/sequelize.esm.ts', redis: 'src/guards/redis.esm.ts' },
    format: ['esm'],
    dts: false,
  },
  {
    ...baseConfig,
    clean: false,
    entry: { sequelize: 'src/guards/sequelize.cjs.ts', redis: 'src/guards/redis.cjs.ts' },
    format: ['cjs'],
    dts: false,
  },
  {
    ...baseConfig,
    clean: false,
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    banner: { js: '#!/usr/bin/env node' },
    external: [self],
  },
]);
