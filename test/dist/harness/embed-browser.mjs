// test:dist, the web components as a site embeds them (test/dist/README.md): the installed
// server's CLI (`videoconf serve`, in the scratch app where @videoconf/web-components is installed
// too) serves the installed dist/videoconf.js at /embed/videoconf.js; a page on another origin
// (a static server on another port, allowed by CORS_ORIGINS) holds ONLY the script tag and the
// element, as docs/embed.md tells site owners; in Chromium the element joins with an invite (the
// guest of <vc-room> types a name and is admitted from the waiting room by the host over REST)
// and sends a chat message, which the host then reads over REST. No page error, no console
// error.
//
// One case per element (EMBED_CASES): the room the host creates, the markup of the page and what
// a user does in it. Add a case for a new element and the harness runs it too.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The elements checked in a real browser. `markup` is the page's element (the page has nothing
 * else but the script tag); `guest` does what the guest does in it, up to sending `content` in
 * the chat; `host` holds the host's REST calls (`admit(displayName)` approves the guest's
 * waiting-room entry). The server of this target has no LiveKit (test-dist.mjs drops
 * every `LIVEKIT_*`).
 */
export const EMBED_CASES = [
  {
    // The issue's "done when": the whole meeting from a page of another origin, as a guest who
    // types a name, waits in the lobby until the host admits them, and chats.
    tag: 'vc-room',
    waitingRoom: true,
    markup: ({ server, roomId, invite }) =>
      `<vc-room server="${server}" room="${roomId}" invite="${invite}"></vc-room>`,
    async guest(page, { content, displayName, host }) {
      // Playwright's CSS locators pierce open shadow roots.
      const name = page.locator('vc-room [part="name-input"]');
      await name.waitFor({ state: 'visible', timeout: 20_000 });
      await name.fill(displayName);
      await page.locator('vc-room [part="join-button"]').click();
      await page
        .locator('vc-room[state="waiting"] [part="lobby"]')
        .first()
        .waitFor({ timeout: 20_000 });
      await host.admit(displayName);
      await page.locator('vc-room[state="connected"]').waitFor({ timeout: 20_000 });
      // No LiveKit behind this server: the room still connects and says so where people see it.
      const notice = page.locator('vc-room vc-grid [part="status"]');
      await notice.waitFor({ state: 'visible', timeout: 10_000 });
      const text = ((await notice.textContent()) ?? '').trim();
      if (!text.startsWith('Video is unavailable')) {
        throw new Error(`the grid says ${JSON.stringify(text)}, not that video is unavailable`);
      }
      await page.locator('vc-room [part="chat-button"]').click();
      const input = page.locator('vc-room [part="composer-input"]');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(content);
      await input.press('Enter');
    },
  },
  {
    tag: 'vc-chat',
    waitingRoom: false,
    markup: ({ server, roomId, invite, displayName }) =>
      `<vc-chat server="${server}" room="${roomId}" invite="${invite}" display-name="${displayName}"></vc-chat>`,
    async guest(page, { content }) {
      const input = page.locator('vc-chat [part="composer-input"]');
      await input.waitFor({ state: 'visible', timeout: 20_000 });
      await input.fill(content);
      await input.press('Enter');
    },
  },
];

const PASSWORD = 'correct horse battery staple';

/** Chromium for this check: CHROMIUM_PATH or Debian's; null when missing (skip, unless required). */
export function chromiumPath() {
  const path = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (existsSync(path)) return path;
  if (process.env.VIDEOCONF_REQUIRE_BROWSER === '1') {
    throw new Error(`VIDEOCONF_REQUIRE_BROWSER=1 but no Chromium at ${path}`);
  }
  return null;
}

