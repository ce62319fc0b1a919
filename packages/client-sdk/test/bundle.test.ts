// CLIENT.md: livekit-client is loaded only when media connects. What the SDK's entry reaches
// through static imports must never include it: only a dynamic `import('livekit-client')`.
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';

const src = (path: string) => fileURLToPath(new URL(`../src/${path}`, import.meta.url));

/** Every import of livekit-client in the bundle of `entry`, with its kind. */
async function livekitImports(entry: string) {
  const { metafile } = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    conditions: ['source'],
    external: ['livekit-client'],
    metafile: true,
    logLevel: 'silent',
  });
  return Object.entries((metafile as Metafile).inputs).flatMap(([file, input]) =>
    input.imports
      .filter((i) => i.path === 'livekit-client')
      .map((i) => ({ file: file.replace(/^.*client-sdk\//, ''), kind: i.kind })),
  );
}

describe('livekit-client is loaded on demand', () => {
  it('the package entry does not import it statically', async () => {
    const imports = await livekitImports(src('index.ts'));
    expect(imports.filter((i) => i.kind !== 'dynamic-import')).toEqual([]);
  });

  it('the media session imports it only dynamically', async () => {
    const imports = await livekitImports(src('conference/media.ts'));
    expect(imports).toEqual([{ file: 'src/conference/media.ts', kind: 'dynamic-import' }]);
  });
});
