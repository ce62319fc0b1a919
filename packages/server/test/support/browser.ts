// Real Chromium pages in a LiveKit room, for tests of the media path end to end.
//
// `launchBrowser()` starts `/usr/bin/chromium` (headless, fake camera and microphone: Chromium's
// own test pattern and beep, never a stubbed track) through `playwright-core`, and serves a tiny
// test page on loopback that loads livekit-client's ES build and `browser-page.mjs`.
// `openParticipant()` opens one page (in a browser context of its own: its own storage, as a
// separate device would have), connects it to LiveKit with a token, publishes its camera and
// microphone, and reports the room's events and the inbound media it decodes.
//
// Tests that need it put `chromiumBinary()` in their `describe.skipIf`: without Chromium they
// are skipped with a printed reason, unless `VIDEOCONF_REQUIRE_BROWSER=1` (CI sets it), which
// turns the missing browser into a failure.
//
//   const chromium = chromiumBinary();
//   describe.skipIf(!chromium)('...', () => {
//     let browser: TestBrowser;
//     beforeAll(async () => { browser = await launchBrowser(chromium!); });
//     afterAll(() => browser?.close());
//     it('...', async () => {
//       const alice = await openParticipant(browser, { livekitUrl, token });
//       await waitUntil(() => alice.inboundVideo(), (v) => v[0]?.framesDecoded > 0, 'video');
//       await alice.waitForEvent((e) => e.type === 'trackMuted', { what: 'a muted track' });
//       await alice.close();
//     });
//   });
//
// `networkLink()` gives a participant a network the test can cut (see there).
//
// Other pages use the same browser: `launchBrowser(path, { entry, files })` serves any scripts
// (the client SDK's tests serve a bundle of the SDK, packages/client-sdk/test/support/
// sdk-browser.ts), `openTestPage()` opens one in its own context with bindings for its
// reports, `eventLog()` keeps those reports for `waitFor`, and route-media.mjs is the in-page
// half of `networkLink` for any page.
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { tcpRelay } from './tcp-relay';

/** Where Debian's `apt-get install chromium` puts it; `CHROMIUM_PATH` overrides. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * The flags of every test browser: headless without a sandbox or GPU (containers, CI), no
 * background traffic, camera and microphone allowed without a prompt and replaced by Chromium's
 * fake devices (a moving test pattern and a beep), and remote audio allowed to play unprompted
 * as in a real call (the inbound audio stats do not depend on it: Chromium decodes WebRTC audio
 * either way).
 */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

export const NO_CHROMIUM_HELP = `no Chromium at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH).`;

/**
 * Chromium's path, or null when there is none here (the reason is printed once). With
 * `VIDEOCONF_REQUIRE_BROWSER=1` a missing browser throws instead: CI must not skip these tests.
 */
export function chromiumBinary(): string | null {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.env.VIDEOCONF_REQUIRE_BROWSER === '1') {
    throw new Error(`VIDEOCONF_REQUIRE_BROWSER=1 but ${NO_CHROMIUM_HELP}`);
  }
  if (!warned) {
    warned = true;
    console.warn(`Skipping the tests in a real browser: ${NO_CHROMIUM_HELP}`);
  }
  return null;
}
let warned = false;

export interface TestBrowser {
  browser: Browser;
  /** The test page, served on loopback. */
  pageUrl: string;
  /** Closes every page, the browser and the page server. */
  close(): Promise<void>;
}

const require = createRequire(import.meta.url);

/** A file the test page's server serves: a path on disk, or the code itself. */
export type PageFile = { file: string } | { code: string };

export interface TestPageOptions {
  /** The page's ES module entry (a key of `files`). */
  entry: string;
  /** What the server serves, by URL path. */
  files: Record<string, PageFile>;
  title?: string;
}

/**
 * The LiveKit test page: livekit-client's ES build and browser-page.mjs (`openParticipant`).
 * `require.resolve` finds livekit-client's CommonJS build; the ES build is beside it.
 */
export function livekitTestPage(): TestPageOptions {
  const here = (name: string) => ({ file: fileURLToPath(new URL(name, import.meta.url)) });
  return {
    entry: '/browser-page.mjs',
    title: 'videoconf media test',
    files: {
      '/browser-page.mjs': here('./browser-page.mjs'),
      '/route-media.mjs': here('./route-media.mjs'),
      '/livekit-client.esm.mjs': {
        file: join(dirname(require.resolve('livekit-client')), 'livekit-client.esm.mjs'),
      },
    },
  };
}

