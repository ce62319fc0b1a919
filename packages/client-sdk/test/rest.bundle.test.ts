// The REST and realtime client takes its types from @videoconf/protocol at compile time only:
// its bundle carries no schema library (no TypeBox) and no protocol module at run time.
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

describe('the bundle of createClient', () => {
  it('contains no TypeBox and no module of the protocol package', async () => {
    const { metafile } = await build({
      entryPoints: [fileURLToPath(new URL('../src/client.ts', import.meta.url))],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      conditions: ['source'],
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys((metafile as Metafile).inputs);
    expect(inputs.some((file) => file.includes('client-sdk/src/client.ts'))).toBe(true);
    expect(
      inputs.filter((file) => /typebox|packages\/protocol|@videoconf\/protocol/.test(file)),
    ).toEqual([]);
  });
});
