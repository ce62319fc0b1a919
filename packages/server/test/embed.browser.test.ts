// The embed script in real Chromium: a page on another origin than the server (another port)
// loads `<script type="module" src="http://…/embed/videoconf.js">`, as a site that embeds the
// web components does, and the module runs (test/fixtures/embed/videoconf.js sets a flag).
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { testServer } from './support/app';
import { chromiumBinary, launchBrowser, type TestBrowser } from './support/browser';

const chromium = chromiumBinary();
const script = fileURLToPath(new URL('./fixtures/embed/videoconf.js', import.meta.url));

describe.skipIf(!chromium)('the embed script in a page of another origin', () => {
  let app: App;
  let server: string;
  let browser: TestBrowser;
  beforeAll(async () => {
    // No `cors` option: the API stays same-origin, the embed script is for everyone.
    app = testServer({ embed: { script } });
    server = await app.listen({ port: 0, host: '127.0.0.1' });
    browser = await launchBrowser(chromium!, {
      entry: '/page.mjs',
      files: { '/page.mjs': { code: 'globalThis.__pageReady = true;' } },
    });
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('loads and runs as a module script', async () => {
    const context = await browser.browser.newContext();
    try {
      const page = await context.newPage();
      const errors: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      const site = browser.pageUrl;
      expect(new URL(site).origin).not.toBe(new URL(server).origin);
      const statuses: number[] = [];
      page.on('response', (response) => {
        if (response.url() === `${server}/embed/videoconf.js`) statuses.push(response.status());
      });
      // The embedding site's page, served on loopback by the test page server (a page that
      // Playwright made up would be outside the loopback address space, and Chromium's local
      // network access checks would refuse it the server), then given the tag a site owner pastes.
      await page.goto(site, { timeout: 10_000 });
      await page.setContent(
        '<!doctype html><title>embedding site</title>' +
          `<script type="module" src="${server}/embed/videoconf.js"></script>`,
        { timeout: 10_000 },
      );
      await page
        .waitForFunction(
          () => (globalThis as { __embedLoaded?: boolean }).__embedLoaded === true,
          undefined,
          { timeout: 5_000 },
        )
        .catch(() => {
          throw new Error(`the module did not run: ${errors.join('; ') || 'no console error'}`);
        });
      expect(statuses).toEqual([200]);
    } finally {
      await context.close();
    }
  });
});
