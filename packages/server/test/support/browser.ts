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
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import { connect, createServer as createNetServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

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

/** Starts Chromium and the test page's server. */
export async function launchBrowser(executablePath: string): Promise<TestBrowser> {
  const html =
    '<!doctype html><meta charset="utf-8"><title>videoconf media test</title>' +
    '<style>body{margin:0;font:14px sans-serif;background:#222;color:#eee}' +
    'figure{display:inline-block;margin:8px}video{background:#000}</style>' +
    '<main id="remote"></main><script type="module" src="/browser-page.mjs"></script>';
  const modules = new Map<string, string>([
    ['/browser-page.mjs', fileURLToPath(new URL('./browser-page.mjs', import.meta.url))],
    // `require.resolve` finds the CommonJS build; the ES build (its `import` export) is beside it.
    [
      '/livekit-client.esm.mjs',
      join(dirname(require.resolve('livekit-client')), 'livekit-client.esm.mjs'),
    ],
  ]);
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = modules.get(path);
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } else if (file) {
      response
        .writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' })
        .end(readFileSync(file));
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
  const context = await browser.browser.newContext({ viewport: { width: 720, height: 300 } });
  const page = await context.newPage();
  const events: RoomEventRecord[] = [];
  const waiters = new Set<() => void>();
  await page.exposeFunction('videoconfRoomEvent', (event: RoomEventRecord) => {
    events.push(event);
    for (const wake of waiters) wake();
  });
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  try {
    await page.goto(browser.pageUrl);
    await page.waitForFunction(() => 'videoconfTest' in globalThis, undefined, {
      timeout: 10_000,
    });
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
      async waitForEvent(match, { since = 0, timeoutMs = 15_000, what = 'a room event' } = {}) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const found = events.find((event) => event.at >= since && match(event));
          if (found) return found;
          const left = deadline - Date.now();
          if (left <= 0) {
            throw new Error(
              `${identity} saw no ${what} within ${timeoutMs} ms; its events: ${JSON.stringify(events)}`,
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
      inboundVideo: () => call(page, 'inboundVideo'),
      inboundAudio: () => call(page, 'inboundAudio'),
      state: () => call(page, 'state'),
      setScreenShare: (enabled) => call(page, 'setScreenShare', enabled),
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

/** A TCP relay from a free loopback port to `127.0.0.1:targetPort`, which can be cut. */
async function tcpRelay(targetPort: number) {
  let cut = false;
  const open = new Set<Socket>();
  const server = createNetServer((client) => {
    if (cut) {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        open.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const dropAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    cut() {
      cut = true;
      dropAll();
    },
    restore() {
      cut = false;
    },
    async close() {
      dropAll();
      await new Promise((resolve) => server.close(resolve));
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
