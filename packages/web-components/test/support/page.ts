// The test page of the elements: this package's source (Lit inside) bundled by esbuild, the
// registration imported twice (the second define must be a no-op), served by the shared test
// browser (packages/server/test/support/browser.ts).
import { fileURLToPath } from 'node:url';
import { bundleForBrowser } from '../../../client-sdk/test/support/sdk-browser';
import { launchBrowser, type TestBrowser } from '../../../server/test/support/browser';

const entry = `
import '../../src/index';
import { VcChat } from '../../src/vc-chat/index';
import { define } from '../../src/internal/define';
define('vc-chat', class extends VcChat {});
globalThis.wcReady = true;
`;

export const bundleElements = () =>
  bundleForBrowser({
    stdin: { contents: entry, resolveDir: fileURLToPath(new URL('./', import.meta.url)) },
  });

export async function launchElementsBrowser(executablePath: string): Promise<TestBrowser> {
  const code = await bundleElements();
  return launchBrowser(executablePath, {
    entry: '/elements.js',
    title: 'videoconf web components test',
    files: { '/elements.js': { code } },
  });
}
