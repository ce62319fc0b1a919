import type { Options } from 'tsup';

/** Shared tsup defaults; each package spreads these and names its entries. */
export const baseConfig: Options = {
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node20',
  splitting: false,
  treeshake: true,
};
