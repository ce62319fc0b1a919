import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { initialsOf } from '../src/vc-grid/vc-grid';

describe('<vc-grid> initials', () => {
  it('takes the first letters of the first and last words, whole code points, upper-cased', () => {
    expect(initialsOf('Ada Lovelace')).toBe('AL');
    expect(initialsOf('  ada  ')).toBe('A');
    expect(initialsOf('Jean Paul Sartre')).toBe('JS');
    expect(initialsOf('😀 smile')).toBe('😀S');
    expect(initialsOf('ёжик в тумане')).toBe('ЁТ');
    expect(initialsOf('')).toBe('');
  });
});

describe('bundles of <vc-grid> and <vc-participant-list>', () => {
  it.each(['vc-grid', 'vc-participant-list'])(
    'keeps TypeBox and livekit-client out of %s',
    async (name) => {
      const result = await build({
        entryPoints: [fileURLToPath(new URL(`../src/${name}/index.ts`, import.meta.url))],
        bundle: true,
        format: 'esm',
        platform: 'browser',
        conditions: ['source'],
        // livekit-client comes in a chunk of its own, loaded only when a conference has media.
        splitting: true,
        outdir: 'out',
        write: false,
        metafile: true,
        logLevel: 'silent',
      });
      const entry = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
      const inputs = Object.keys(entry?.inputs ?? {});
      expect(inputs.some((i) => i.includes(`src/${name}/${name}.ts`))).toBe(true);
      expect(
        inputs.filter((i) => i.includes('@sinclair/typebox') || i.includes('livekit-client')),
      ).toEqual([]);
    },
  );
});
