// Builds the page into dist/: the app bundled by esbuild as ESM for browsers, from
// @videoconf/client-sdk as a user installs it (its `import` export: the package's dist/, so
// `pnpm build` builds the SDK first), with livekit-client in a chunk of its own that loads
// when media connects; index.html and style.css copied next to it.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const out = new URL('./dist/', import.meta.url);
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
await build({
  entryPoints: [new URL('./src/main.ts', import.meta.url).pathname],
  outdir: out.pathname,
  bundle: true,
  format: 'esm',
  splitting: true,
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  logLevel: 'warning',
});
for (const file of ['index.html', 'style.css']) {
  copyFileSync(new URL(`./public/${file}`, import.meta.url), new URL(file, out));
}
