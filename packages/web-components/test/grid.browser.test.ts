// <vc-grid> and <vc-participant-list> in real Chromium (fake camera and microphone) against a
// real videoconf server and a real LiveKit server. As inside <vc-room>, each page makes its own
// client and Conference with the SDK, joins, and provides it through `conferenceContext` to the
// elements placed in a <div> (test/support/provider-page.ts). Two people (or three) per room.
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Room } from '@videoconf/protocol';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bundleForBrowser } from '../../client-sdk/test/support/sdk-browser';
import type { App } from '../../server/src/http/types';
import { createRoomAs, type QuickUser, quickUser, testServer } from '../../server/test/support/app';
import {
  chromiumBinary,
  launchBrowser,
  openTestPage,
  type TestBrowser,
  waitUntil,
} from '../../server/test/support/browser';
import {
  type LivekitServer,
  listenWithLivekit,
  livekitBinary,
  startLivekitForPort,
} from '../../server/test/support/livekit-server';
import type { ProvidedArgs, ProviderApi } from './support/provider-page';

type Page = Awaited<ReturnType<typeof openTestPage>>['page'];

const binary = livekitBinary();
const chromium = chromiumBinary();
const tokenOf = (user: QuickUser) => user.auth.authorization.slice('Bearer '.length);
const SHOTS = '/tmp/vc-grid-screenshots';
const XSS = '<img src=x onerror=alert(1)>';

interface Tile {
  id: string;
  name: string;
  screen: boolean;
  speaking: boolean;
  local: boolean;
  micOff: boolean;
  quality: string;
  avatar: string | null;
  video: { width: number; time: number; muted: boolean; mirrored: boolean } | null;
  box: { width: number; height: number };
}

/** What the page's <vc-grid> shows, tile by tile. */
const tilesOf = (page: Page): Promise<Tile[]> =>
  page.evaluate(() => {
    const root = document.querySelector('vc-grid')!.shadowRoot!;
    return [...root.querySelectorAll<HTMLElement>('[part~="tile"]')].map((tile) => {
      const video = tile.querySelector('video');
      const { width, height } = tile.getBoundingClientRect();
      return {
        id: tile.dataset.participantId!,
        name: tile.querySelector('[part="tile-name"]')!.textContent!,
        screen: tile.classList.contains('screen'),
        speaking: tile.hasAttribute('speaking'),
        local: tile.hasAttribute('local'),
        micOff: tile.querySelector('[part="mic-off"]') !== null,
        quality: tile.querySelector('[part="quality"] .visually-hidden')?.textContent ?? '',
        avatar: tile.querySelector('[part="avatar"]')?.textContent?.trim() ?? null,
        video: video && {
          width: video.videoWidth,
          time: video.currentTime,
          muted: video.muted,
          mirrored: getComputedStyle(video).transform !== 'none',
        },
        box: { width, height },
      };
    });
  });

interface Row {
  id: string;
  name: string;
  role: string;
  local: boolean;
  mic: string;
  camera: string;
  buttons: { part: string; label: string; disabled: boolean }[];
}

/** What the page's <vc-participant-list> shows, row by row. */
const rowsOf = (page: Page): Promise<Row[]> =>
  page.evaluate(() => {
    const root = document.querySelector('vc-participant-list')!.shadowRoot!;
    return [...root.querySelectorAll<HTMLElement>('[part="participant"]')].map((li) => ({
      id: li.dataset.participantId!,
      name: li.querySelector('[part="participant-name"]')!.textContent!,
      role: li.querySelector('[part="participant-role"]')!.textContent!,
      local: li.hasAttribute('local'),
      mic: li.querySelector('[part="mic-state"]')!.getAttribute('data-on')!,
      camera: li.querySelector('[part="camera-state"]')!.getAttribute('data-on')!,
      buttons: [...li.querySelectorAll('button')].map((b) => ({
        part: b.getAttribute('part')!,
        label: b.getAttribute('aria-label')!,
        disabled: b.disabled,
      })),
    }));
  });

