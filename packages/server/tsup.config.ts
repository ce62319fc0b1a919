import { resolve } from 'node:path';
import { defineConfig, type Options } from 'tsup';
import { baseConfig } from '../../tsup.config';

// One copy of the shared code per format. `dist/index.*` is the only home of the modules below;
// every other entry (the adapters, testing, the CLI) imports them from the package's own name,
// which stays external. Bundled twice, a class is two classes: `instanceof ConferenceError`
// failed across entries and the PostgreSQL adapter's error codes were lost. test/dist checks
// the bundles for classes defined in more than one entry.
const self = /^@videoconf\/server(\/.*)?$/;

/** Modules whose classes or state cross entry points; `index` exports what others import. */
const SHARED = [resolve('src/errors.ts')];

/** Resolves the SHARED modules to `@videoconf/server` (external) in the entries other than index. */
const sharedThroughIndex: NonNullable<Options['esbuildPlugins']>[number] = {
  name: 'shared-through-index',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const path = resolve(args.resolveDir, args.path);
      if (SHARED.some((shared) => shared === path || shared === `${path}.ts`)) {
        return { path: '@videoconf/server', external: true };
      }
      return undefined;
    });
  },
};

// The configurations build side by side: none cleans dist/ (one could delete what another just
// wrote); the `build` script empties it first.
export default defineConfig([
  {
    ...baseConfig,
    clean: false,
    entry: {
      index: 'src/index.ts',
    },
    dts: {
      entry: {
        index: 'src/index.ts',
        testing: 'src/testing/index.ts',
        sequelize: 'src/storage/sequelize/index.ts',
        redis: 'src/redis/index.ts',
      },
    },
    external: [self],
  },
  {
    ...baseConfig,
    clean: false,
    entry: {
      testing: 'src/testing/index.ts',
      // The adapters proper; `sequelize.*` and `redis.*` (below) load them after checking
      // that their optional peers are installed.
      'sequelize-adapter': 'src/storage/sequelize/index.ts',
      'redis-adapter': 'src/redis/index.ts',
    },
    dts: false,
    external: ['vitest', self],
    esbuildPlugins: [sharedThroughIndex],
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
    esbuildPlugins: [sharedThroughIndex],
  },
]);
