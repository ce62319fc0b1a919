import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.config';

/** The self-contained embed script (docs/embed.md): served at `/embed/videoconf.js`. */
const EMBED_SCRIPT = 'videoconf.js';

export default defineConfig([
  // Browsers: Lit, @lit/context and the client SDK stay external (dependencies). One entry per
  // registration module; `splitting` shares the element classes between them in ESM. Cleaning
  // spares the embed script, which the second build writes into the same folder.
  {
    ...baseConfig,
    entry: {
      index: 'src/index.ts',
      'vc-chat': 'src/vc-chat/index.ts',
      'vc-grid': 'src/vc-grid/index.ts',
      'vc-participant-list': 'src/vc-participant-list/index.ts',
      'vc-waiting-room': 'src/vc-waiting-room/index.ts',
    },
    target: 'es2022',
    platform: 'browser',
    splitting: true,
    clean: [`!${EMBED_SCRIPT}`],
  },
  // `dist/videoconf.js`: every element (src/index.ts) with everything it imports inside (Lit,
  // @lit/context, the client SDK, livekit-client): one minified ES module for a
  // `<script type="module">` tag, no bare import left. No declarations, no source map (it is
  // served as is to every page that embeds it); esbuild's own tree shaking. The licence
  // comments of what it bundles stay, at the end of the file.
  {
    entry: { videoconf: 'src/index.ts' },
    format: ['esm'],
    outExtension: () => ({ js: '.js' }),
    target: 'es2022',
    platform: 'browser',
    noExternal: [/.*/],
    minify: true,
    dts: false,
    sourcemap: false,
    splitting: false,
    treeshake: false,
    clean: false,
  },
]);
