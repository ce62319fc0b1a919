import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.config';

export default defineConfig([
  {
    ...baseConfig,
    entry: {
      index: 'src/index.ts',
      sequelize: 'src/storage/sequelize/index.ts',
      redis: 'src/redis/index.ts',
      testing: 'src/testing/index.ts',
    },
    // Adapters load through the package's own subpaths so heavy drivers load only when used.
    external: ['vitest', /^@videoconf\/server(\/.*)?$/],
  },
  {
    ...baseConfig,
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    banner: { js: '#!/usr/bin/env node' },
    external: [/^@videoconf\/server(\/.*)?$/],
  },
]);