/**
 * Starts Chromium and the test page's server: the LiveKit page by default, or `page` (e.g. the
 * client SDK's tests serve a bundle of the SDK, see packages/client-sdk/test/support).
 */
export async function launchBrowser(
  executablePath: string,
  page: TestPageOptions = livekitTestPage(),
): Promise<TestBrowser> {
  const html =
    `<!doctype html><meta charset="utf-8"><title>${page.title ?? 'videoconf test'}</title>` +
    '<style>body{margin:0;font:14px sans-serif;background:#222;color:#eee}' +
    'figure{display:inline-block;margin:8px}video{background:#000}</style>' +
    `<main id="remote"></main><script type="module" src="${page.entry}"></script>`;
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const served = Object.hasOwn(page.files, path) ? page.files[path] : undefined;
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (served) {
      response
        .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
        .end('code' in served ? served.code : readFileSync(served.file));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  let browser: Browser;
  try {
    browser = await chromium.launch({ executablePath, args: CHROMIUM_ARGS, timeout: 30_000 });
  } catch (error) {
    await new Promise((resolve) => server.close(resolve));
    throw error;
  }
  return {
    browser,
    pageUrl: `http://127.0.0.1:${port}/`,
    async close() {
      await browser.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A room event seen by the page (livekit-client's `RoomEvent`s, see browser-page.mjs). */
export interface RoomEventRecord {
  type:
    | 'ready'
    | 'connected'
    | 'disconnected'
    | 'signalReconnecting'
    | 'reconnecting'
    | 'reconnected'
    | 'connectionState'
    | 'participantConnected'
    | 'participantDisconnected'
    | 'trackSubscribed'
    | 'trackUnsubscribed'
    | 'trackMuted'
    | 'trackUnmuted'
    | 'localTrackPublished'
    | 'localTrackUnpublished';
  /** `Date.now()` in the page. */
  at: number;
  /** `disconnected`: livekit-client's `DisconnectReason` name, e.g. `PARTICIPANT_REMOVED`. */
  reason?: string;
  /** `connectionState`: `connecting`, `connected`, `reconnecting`, `disconnected`... */
  state?: string;
  /** The remote participant concerned. */
  identity?: string;
  kind?: 'audio' | 'video';
  /** `camera`, `microphone`, `screen_share`... */
  source?: string;
}

export interface InboundVideo {
  identity: string;
  source: string;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
  bytesReceived: number;
}

export interface InboundAudio {
  identity: string;
  source: string;
  /** Samples played out, including those Chromium made up for lost packets... */
  totalSamplesReceived: number;
  /** ...which are these: received audio is `totalSamplesReceived - concealedSamples`. */
  concealedSamples: number;
  audioLevel: number;
  bytesReceived: number;
}

export interface Participant {
  page: Page;
  /** The page's own context (note: `context.setOffline(true)` does not stop WebRTC media). */
  context: BrowserContext;
  /** Its LiveKit identity (our user id). */
  identity: string;
  /** Every room event so far, oldest first (live: it grows as events arrive). */
  events: RoomEventRecord[];
  /** Waits for an event matching `match`, seen since `since` (a `Date.now()`; default 0). */
  waitForEvent(
    match: (event: RoomEventRecord) => boolean,
    options?: { since?: number; timeoutMs?: number; what?: string },
  ): Promise<RoomEventRecord>;
  /** Inbound video per remote track, from its receiver's `getStats()`. */
  inboundVideo(): Promise<InboundVideo[]>;
  /** Inbound audio per remote track, from its receiver's `getStats()`. */
  inboundAudio(): Promise<InboundAudio[]>;
  /** The connection state of the page's `Room`, and the remote identities it sees. */
  state(): Promise<{ connectionState: string; identity?: string; remote: string[] }>;
  /** Publishes (or stops) a screen share. */
  setScreenShare(enabled: boolean): Promise<void>;
  /**
   * Asks LiveKit to publish a screen share as a modified client would, skipping livekit-client's
   * own permission check, and resolves with the LiveKit server's answer (`NOT_ALLOWED`, ...) or
   * `published`.
   */
  screenShareIgnoringPermissions(): Promise<{ reason: string }>;
  /** Leaves the room and closes the page. */
  close(): Promise<void>;
}

/**
 * Opens a page in its own context, connects it to LiveKit at `livekitUrl` with `token`, and
 * publishes its fake camera and microphone. Remote tracks are attached to `<video>`/`<audio>`
 * elements as they are subscribed, so a screenshot shows what the participant sees.
 */
export async function openParticipant(
  browser: TestBrowser,
  options: {
    livekitUrl: string;
    token: string;
    /** Connect through this link (signalling and media) instead of straight to LiveKit. */
    network?: NetworkLink;
    /** The camera's capture size, published as one layer; default 720p with simulcast. */
    camera?: { width: number; height: number; frameRate: number };
  },
): Promise<Participant> {
  const log = eventLog<RoomEventRecord>();
  const { events } = log;
  const { page, context, pageErrors } = await openTestPage(browser, 'videoconfTest', {
    videoconfRoomEvent: log.push,
  });
  try {
    const { identity } = await call(
      page,
      'connect',
      options.network?.livekitUrl ?? options.livekitUrl,
      options.token,
      options.network?.mediaPort,
      options.camera,
    );
    return {
      page,
      context,
      identity,
      events,
      waitForEvent: (match, options) =>
        log.waitFor(match, { what: 'a room event', ...options }, identity),
      inboundVideo: () => call(page, 'inboundVideo'),
      inboundAudio: () => call(page, 'inboundAudio'),
      state: () => call(page, 'state'),
      setScreenShare: (enabled) => call(page, 'setScreenShare', enabled),
      screenShareIgnoringPermissions: () => call(page, 'screenShareIgnoringPermissions'),
      async close() {
        await call(page, 'disconnect').catch(() => undefined);
        await context.close();
      },
    };
  } catch (error) {
    await context.close();
    const detail = pageErrors.length ? ` (page errors: ${pageErrors.join('; ')})` : '';
    throw new Error(`could not open a participant: ${(error as Error).message}${detail}`);
  }
}

/** The steps of a timed media join, in ms since it started (see `timedJoin` in browser-page.mjs). */
export interface MediaJoinTiming {
  /** Our REST join answered (only through our API). */
  join?: number;
  /** Our media token answered (only through our API). */
  token?: number;
  /** `room.connect()` resolved: signalling joined and the peer connection up. */
  connected: number;
  /** The first remote video track subscribed. */
  subscribed: number;
  /** The first remote video frame decoded. */
  firstFrame: number;
  /** What saw it first: `videoFrame` (requestVideoFrameCallback) or `framesDecoded` (stats). */
  seenBy: 'videoFrame' | 'framesDecoded';
}

export type MediaJoin =
  /** Through our API: REST join, media token, then LiveKit with what they answered. */
  | { api: { base: string; roomId: string; accessToken: string } }
  /** Straight to LiveKit with a token minted elsewhere. */
  | { url: string; token: string };

/**
 * Opens a fresh page (its own context, nothing published), and times one media join from it
 * until the first remote video frame is decoded (the `media.join` benchmark). The page is
 * loaded before the clock starts; `close()` leaves the room and closes it.
 */
export async function timeMediaJoin(
  browser: TestBrowser,
  join: MediaJoin,
  timeoutMs = 15_000,
): Promise<{ timing: MediaJoinTiming; close(): Promise<void> }> {
  const context = await browser.browser.newContext({ viewport: { width: 720, height: 300 } });
  const close = async () => {
    const page = context.pages()[0];
    if (page) await call(page, 'disconnect').catch(() => undefined);
    await context.close();
  };
  try {
    const page = await context.newPage();
    await page.goto(browser.pageUrl);
    await page.waitForFunction(() => 'videoconfTest' in globalThis, undefined, {
      timeout: 10_000,
    });
    const timing = await call(page, 'timedJoin', { ...join, timeoutMs });
    return { timing, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Events a page reports (through a binding), which a test can wait for. `events` is live: it
 * grows as events arrive.
 */
export function eventLog<E extends { at: number }>() {
  const events: E[] = [];
  const waiters = new Set<() => void>();
  return {
    events,
    push(event: E) {
      events.push(event);
      for (const wake of waiters) wake();
    },
    /** The first event matching `match` seen since `since` (a `Date.now()`; default 0). */
    async waitFor(
      match: (event: E) => boolean,
      { since = 0, timeoutMs = 15_000, what = 'an event' } = {},
      who = 'the page',
    ): Promise<E> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = events.find((event) => event.at >= since && match(event));
        if (found) return found;
        const left = deadline - Date.now();
        if (left <= 0) {
          throw new Error(
            `${who} saw no ${what} within ${timeoutMs} ms; its events: ${JSON.stringify(events)}`,
          );
        }
        await new Promise<void>((resolve) => {
          const wake = () => {
            waiters.delete(wake);
            clearTimeout(timer);
            resolve();
          };
          const timer = setTimeout(wake, left);
          waiters.add(wake);
        });
      }
    },
  };
}

/**
 * Opens the test page in a browser context of its own (its own storage, as a separate device
 * would have) and waits until the page's script has set `globalThis[ready]`. `bindings` are
 * installed before the page loads (`page.exposeFunction`): how the page reports to the test.
 * On failure the context is closed and the page's errors are in the message.
 */
export async function openTestPage(
  browser: TestBrowser,
  ready: string,
  bindings: Record<string, (...args: never[]) => unknown> = {},
): Promise<{ page: Page; context: BrowserContext; pageErrors: string[] }> {
  const context = await browser.browser.newContext({ viewport: { width: 720, height: 300 } });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  try {
    for (const [name, fn] of Object.entries(bindings)) {
      await page.exposeFunction(name, fn as (...args: unknown[]) => unknown);
    }
    await page.goto(browser.pageUrl);
    await page.waitForFunction((name) => name in globalThis, ready, { timeout: 10_000 });
  } catch (error) {
    await context.close();
    const detail = pageErrors.length ? ` (page errors: ${pageErrors.join('; ')})` : '';
    throw new Error(`could not open the test page: ${(error as Error).message}${detail}`);
  }
  return { page, context, pageErrors };
}

/**
 * A participant's network, which the test can cut: two TCP relays on loopback, one for the
 * signalling WebSocket and one for media (the page keeps only LiveKit's ICE-TCP candidate and
 * points it here, see browser-page.mjs). `cut()` closes every connection through them and
 * refuses new ones until `restore()`, as a network that goes away does; LiveKit and the page
 * each see their side of every connection fail.
 *
 * Why not `context.setOffline(true)`: Chromium's offline emulation stops only the page's HTTP
 * and WebSocket traffic; WebRTC media keeps flowing (measured: frames kept being decoded on
 * both sides through 10 s offline, and the signalling WebSocket did not even drop).
 */
export interface NetworkLink {
  /** What the page connects to instead of LiveKit's URL. */
  livekitUrl: string;
  /** Where the page sends its media (ICE over TCP). */
  mediaPort: number;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

export async function networkLink(livekit: { url: string; tcpPort: number }): Promise<NetworkLink> {
  const target = new URL(livekit.url);
  const signal = await tcpRelay(Number(target.port));
  const media = await tcpRelay(livekit.tcpPort);
  return {
    livekitUrl: `${target.protocol}//127.0.0.1:${signal.port}`,
    mediaPort: media.port,
    cut() {
      signal.cut();
      media.cut();
    },
    restore() {
      signal.restore();
      media.restore();
    },
    async close() {
      await Promise.all([signal.close(), media.close()]);
    },
  };
}

/** Polls `read` until `ok` holds, or fails after `timeoutMs` with the last value read. */
export async function waitUntil<T>(
  read: () => Promise<T>,
  ok: (value: T) => boolean,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`${what} not within ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
    }
    await sleep(100);
  }
}

/** The in-page API of browser-page.mjs. */
interface PageHarness {
  connect(
    url: string,
    token: string,
    mediaPort?: number,
    camera?: { width: number; height: number; frameRate: number },
  ): Promise<{ identity: string; roomName: string }>;
  inboundVideo(): Promise<InboundVideo[]>;
  inboundAudio(): Promise<InboundAudio[]>;
  state(): { connectionState: string; identity?: string; remote: string[] };
  setScreenShare(enabled: boolean): Promise<void>;
  screenShareIgnoringPermissions(): Promise<{ reason: string }>;
  timedJoin(options: MediaJoin & { timeoutMs: number }): Promise<MediaJoinTiming>;
  disconnect(): Promise<void>;
}

/** Calls `globalThis.videoconfTest[method](...args)` in the page. */
function call<M extends keyof PageHarness>(
  page: Page,
  method: M,
  ...args: Parameters<PageHarness[M]>
): Promise<Awaited<ReturnType<PageHarness[M]>>> {
  return page.evaluate(
    ([name, values]) => {
      const api = (
        globalThis as unknown as { videoconfTest: Record<string, (...a: unknown[]) => unknown> }
      ).videoconfTest;
      return api[name]!(...values);
    },
    [method, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<PageHarness[M]>>>;
}
