// Helpers of the browser tests that drive `<vc-room>` on the test page (vc-room.browser.test.ts,
// meeting.browser.test.ts): mounting it with its events recorded and the page's camera,
// microphone and sockets instrumented, reading its state, waiting for one, and screenshots.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type openTestPage, waitUntil } from '../../../server/test/support/browser';

export type Page = Awaited<ReturnType<typeof openTestPage>>['page'];

/** Where VIDEOCONF_SCREENSHOTS=1 copies the screenshots (what docs/web-components.md shows). */
export const DOCS_SHOTS = fileURLToPath(
  new URL('../../../../docs/images/web-components/', import.meta.url),
);

/** The events of `<vc-room>` that `mount` records, in order, on `globalThis.roomEvents`. */
export const ROOM_EVENTS = [
  'vc-state-change',
  'vc-joined',
  'vc-left',
  'vc-waiting',
  'vc-admitted',
  'vc-rejected',
  'vc-kicked',
  'vc-ended',
  'vc-error',
  'vc-participant-joined',
  'vc-participant-left',
  'vc-request-leave',
] as const;

export interface PageState {
  /** `state:<state>` for a `vc-state-change`, `vc-error:<code>`, else the event's name. */
  events: string[];
  tracks: { kind: string; readyState: string }[];
  sockets: number[];
}

/**
 * Puts a `<vc-room>` with `attributes` on the page. The page's `getUserMedia` and `WebSocket`
 * are instrumented first: every track and socket the page ever gets is kept for the checks.
 */
export async function mount(page: Page, attributes: Record<string, string>): Promise<void> {
  await page.evaluate(
    ({ attributes, events }) => {
      const w = globalThis as unknown as {
        instrumented?: boolean;
        roomEvents: string[];
        tracks: MediaStreamTrack[];
        sockets: WebSocket[];
      };
      w.roomEvents = [];
      if (!w.instrumented) {
        w.instrumented = true;
        w.tracks = [];
        w.sockets = [];
        const media = navigator.mediaDevices;
        const getUserMedia = media.getUserMedia.bind(media);
        media.getUserMedia = async (constraints) => {
          const stream = await getUserMedia(constraints);
          w.tracks.push(...stream.getTracks());
          return stream;
        };
        const Native = globalThis.WebSocket;
        globalThis.WebSocket = class extends Native {
          constructor(...args: ConstructorParameters<typeof WebSocket>) {
            super(...args);
            w.sockets.push(this);
          }
        };
      }
      const room = document.createElement('vc-room');
      room.style.cssText = 'display:flex;height:560px;width:960px';
      for (const [name, value] of Object.entries(attributes)) room.setAttribute(name, value);
      for (const name of events) {
        room.addEventListener(name, (event) => {
          const detail = (event as CustomEvent).detail as { state?: string; code?: string };
          w.roomEvents.push(
            name === 'vc-state-change'
              ? `state:${detail.state}`
              : name === 'vc-error'
                ? `vc-error:${detail.code}`
                : name,
          );
        });
      }
      document.getElementById('remote')!.append(room);
    },
    { attributes, events: [...ROOM_EVENTS] },
  );
}

export const pageState = (page: Page): Promise<PageState> =>
  page.evaluate(() => {
    const w = globalThis as unknown as {
      roomEvents: string[];
      tracks: MediaStreamTrack[];
      sockets: WebSocket[];
    };
    return {
      events: [...w.roomEvents],
      tracks: w.tracks.map((t) => ({ kind: t.kind, readyState: t.readyState })),
      sockets: w.sockets.map((s) => s.readyState),
    };
  });

/** `promise`, or a clear failure after `ms` (a server that does not close must not hang the run). */
export const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error(`${what}: not within ${ms} ms`);
    }),
  ]);

export const stateOf = (page: Page) => page.locator('vc-room').getAttribute('state');

export const untilState = (page: Page, state: string, timeoutMs = 20_000) =>
  waitUntil(
    () => stateOf(page),
    (s) => s === state,
    `vc-room ${state}`,
    timeoutMs,
  );

/**
 * Saves a screenshot of the page's `<vc-room>` as `dir/name.png`, and into the docs with
 * VIDEOCONF_SCREENSHOTS=1.
 */
export async function shootRoom(page: Page, dir: string, name: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const file = `${dir}/${name}.png`;
  writeFileSync(file, await page.locator('vc-room').screenshot());
  if (process.env.VIDEOCONF_SCREENSHOTS === '1') {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    copyFileSync(file, `${DOCS_SHOTS}${name}.png`);
  }
}
