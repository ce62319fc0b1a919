import { defineConfig } from 'tsup';
import { baseConfig } from '../../tsup.config';

// Browsers and Node: livekit-client stays external (a dependency, loaded only when a Conference
// connects its media), the protocol package is used for its types only.
export default defineConfig({
  ...baseConfig,
  entry: ['src/index.ts'],
  target: 'es2022',
  platform: 'neutral',
  // `@internal` members (the media session, a livekit-client `Room`) stay out of the published
  // declarations: they name no livekit-client type, so an app type-checks without them.
  dts: { compilerOptions: { stripInternal: true } },
});