async function api(base, method, path, { body, token } = {}) {
  const response = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: {
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...(token && { authorization: `Bearer ${token}` }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** A static server on loopback answering `/` with `html` (the embedding site). */
async function sitePage(html) {
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://x');
    // The site has no icon: an empty answer, not a 404 that Chromium logs as a console error.
    if (pathname === '/favicon.ico') return response.writeHead(204).end();
    if (pathname !== '/') return response.writeHead(404).end();
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * Runs every case against `videoconf serve` of the app in `appDir` (env: the target settings,
 * from test-dist.mjs; `port`: a free port). Resolves with a summary; throws on the first failure.
 * Screenshots (one per case) and the server's output go to `logDir`.
 */
export async function checkEmbedInBrowser({
  appDir,
  env,
  port,
  executablePath,
  logDir,
  playwright,
}) {
  const { chromium } = playwright ?? createRequire(import.meta.url)('playwright-core');
  const base = `http://127.0.0.1:${port}`;
  const page = { html: '' };
  const site = await sitePage(() => page.html);
  const log = join(logDir, 'embed-browser.log');
  let output = '';
  const child = spawn(process.execPath, [join(appDir, 'node_modules/.bin/videoconf'), 'serve'], {
    cwd: appDir,
    env: { ...env, PORT: String(port), CORS_ORIGINS: site.origin },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  let browser;
  const since = performance.now();
  try {
    for (let deadline = Date.now() + 30_000; ; await sleep(200)) {
      if (child.exitCode !== null) throw new Error(`videoconf serve exited (${child.exitCode})`);
      if (Date.now() > deadline) throw new Error('videoconf serve: no /health within 30 s');
      const ok = await fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
    }
    // The CLI found the installed package: it serves that very file.
    const installed = readFileSync(
      join(appDir, 'node_modules/@videoconf/web-components/dist/videoconf.js'),
      'utf8',
    );
    const served = await fetch(`${base}/embed/videoconf.js`);
    if (served.status !== 200) {
      throw new Error(`/embed/videoconf.js answered ${served.status}: ${await served.text()}`);
    }
    if ((await served.text()) !== installed) {
      throw new Error('/embed/videoconf.js is not the installed dist/videoconf.js');
    }

    browser = await chromium.launch({
      executablePath,
      // A guest who lets the page use a camera and a microphone (Chromium's fake ones): the
      // pre-join of <vc-room> previews them.
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
      ],
      timeout: 30_000,
    });
    const results = [];
    for (const embedCase of EMBED_CASES) {
      const run = randomBytes(4).toString('hex');
      const email = `embed-${embedCase.tag}-${run}@e2e.test`;
      await api(base, 'POST', '/auth/register', {
        body: { email, password: PASSWORD, displayName: 'Embed host' },
      });
      const { accessToken } = await api(base, 'POST', '/auth/login', {
        body: { email, password: PASSWORD },
      });
      const room = await api(base, 'POST', '/rooms', {
        body: { title: `Embedded ${embedCase.tag}`, waitingRoomEnabled: embedCase.waitingRoom },
        token: accessToken,
      });
      const invite = await api(base, 'POST', `/rooms/${room.id}/invite`, {
        body: { maxUses: 1 },
        token: accessToken,
      });
      const displayName = `Guest ${run}`;
      const markup = embedCase.markup({
        server: base,
        roomId: room.id,
        invite: invite.token,
        displayName,
      });
      // The whole page of the embedding site: the script tag and the element, nothing else.
      page.html = `<!doctype html><meta charset="utf-8"><title>embedding site</title>\n<script type="module" src="${base}/embed/videoconf.js"></script>\n${markup}\n`;

      const context = await browser.newContext({ viewport: { width: 800, height: 600 } });
      const tab = await context.newPage();
      const errors = [];
      tab.on('pageerror', (error) => errors.push(error.message));
      tab.on('console', (message) => {
        if (message.type() !== 'error') return;
        const { url } = message.location();
        // None expected: without LiveKit the join's answer has no media token, which is how the
        // client learns that video is off (no request answered 503 MEDIA_UNAVAILABLE).
        errors.push(url ? `${message.text()} (${url})` : message.text());
      });
      try {
        await tab.goto(site.origin, { timeout: 10_000 });
        await tab.waitForFunction((tag) => customElements.get(tag) !== undefined, embedCase.tag, {
          timeout: 10_000,
        });
        const content = `hello from a page on ${site.origin} (${run})`;
        const host = {
          /** Approves the pending entry of `name` over REST, once it is there. */
          async admit(name) {
            for (let deadline = Date.now() + 10_000; ; await sleep(200)) {
              const { items } = await api(base, 'GET', `/rooms/${room.id}/waiting-room`, {
                token: accessToken,
              });
              const entry = items.find((item) => item.displayName === name);
              if (entry) {
                await api(base, 'POST', `/rooms/${room.id}/waiting-room/${entry.id}/approve`, {
                  token: accessToken,
                });
                return;
              }
              if (Date.now() > deadline) throw new Error(`${name} never knocked`);
            }
          },
        };
        await embedCase.guest(tab, { content, displayName, host });
        let seen;
        for (let deadline = Date.now() + 10_000; !seen; await sleep(200)) {
          const { items } = await api(base, 'GET', `/rooms/${room.id}/chat/messages`, {
            token: accessToken,
          });
          seen = items.find((message) => message.content === content);
          if (!seen && Date.now() > deadline)
            throw new Error('the message never reached the server');
        }
        if (seen.senderDisplayName !== displayName) {
          throw new Error(`the message came from ${JSON.stringify(seen)}, not from the guest`);
        }
        await tab.screenshot({ path: join(logDir, `embed-${embedCase.tag}.png`) });
        // Nothing went wrong on the way: no uncaught error, no console error (a CSP violation,
        // a blocked request, a failed load included).
        if (errors.length) throw new Error('errors in the page');
        results.push(embedCase.tag);
      } catch (error) {
        await tab.screenshot({ path: join(logDir, `embed-${embedCase.tag}.png`) }).catch(() => {});
        const detail = errors.length ? ` (page errors: ${errors.join('; ')})` : '';
        throw new Error(`<${embedCase.tag}>: ${error.message}${detail}`);
      } finally {
        await context.close();
      }
    }
    return `${results.map((tag) => `<${tag}>`).join(', ')} joined and chatted (no page or console error) from ${site.origin} in ${((performance.now() - since) / 1000).toFixed(1)}s`;
  } finally {
    await browser?.close();
    await site.close();
    if (child.exitCode === null) {
      process.kill(-child.pid, 'SIGINT');
      await Promise.race([new Promise((resolve) => child.once('exit', resolve)), sleep(10_000)]);
      if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    }
    writeFileSync(log, output);
  }
}
