import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.config';

// Browsers: Lit, @lit/context and the client SDK stay external (dependencies). One entry per
// registration module; `splitting` shares the element classes between them in ESM.
export default defineConfig({
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
});