/** Calls `providerTest[method](...args)` in the page (test/support/provider-page.ts). */
const call = <M extends keyof ProviderApi>(
  page: Page,
  method: M,
  ...args: Parameters<ProviderApi[M]>
) =>
  page.evaluate(
    ([name, values]) =>
      (globalThis as unknown as { providerTest: Record<string, (...a: unknown[]) => unknown> })
        .providerTest[name]!(...values),
    [method, args] as [string, unknown[]],
  ) as Promise<Awaited<ReturnType<ProviderApi[M]>>>;

const imgsIn = (page: Page, tag: string) =>
  page.evaluate((t) => document.querySelector(t)!.shadowRoot!.querySelectorAll('img').length, tag);

describe.skipIf(!binary || !chromium)(
  '<vc-grid> and <vc-participant-list> through a real LiveKit',
  () => {
    let livekit: LivekitServer;
    let browser: TestBrowser;
    let app: App;
    let http: string;
    /** A server without LiveKit, and its people. */
    let bare: App;
    let bareHttp: string;
    let bareHost: QuickUser;
    let bareGuest: QuickUser;
    let host: QuickUser;
    let guest: QuickUser;
    let third: QuickUser;
    const open: { page: Page; close(): Promise<void>; errors: string[]; dialogs: string[] }[] = [];

    beforeAll(async () => {
      const code = await bundleForBrowser({
        entryPoints: [fileURLToPath(new URL('./support/provider-page.ts', import.meta.url))],
      });
      const [media, launched] = await Promise.all([
        startLivekitForPort(binary!),
        launchBrowser(chromium!, {
          entry: '/provider.js',
          title: 'videoconf grid test',
          files: { '/provider.js': { code } },
        }),
      ]);
      [livekit, browser] = [media.livekit, launched];
      ({ app, http } = await listenWithLivekit(media, {
        cors: { origins: [new URL(browser.pageUrl).origin] },
      }));
      bare = testServer({ cors: { origins: [new URL(browser.pageUrl).origin] } });
      await bare.listen({ port: 0, host: '127.0.0.1' });
      bareHttp = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
      [bareHost, bareGuest] = await Promise.all([
        quickUser(bare, { displayName: 'Nina Nomedia' }),
        quickUser(bare, { displayName: 'Ivan Guest' }),
      ]);
      [host, guest, third] = await Promise.all([
        quickUser(app, { displayName: 'Hana Host' }),
        quickUser(app, { displayName: XSS }),
        quickUser(app, { displayName: 'Tom Third' }),
      ]);
      mkdirSync(SHOTS, { recursive: true });
    }, 60_000);
    afterEach(async () => {
      for (const p of open.splice(0)) await p.close();
    });
    afterAll(async () => {
      await app?.close();
      await bare?.close();
      await browser?.close();
      await livekit?.close();
    });

    const newRoom = () =>
      createRoomAs(app, host, { title: 'Grid room', waitingRoomEnabled: false });

    /** A page of `user` joined to `room`, with `elements` inside the provider. */
    const person = async (
      user: QuickUser,
      room: Room,
      elements: ProvidedArgs['elements'],
      extra: Partial<ProvidedArgs> = {},
    ) => {
      const viewport = { width: 900, height: 640 };
      const { page, context, pageErrors } = await openTestPage(browser, 'providerTest');
      await page.setViewportSize(viewport);
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const entry = {
        page,
        errors: pageErrors,
        dialogs,
        async close() {
          await call(page, 'leave').catch(() => undefined);
          await context.close();
        },
      };
      open.push(entry);
      const args: ProvidedArgs = {
        server: http,
        token: tokenOf(user),
        roomId: room.id,
        elements,
        style: 'padding:8px',
        ...extra,
      };
      const state = await call(page, 'join', args);
      expect(state).toBe('connected');
      return entry;
    };

    const shot = async (page: Page, name: string, tag: string, theme: 'light' | 'dark') => {
      await page.evaluate(
        ([t, th]) => {
          document.querySelector(t)!.setAttribute('theme', th);
          document.body.style.background = th === 'dark' ? '#15181d' : '#ffffff';
        },
        [tag, theme] as const,
      );
      await page.waitForTimeout(300);
      await page.screenshot({ path: `${SHOTS}/${name}-${theme}.png`, fullPage: true });
    };

    it('shows a tile per person with live video, remote sound, text names, the speaker, a large screen share, pages', async () => {
      const room = await newRoom();
      const grid = [{ tag: 'vc-grid', attributes: { theme: 'light' } }];
      const a = await person(host, room, grid);
      const b = await person(guest, room, grid, { tone: true });

      // Two tiles each; the other's video decodes frames and plays on.
      for (const [viewer, other] of [
        [a, XSS],
        [b, 'Hana Host'],
      ] as const) {
        const tiles = await waitUntil(
          () => tilesOf(viewer.page),
          (t) => t.length === 2 && (t.find((x) => !x.local)?.video?.width ?? 0) > 0,
          'two tiles, the remote one decoding',
        );
        const remote = tiles.find((x) => !x.local)!;
        expect(remote.name).toBe(other);
        expect(remote.video).toMatchObject({ muted: true, mirrored: false });
        const local = tiles.find((x) => x.local)!;
        expect(local.video).toMatchObject({ muted: true, mirrored: true });
        const before = remote.video!.time;
        await waitUntil(
          () => tilesOf(viewer.page),
          (t) => (t.find((x) => x.id === remote.id)?.video?.time ?? 0) > before + 0.3,
          'the remote video playing on',
        );
      }
      // Names are text: the payload shows as written, no <img>, no alert.
      const onA = await tilesOf(a.page);
      expect(onA.find((x) => !x.local)?.name).toBe(XSS);
      expect(onA.find((x) => x.local)?.name).toBe('Hana Host (you)');
      expect(await imgsIn(a.page, 'vc-grid')).toBe(0);
      expect(a.dialogs).toEqual([]);
      expect(onA.every((x) => x.quality.startsWith('Connection: '))).toBe(true);

      // The remote microphone plays through an <audio> element (never one's own).
      const audio = await waitUntil(
        () =>
          a.page.evaluate(() =>
            [...document.querySelector('vc-grid')!.shadowRoot!.querySelectorAll('audio')].map(
              (el) => ({
                key: el.dataset.key!,
                paused: el.paused,
                time: el.currentTime,
                tracks: (el.srcObject as MediaStream | null)?.getAudioTracks().length ?? 0,
              }),
            ),
          ),
        (list) => list.length === 1 && !list[0]!.paused && list[0]!.time > 0,
        'the guest’s microphone playing on the host’s page',
      );
      expect(audio[0]).toMatchObject({ tracks: 1 });
      expect(audio[0]!.key.endsWith(':mic')).toBe(true);

      // The active speaker: the guest's microphone is a steady tone; LiveKit marks them speaking.
      const speaking = await waitUntil(
        () => tilesOf(a.page),
        (t) => t.find((x) => !x.local)?.speaking === true,
        'the guest’s tile marked speaking',
        20_000,
      );
      expect(speaking.find((x) => !x.local)?.id).toBe(
        (await call(a.page, 'participants')).find((p) => p.isSpeaking && !p.isLocal)?.id,
      );
      await shot(a.page, 'grid-two', 'vc-grid', 'light');

      // The guest turns microphone and camera off: a muted mark, initials instead of video.
      await call(b.page, 'setMicrophone', false);
      await call(b.page, 'setCamera', false);
      const muted = await waitUntil(
        () => tilesOf(a.page),
        (t) => {
          const remote = t.find((x) => !x.local);
          return remote?.micOff === true && remote.video === null;
        },
        'the muted-microphone mark and the avatar',
      );
      expect(muted.find((x) => !x.local)?.avatar).toBe('<O');
      // Silent now: the highlight goes.
      await waitUntil(
        () => tilesOf(a.page),
        (t) => t.find((x) => !x.local)?.speaking === false,
        'the guest no longer marked speaking',
      );
      await shot(a.page, 'grid-muted', 'vc-grid', 'light');
      await shot(a.page, 'grid-muted', 'vc-grid', 'dark');
      await call(b.page, 'setMicrophone', true);
      await call(b.page, 'setCamera', true);
      await waitUntil(
        () => tilesOf(a.page),
        (t) => {
          const remote = t.find((x) => !x.local);
          return remote?.micOff === false && (remote.video?.width ?? 0) > 0;
        },
        'the microphone and camera back on',
      );

      // The guest shares the screen: a large `screen` tile on the host's page, cameras in a strip.
      await call(b.page, 'setScreenShare', true);
      const withScreen = await waitUntil(
        () => tilesOf(a.page),
        (t) => (t.find((x) => x.screen)?.video?.width ?? 0) > 0,
        'the screen share shown and decoding',
      );
      expect(withScreen).toHaveLength(3);
      const screen = withScreen.find((x) => x.screen)!;
      expect(screen.name).toBe(`Screen of ${XSS}`);
      for (const tile of withScreen.filter((x) => !x.screen)) {
        expect(screen.box.width).toBeGreaterThan(tile.box.width * 2);
      }
      await shot(a.page, 'grid-screen', 'vc-grid', 'light');
      await shot(a.page, 'grid-screen', 'vc-grid', 'dark');

      // Pages of one tile: previous and next with labels, a page indicator.
      await a.page.evaluate(() =>
        document.querySelector('vc-grid')!.setAttribute('page-size', '1'),
      );
      const prev = a.page.locator('vc-grid [part="prev-button"]');
      const next = a.page.locator('vc-grid [part="next-button"]');
      const indicator = a.page.locator('vc-grid [part="page-indicator"]');
      await expect(indicator.textContent()).resolves.toContain('Page 1 of 2');
      await expect(prev.getAttribute('aria-label')).resolves.toBe('Previous page');
      await expect(prev.isDisabled()).resolves.toBe(true);
      const first = (await tilesOf(a.page)).filter((x) => !x.screen);
      expect(first).toHaveLength(1);
      await next.click();
      await expect(indicator.textContent()).resolves.toContain('Page 2 of 2');
      await expect(next.isDisabled()).resolves.toBe(true);
      const second = (await tilesOf(a.page)).filter((x) => !x.screen);
      expect(second).toHaveLength(1);
      expect(second[0]!.id).not.toBe(first[0]!.id);
      // The other's sound keeps playing whatever page is shown.
      expect(
        await a.page.evaluate(
          () => document.querySelector('vc-grid')!.shadowRoot!.querySelectorAll('audio').length,
        ),
      ).toBe(1);
      await shot(a.page, 'grid-pages', 'vc-grid', 'dark');

      // The share stops: the screen tile goes; a third person makes a second page come back.
      await call(b.page, 'setScreenShare', false);
      await waitUntil(
        () => tilesOf(a.page),
        (t) => !t.some((x) => x.screen),
        'the screen tile gone',
      );
      await a.page.evaluate(() =>
        document.querySelector('vc-grid')!.setAttribute('page-size', '2'),
      );
      await expect(a.page.locator('vc-grid [part="pagination"]').count()).resolves.toBe(0);
      await person(third, room, []);
      await a.page.locator('vc-grid [part="pagination"]').waitFor({ timeout: 15_000 });
      expect(await indicator.textContent()).toContain('of 2');
      // Russian.
      await a.page.evaluate(() => document.querySelector('vc-grid')!.setAttribute('lang', 'ru'));
      await expect(indicator.textContent()).resolves.toMatch(/Страница \d из 2/);
      expect(a.errors).toEqual([]);
    }, 240_000);

    it('lists people with roles and media; the host mutes, promotes, demotes and removes (after vc-request-kick)', async () => {
      const room = await newRoom();
      const list = [
        { tag: 'vc-participant-list', attributes: { theme: 'light' }, style: 'max-width:560px' },
      ];
      const a = await person(host, room, list);
      const b = await person(guest, room, list);

      const guestRow = (rows: Row[]) => rows.find((r) => r.name === XSS);
      // Wait for the guest's microphone to reach the host: the mute button is then enabled.
      let rows = await waitUntil(
        () => rowsOf(a.page),
        (r) => r.length === 2 && guestRow(r)?.mic === 'true' && guestRow(r)?.camera === 'true',
        'the host listing the guest with microphone and camera on',
      );
      expect(rows.find((r) => r.local)).toMatchObject({
        name: 'Hana Host',
        role: 'Host',
        buttons: [],
      });
      expect(guestRow(rows)).toMatchObject({
        role: 'Participant',
        local: false,
        camera: 'true',
        buttons: [
          { part: 'mute-button', label: `Mute ${XSS}`, disabled: false },
          { part: 'promote-button', label: `Make co-host: ${XSS}`, disabled: false },
          { part: 'kick-button', label: `Remove ${XSS} from the room`, disabled: false },
        ],
      });
      expect(await imgsIn(a.page, 'vc-participant-list')).toBe(0);
      // The host gets the lobby on top; the guest neither the lobby nor any button.
      expect(await a.page.locator('vc-participant-list vc-waiting-room').count()).toBe(1);
      const onB = await waitUntil(
        () => rowsOf(b.page),
        (r) => r.length === 2,
        'the guest’s list',
      );
      expect(onB.flatMap((r) => r.buttons)).toEqual([]);
      expect(await b.page.locator('vc-participant-list vc-waiting-room').count()).toBe(0);
      await shot(a.page, 'list-host', 'vc-participant-list', 'light');
      await shot(a.page, 'list-host', 'vc-participant-list', 'dark');

      const button = (part: string) =>
        a.page
          .locator('vc-participant-list [part="participant"]', { hasText: XSS })
          .locator(`[part="${part}"]`);

      // Mute: the guest's own conference sees its microphone muted.
      await button('mute-button').click();
      await waitUntil(
        async () => (await call(b.page, 'participants')).find((p) => p.isLocal),
        (p) => p?.audioMuted === true,
        'the guest muted by the host',
      );
      await waitUntil(
        () => rowsOf(a.page),
        (r) => guestRow(r)?.mic === 'false',
        'the mute on the host’s list',
      );

      // Promote: both sides show the co-host; the co-host may now mute the host, not remove them.
      await button('promote-button').click();
      await waitUntil(
        () => rowsOf(b.page),
        (r) => guestRow(r)?.role === 'Co-host',
        'the guest a co-host on its side',
      );
      rows = await waitUntil(
        () => rowsOf(a.page),
        (r) => guestRow(r)?.role === 'Co-host',
        'the co-host on the host’s side',
      );
      expect(guestRow(rows)?.buttons.find((x) => x.part === 'promote-button')?.label).toBe(
        `Revoke co-host: ${XSS}`,
      );
      const coHostView = await waitUntil(
        () => rowsOf(b.page),
        (r) => r.find((x) => x.name === 'Hana Host')!.buttons.length > 0,
        'the co-host’s buttons',
      );
      expect(coHostView.find((x) => x.name === 'Hana Host')!.buttons.map((x) => x.part)).toEqual([
        'mute-button',
      ]);
      await shot(b.page, 'list-cohost', 'vc-participant-list', 'light');

      // Demote back.
      await button('promote-button').click();
      await waitUntil(
        () => rowsOf(b.page),
        (r) => guestRow(r)?.role === 'Participant',
        'the guest a participant again',
      );

      // A listener cancels vc-request-kick: nobody is removed.
      await call(a.page, 'preventKicks', true);
      await button('kick-button').click();
      const requests = await call(a.page, 'events');
      expect(requests.filter((e) => e.type === 'vc-request-kick')).toMatchObject([
        { detail: { participant: { displayName: XSS, role: 'participant' } } },
      ]);
      expect(
        Object.keys((requests[0]!.detail as { participant: object }).participant),
      ).not.toContain('videoTrack');
      await a.page.waitForTimeout(1_500);
      expect(await call(b.page, 'state')).toBe('connected');
      expect(await rowsOf(a.page)).toHaveLength(2);

      // Without it, the guest is removed.
      await call(a.page, 'preventKicks', false);
      await button('kick-button').click();
      await waitUntil(
        () => call(b.page, 'state'),
        (s) => s === 'kicked',
        'the guest kicked',
      );
      await waitUntil(
        () => rowsOf(a.page),
        (r) => r.length === 1,
        'the host alone in the list',
      );
      expect(await a.page.locator('vc-participant-list [part="error"]').count()).toBe(0);
      expect([...a.errors, ...b.errors]).toEqual([]);
    }, 240_000);

    it('without media: tiles with initials and a notice; a refused action shows an alert and vc-error', async () => {
      const room = await createRoomAs(bare, bareHost, {
        title: 'No media',
        waitingRoomEnabled: false,
      });
      const both = [
        { tag: 'vc-grid', attributes: { theme: 'light' } },
        { tag: 'vc-participant-list', attributes: { theme: 'light' }, style: 'max-width:560px' },
      ];
      const a = await person(bareHost, room, both, { server: bareHttp });
      await person(bareGuest, room, both, { server: bareHttp });
      const tiles = await waitUntil(
        () => tilesOf(a.page),
        (t) => t.length === 2,
        'two tiles without media',
      );
      expect(tiles.map((x) => [x.avatar, x.video, x.micOff])).toEqual([
        ['NN', null, true],
        ['IG', null, true],
      ]);
      await expect(a.page.locator('vc-grid [part="status"]').textContent()).resolves.toContain(
        'Video is unavailable',
      );
      await shot(a.page, 'no-media', 'vc-grid', 'light');

      // The server refuses the kick (here, made to): an alert in the list, and vc-error.
      const origin = new URL(browser.pageUrl).origin;
      await a.page.route('**/participants/*/kick', (route) =>
        route.fulfill({
          status: route.request().method() === 'OPTIONS' ? 204 : 403,
          headers: {
            'access-control-allow-origin': origin,
            'access-control-allow-headers': 'authorization, content-type',
            'access-control-allow-methods': 'POST',
            'content-type': 'application/json',
          },
          body: JSON.stringify({ code: 'FORBIDDEN', message: 'Refused for the test' }),
        }),
      );
      await a.page
        .locator('vc-participant-list [part="participant"]', { hasText: 'Ivan Guest' })
        .locator('[part="kick-button"]')
        .click();
      const alert = a.page.locator('vc-participant-list [part="error"][role="alert"]');
      await expect(alert.textContent()).resolves.toBe('Refused for the test');
      const events = await call(a.page, 'events');
      expect(events.filter((e) => e.type === 'vc-error')).toEqual([
        { type: 'vc-error', detail: { code: 'FORBIDDEN', message: 'Refused for the test' } },
      ]);
      await shot(a.page, 'no-media-error', 'vc-participant-list', 'dark');
      expect(await rowsOf(a.page)).toHaveLength(2);
      expect(tiles.every((x) => x.quality === '')).toBe(true);

      // Russian.
      await a.page.evaluate(() =>
        document.querySelector('vc-participant-list')!.setAttribute('lang', 'ru'),
      );
      const ru = await waitUntil(
        () => rowsOf(a.page),
        (r) => r[0]?.role === 'Организатор',
        'the list in Russian',
      );
      expect(ru[1]!.buttons.find((b) => b.part === 'kick-button')?.label).toBe(
        'Удалить из комнаты: Ivan Guest',
      );
    }, 60_000);
  },
);
