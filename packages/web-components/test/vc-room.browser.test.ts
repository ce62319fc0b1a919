// <vc-room> in real Chromium (fake camera and microphone) against a real videoconf server with a
// real LiveKit (its webhooks reach the server), and against servers without media: the pre-join
// preview, joining, the controls, leaving (every camera and microphone track ended), the end
// screens, the reconnecting banner across a server restart, and removing the element mid-call.
//
// Screenshots go to /tmp/vc-room-screenshots; with VIDEOCONF_SCREENSHOTS=1 also to
// docs/images/web-components/ (what docs/web-components.md shows).
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Room } from '@videoconf/protocol';
import { memoryStorage } from '@videoconf/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { historyOf, startServer } from '../../client-sdk/test/support/realtime';
import type { App } from '../../server/src/http/types';
import {
  createRoomAs,
  joinAs,
  type QuickUser,
  quickUser,
  testServer,
} from '../../server/test/support/app';
import {
  chromiumBinary,
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
import { expectNoSeriousA11yViolations } from './support/axe';
import { launchElementsBrowser } from './support/page';
import {
  mount,
  type Page,
  pageState,
  shootRoom,
  stateOf,
  untilState,
  within,
} from './support/room-page';

const chromium = chromiumBinary();
const binary = livekitBinary();
const tokenOf = (user: QuickUser) => user.auth.authorization.slice('Bearer '.length);
const SHOTS = '/tmp/vc-room-screenshots';

/** Saves an element screenshot under `name` (and into the docs with VIDEOCONF_SCREENSHOTS=1). */
const shoot = (page: Page, name: string) => shootRoom(page, SHOTS, name);

/** Takes the same screenshot in light and dark; axe-core finds no serious violation in either. */
async function shootBoth(page: Page, name: string, axe = true) {
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => document.querySelector('vc-room')!.setAttribute('theme', t), theme);
    await page.waitForTimeout(150);
    await shoot(page, `${name}-${theme}`);
    if (axe) await expectNoSeriousA11yViolations(page, `${name} (${theme})`);
  }
  await page.evaluate(() => document.querySelector('vc-room')!.setAttribute('theme', 'light'));
}

describe.skipIf(!chromium)('<vc-room> in Chromium', () => {
  let browser: TestBrowser;
  const pages: { close(): Promise<void> }[] = [];

  const openPage = async () => {
    const { page, context, pageErrors } = await openTestPage(browser, 'wcReady');
    await page.setViewportSize({ width: 1000, height: 700 });
    pages.push({ close: () => context.close() });
    return { page, pageErrors };
  };

  /**
   * Closes the pages first, then `server`: a server closing while a page still holds its
   * connections may wait for them (seen on a loaded machine), so the pages go first.
   */
  const closeAll = async (server: { close(): Promise<unknown> }) => {
    for (const p of pages.splice(0)) await p.close();
    await within(server.close(), 15_000, 'closing the server').catch((e) => console.warn(e));
  };

  beforeAll(async () => {
    browser = await launchElementsBrowser(chromium!);
  }, 60_000);
  afterEach(async () => {
    for (const p of pages.splice(0)) await p.close();
  });
  afterAll(async () => {
    await browser?.close();
  });

  describe.skipIf(!binary)('with a real LiveKit', () => {
    let livekit: LivekitServer;
    let app: App;
    let http: string;
    let host: QuickUser;
    let guest: QuickUser;

    beforeAll(async () => {
      const media = await startLivekitForPort(binary!);
      livekit = media.livekit;
      ({ app, http } = await listenWithLivekit(media, {
        cors: { origins: [new URL(browser.pageUrl).origin] },
      }));
      [host, guest] = await Promise.all([
        quickUser(app, { displayName: 'Hana Host' }),
        quickUser(app, { displayName: 'Gus Guest' }),
      ]);
      // Hana's own settings: she enters with her microphone off.
      const res = await app.inject({
        method: 'PUT',
        url: '/api/v1/users/me/settings',
        headers: host.auth,
        payload: { muteMicOnJoin: true },
      });
      expect(res.statusCode).toBe(200);
    }, 90_000);
    afterAll(async () => {
      await app?.close();
      await livekit?.close();
    });

    const newRoom = (): Promise<Room> =>
      createRoomAs(app, host, { title: 'Weekly sync', waitingRoomEnabled: false });

    const activeParticipants = async (roomId: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/rooms/${roomId}/participants`,
        headers: host.auth,
      });
      return (res.json() as { items: { userId: string; leftAt: string | null }[] }).items;
    };

    it('pre-join previews the camera, lists devices, meters the microphone, honours mute-on-join; joins, leaves with every track ended, and comes back', async () => {
      const room = await newRoom();
      const { page, pageErrors } = await openPage();
      await mount(page, { server: http, room: room.id, token: tokenOf(host), theme: 'light' });
      expect(await stateOf(page)).toBe('prejoin');

      // The fake camera plays in the preview.
      const video = page.locator('vc-room [part="preview-video"]');
      await waitUntil(
        () => video.evaluate((v) => (v as HTMLVideoElement).videoWidth),
        (w) => w > 0,
        'the preview playing',
      );
      // Devices listed with labels (permission given), a default first.
      const cameras = await page.locator('vc-room [part="camera-select"] option').allTextContents();
      expect(cameras.length).toBeGreaterThanOrEqual(2);
      expect(cameras[0]?.trim()).toBe('Default');
      expect(cameras[1]?.trim()).not.toBe('');
      const mics = await page.locator('vc-room [part="microphone-select"] option').count();
      expect(mics).toBeGreaterThanOrEqual(2);
      // The name field prefilled with the user's name; focus on Join.
      expect(await page.locator('vc-room [part="name-input"]').inputValue()).toBe('Hana Host');
      await waitUntil(
        () =>
          page.evaluate(
            () =>
              document.querySelector('vc-room')!.shadowRoot!.activeElement?.getAttribute('part') ??
              null,
          ),
        (p) => p === 'join-button',
        'focus on Join',
      );

      // muteMicOnJoin: the microphone starts off, the camera on; the meter is still.
      const micToggle = page.locator('vc-room [part="prejoin-mic-button"]');
      expect(await micToggle.getAttribute('aria-pressed')).toBe('false');
      expect(
        await page.locator('vc-room [part="prejoin-camera-button"]').getAttribute('aria-pressed'),
      ).toBe('true');
      const meter = page.locator('vc-room [part="level"]');
      expect(await meter.getAttribute('role')).toBe('meter');
      expect(await meter.getAttribute('aria-valuenow')).toBe('0');
      // Turned on, the fake microphone's beep moves the meter.
      await micToggle.click();
      expect(await micToggle.getAttribute('aria-pressed')).toBe('true');
      const levels: number[] = [];
      await waitUntil(
        async () => {
          levels.push(Number(await meter.getAttribute('aria-valuenow')));
          return levels;
        },
        (l) => new Set(l.filter((x) => x > 0)).size >= 2,
        'the level meter moving',
      );
      await shootBoth(page, 'vc-room-prejoin');
      // Off again: she joins muted, as her settings say.
      await micToggle.press('Enter');
      expect(await micToggle.getAttribute('aria-pressed')).toBe('false');
      let state = await pageState(page);
      expect(state.tracks.filter((t) => t.kind === 'audio').map((t) => t.readyState)).not.toContain(
        'live',
      );

      await page.locator('vc-room [part="join-button"]').click();
      await untilState(page, 'connected');
      const camera = page.locator('vc-room [part="camera-button"]');
      await waitUntil(
        () => camera.getAttribute('aria-pressed'),
        (p) => p === 'true',
        'the camera published',
      );
      const mic = page.locator('vc-room [part="mic-button"]');
      expect(await mic.getAttribute('aria-pressed')).toBe('false');
      // Published: a camera, and no unmuted microphone.
      const local = await page.evaluate(() => {
        const el = document.querySelector('vc-room') as unknown as {
          conference: {
            mediaParticipants: {
              get(): Map<string, { isLocal: boolean; audioMuted: boolean; videoMuted: boolean }>;
            };
          };
        };
        const me = [...el.conference.mediaParticipants.get().values()].find((p) => p.isLocal);
        return me && { audioMuted: me.audioMuted, videoMuted: me.videoMuted };
      });
      expect(local).toEqual({ audioMuted: true, videoMuted: false });
      state = await pageState(page);
      expect(state.events.slice(0, 3)).toEqual(['state:joining', 'state:connected', 'vc-joined']);
      expect(state.tracks.filter((t) => t.kind === 'audio' && t.readyState === 'live')).toEqual([]);
      // The preview's camera was stopped before joining: one live camera, the published one.
      expect(
        state.tracks.filter((t) => t.kind === 'video' && t.readyState === 'live'),
      ).toHaveLength(1);
      // Focus moved to the control bar.
      expect(
        await page.evaluate(
          () =>
            document
              .querySelector('vc-room')!
              .shadowRoot!.activeElement?.closest('[part="controls"]') != null,
        ),
      ).toBe(true);
      expect((await activeParticipants(room.id)).map((p) => p.userId)).toEqual([host.id]);

      // The microphone goes on and off from the control bar.
      await mic.click();
      await waitUntil(
        () => mic.getAttribute('aria-pressed'),
        (p) => p === 'true',
        'mic on',
      );
      await mic.click();
      await waitUntil(
        () => mic.getAttribute('aria-pressed'),
        (p) => p === 'false',
        'mic off',
      );
      // The chat panel opens with the chat inside.
      await page.locator('vc-room [part="chat-button"]').click();
      await page.locator('vc-room [part="composer-input"]:enabled').waitFor({ timeout: 10_000 });
      await shootBoth(page, 'vc-room-in-room');
      await page.locator('vc-room [part="chat-button"]').click();

      // Leave, cancelled once by the page.
      await page.evaluate(() =>
        document
          .querySelector('vc-room')!
          .addEventListener('vc-request-leave', (e) => e.preventDefault(), { once: true }),
      );
      await page.locator('vc-room [part="leave-button"]').click();
      await sleep(300);
      expect(await stateOf(page)).toBe('connected');
      await page.locator('vc-room [part="leave-button"]').click();
      await untilState(page, 'left');
      await expect
        .poll(() => page.locator('vc-room [part="ended"] h2').textContent())
        .toBe('You left the meeting');
      expect(
        await page.evaluate(
          () => document.querySelector('vc-room')!.shadowRoot!.activeElement?.id ?? null,
        ),
      ).toBe('ended-title');
      // Every camera and microphone track the page ever got is ended.
      state = await waitUntil(
        () => pageState(page),
        (s) => s.tracks.every((t) => t.readyState === 'ended'),
        'every track ended',
      );
      expect(state.tracks.length).toBeGreaterThanOrEqual(3);
      expect(state.events).toContain('vc-left');
      expect(state.events.filter((e) => e === 'vc-request-leave')).toHaveLength(2);
      await waitUntil(
        () => activeParticipants(room.id),
        (list) => list.length === 0,
        'the server sees Hana gone',
      );
      await shootBoth(page, 'vc-room-ended');

      // Rejoin: back to the pre-join with a live preview.
      await page.locator('vc-room [part="back-button"]').click();
      expect(await stateOf(page)).toBe('prejoin');
      await waitUntil(
        () => video.evaluate((v) => (v as HTMLVideoElement).videoWidth),
        (w) => w > 0,
        'the preview playing again',
      );
      expect(pageErrors).toEqual([]);
    });

    it('removing <vc-room> mid-call leaves the room, ends the tracks and closes the sockets; adding it again works', async () => {
      const room = await newRoom();
      const { page } = await openPage();
      await mount(page, { server: http, room: room.id, token: tokenOf(guest) });
      await page.locator('vc-room [part="join-button"]').click();
      await untilState(page, 'connected');
      await waitUntil(
        () => page.locator('vc-room [part="mic-button"]').getAttribute('aria-pressed'),
        (p) => p === 'true',
        'the microphone published',
      );
      expect((await activeParticipants(room.id)).map((p) => p.userId)).toEqual([guest.id]);

      await page.evaluate(() => document.querySelector('vc-room')!.remove());
      await waitUntil(
        () => activeParticipants(room.id),
        (list) => list.length === 0,
        'the server sees the guest gone',
      );
      const state = await waitUntil(
        () => pageState(page),
        (s) =>
          s.tracks.every((t) => t.readyState === 'ended') &&
          s.sockets.every((r) => r === 3 /* CLOSED */),
        'tracks ended and sockets closed',
      );
      expect(state.tracks.some((t) => t.kind === 'video')).toBe(true);
      expect(state.sockets.length).toBeGreaterThanOrEqual(2);

      // Added again: pre-join, then in the room.
      await mount(page, { server: http, room: room.id, token: tokenOf(guest) });
      expect(await stateOf(page)).toBe('prejoin');
      await page.locator('vc-room [part="join-button"]').click();
      await untilState(page, 'connected');
      expect((await activeParticipants(room.id)).map((p) => p.userId)).toEqual([guest.id]);
      expect((await pageState(page)).events.slice(0, 3)).toEqual([
        'state:joining',
        'state:connected',
        'vc-joined',
      ]);
    });

    it('a guest sees the host join; only the host may end the meeting, for everyone', async () => {
      const room = await newRoom();
      const g = await openPage();
      await mount(g.page, { server: http, room: room.id, token: tokenOf(guest) });
      await g.page.locator('vc-room [part="join-button"]').click();
      await untilState(g.page, 'connected');
      const h = await openPage();
      await mount(h.page, { server: http, room: room.id, token: tokenOf(host) });
      await h.page.locator('vc-room [part="join-button"]').click();
      await untilState(h.page, 'connected');
      await waitUntil(
        () => pageState(g.page),
        (s) => s.events.includes('vc-participant-joined'),
        'the guest sees the host join',
      );
      // Only the host has "End for everyone"; it asks first.
      expect(await g.page.locator('vc-room [part="end-button"]').count()).toBe(0);
      await h.page.locator('vc-room [part="end-button"]').click();
      await h.page.locator('vc-room [part="end-confirm-button"]').click();
      await untilState(h.page, 'ended');
      await untilState(g.page, 'ended');
      await expect
        .poll(() => g.page.locator('vc-room [part="ended"] h2').textContent())
        .toBe('The meeting has ended');
      expect(await g.page.locator('vc-room [part="back-button"]').count()).toBe(0);
      expect((await pageState(g.page)).events).toContain('vc-ended');
      await waitUntil(
        () => pageState(g.page),
        (s) => s.tracks.every((t) => t.readyState === 'ended'),
        'the guest’s tracks ended',
      );
    });
  });

  describe('without media', () => {
    it('joins a server without LiveKit: says video is unavailable, chat works', async () => {
      const bare = testServer({ cors: { origins: [new URL(browser.pageUrl).origin] } });
      await bare.listen({ port: 0, host: '127.0.0.1' });
      try {
        const http = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
        const ada = await quickUser(bare, { displayName: 'Ada' });
        const room = await createRoomAs(bare, ada, {
          title: 'No video',
          waitingRoomEnabled: false,
          settings: { cameraOffOnJoin: true },
        });
        const { page, pageErrors } = await openPage();
        await mount(page, { server: http, room: room.id, token: tokenOf(ada), lang: 'en' });
        // The room's cameraOffOnJoin: the pre-join starts with the camera off, no preview.
        const cameraToggle = page.locator('vc-room [part="prejoin-camera-button"]');
        await expect.poll(() => cameraToggle.getAttribute('aria-pressed')).toBe('false');
        await page.locator('vc-room [part="preview-off"]').waitFor();
        expect(
          await page.locator('vc-room [part="prejoin-mic-button"]').getAttribute('aria-pressed'),
        ).toBe('true');
        await page.locator('vc-room [part="join-button"]').click();
        await untilState(page, 'connected');
        await expect
          .poll(() =>
            page
              .locator('vc-room #media-notice')
              .textContent()
              .then((t) => t?.trim()),
          )
          .toBe('Video is unavailable on this server');
        for (const part of ['mic-button', 'camera-button', 'screen-button']) {
          const button = page.locator(`vc-room [part="${part}"]`);
          expect(await button.isDisabled()).toBe(true);
          expect(await button.getAttribute('aria-describedby')).toBe('media-notice');
        }
        const state = await pageState(page);
        expect(state.events).not.toContain('vc-error:MEDIA_UNAVAILABLE');
        // No camera or microphone stays open without media.
        expect(state.tracks.filter((t) => t.readyState === 'live')).toEqual([]);

        await page.locator('vc-room [part="chat-button"]').click();
        const input = page.locator('vc-room [part="composer-input"]');
        await input.waitFor({ timeout: 10_000 });
        await input.fill('chat without video');
        await input.press('Enter');
        await waitUntil(
          () => historyOf(http, room.id, ada),
          (list) => list.some((m) => m.content === 'chat without video'),
          'the message in the history',
        );
        // Escape closes the panel, focus back on its button.
        await input.press('Escape');
        await expect.poll(() => page.locator('vc-room [part="panel"]').isHidden()).toBe(true);
        await expect
          .poll(() =>
            page.evaluate(
              () =>
                document
                  .querySelector('vc-room')!
                  .shadowRoot!.activeElement?.getAttribute('part') ?? null,
            ),
          )
          .toBe('chat-button');
        // Someone else writes while the panel is closed: the chat button shows a badge.
        const bob = await quickUser(bare, { displayName: 'Bob' });
        await joinAs(bare, room.id, bob);
        const sent = await bare.inject({
          method: 'POST',
          url: `/api/v1/rooms/${room.id}/chat/messages`,
          headers: bob.auth,
          payload: { content: 'hello Ada' },
        });
        expect(sent.statusCode).toBe(201);
        await expect
          .poll(() => page.locator('vc-room [part="chat-button"] [part="badge"]').textContent())
          .toBe('1');
        // The participants panel lists both (Bob joined over the API).
        await page.locator('vc-room [part="participants-button"]').click();
        await expect.poll(() => page.locator('vc-room [part="participant"]').count()).toBe(2);
        await shootBoth(page, 'vc-room-participants');
        expect(pageErrors).toEqual([]);
      } finally {
        await closeAll(bare);
      }
    });

    it('shows a reconnecting banner while the server restarts as two people chat: nothing lost or shown twice, never back to pre-join', async () => {
      const server = await startServer(memoryStorage(), {
        cors: { origins: [new URL(browser.pageUrl).origin] },
      });
      try {
        const ada = await quickUser(server.app, { displayName: 'Ada' });
        const room = await createRoomAs(server.app, ada, {
          title: 'Restart',
          waitingRoomEnabled: false,
        });
        const { page } = await openPage();
        await mount(page, { server: server.http, room: room.id, token: tokenOf(ada) });
        await page.locator('vc-room [part="join-button"]').click();
        await untilState(page, 'connected');
        await page.locator('vc-room [part="chat-button"]').click();
        const input = page.locator('vc-room [part="composer-input"]');
        await input.waitFor({ timeout: 10_000 });
        await input.fill('before the restart');
        await input.press('Enter');
        await page
          .locator('vc-room [part="message-content"]', { hasText: 'before the restart' })
          .waitFor({ timeout: 10_000 });
        // Two people chat: Bob (over the API) too.
        const bob = await quickUser(server.app, { displayName: 'Bob' });
        await joinAs(server.app, room.id, bob);
        const bobSays = async (content: string) => {
          const sent = await server.app.inject({
            method: 'POST',
            url: `/api/v1/rooms/${room.id}/chat/messages`,
            headers: bob.auth,
            payload: { content },
          });
          expect(sent.statusCode).toBe(201);
        };
        await bobSays('Bob, earlier');

        // A server process that stops drops its connections: the old instance's HTTP
        // keep-alive connections from the page are cut too (else its close may wait for them).
        const old = server.app.server;
        const cut = setInterval(() => old.closeAllConnections(), 100);
        await within(
          server.restart(async () => {
            clearInterval(cut);
            await untilState(page, 'reconnecting', 20_000);
            const banner = page.locator('vc-room [part="banner"]');
            expect(await banner.getAttribute('role')).toBe('status');
            expect((await banner.textContent())?.trim()).toBe('Connection lost. Reconnecting…');
            await shoot(page, 'vc-room-reconnecting-light');
          }),
          40_000,
          'the restart of the server',
        ).finally(() => clearInterval(cut));
        // Bob writes on the new instance at once, whether or not Ada's page is back yet.
        await bobSays('Bob, as the server is back');
        await untilState(page, 'connected', 20_000);
        expect(await page.locator('vc-room [part="banner"]').count()).toBe(0);
        // The chat kept its messages and still sends.
        await page
          .locator('vc-room [part="message-content"]', { hasText: 'before the restart' })
          .waitFor({ timeout: 5_000 });
        await input.fill('after the restart');
        await input.press('Enter');
        await waitUntil(
          () => historyOf(server.http, room.id, ada),
          (list) => list.some((m) => m.content === 'after the restart'),
          'the message after the restart',
        );
        // Nothing lost, nothing shown twice, in the order they were sent.
        await expect
          .poll(() => page.locator('vc-room [part="message-content"]').allTextContents(), {
            timeout: 10_000,
          })
          .toEqual([
            'before the restart',
            'Bob, earlier',
            'Bob, as the server is back',
            'after the restart',
          ]);
        const { events } = await pageState(page);
        expect(events.filter((e) => e.startsWith('state:'))).toEqual([
          'state:joining',
          'state:connected',
          'state:reconnecting',
          'state:connected',
        ]);
        expect(events.filter((e) => e === 'vc-joined')).toHaveLength(1);
      } finally {
        await closeAll(server);
      }
    }, 90_000);

    it('the lobby: waits, is admitted (the host sees a lobby badge), is removed; another is turned away with a reason', async () => {
      const bare = testServer({ cors: { origins: [new URL(browser.pageUrl).origin] } });
      await bare.listen({ port: 0, host: '127.0.0.1' });
      try {
        const http = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
        const [ada, bob, cy] = await Promise.all([
          quickUser(bare, { displayName: 'Ada Host' }),
          quickUser(bare, { displayName: 'Bob' }),
          quickUser(bare, { displayName: 'Cy' }),
        ]);
        const room = await createRoomAs(bare, ada, { title: 'Lobby', waitingRoomEnabled: true });
        const as = async (
          user: QuickUser,
          method: 'GET' | 'POST',
          url: string,
          payload?: object,
        ) => {
          const res = await bare.inject({
            method,
            url: `/api/v1/rooms/${room.id}${url}`,
            headers: user.auth,
            ...(payload && { payload }),
          });
          expect(res.statusCode, res.body).toBeLessThan(300);
          return res.body ? res.json() : null;
        };
        const pendingOf = async () =>
          ((await as(ada, 'GET', '/waiting-room')) as { items: { id: string; userId: string }[] })
            .items;

        const h = await openPage();
        await mount(h.page, { server: http, room: room.id, token: tokenOf(ada) });
        await h.page.locator('vc-room [part="join-button"]').click();
        await untilState(h.page, 'connected');

        const b = await openPage();
        await mount(b.page, { server: http, room: room.id, token: tokenOf(bob) });
        await b.page.locator('vc-room [part="join-button"]').click();
        await untilState(b.page, 'waiting');
        // The lobby is headed by the room's title; the status says what happens.
        expect(await b.page.locator('vc-room [part="lobby"] h2').textContent()).toBe('Lobby');
        await expect
          .poll(() => b.page.locator('vc-room [part="status"]').textContent())
          .toContain('Waiting for the host to let you in');
        // The host's participants button counts the lobby.
        const badge = h.page.locator('vc-room [part="participants-button"] [part="badge"]');
        await expect.poll(() => badge.textContent(), { timeout: 10_000 }).toBe('1');
        const [entry] = await pendingOf();
        await as(ada, 'POST', `/waiting-room/${entry!.id}/approve`);
        await untilState(b.page, 'connected');
        await expect.poll(() => badge.count(), { timeout: 10_000 }).toBe(0);
        expect((await pageState(b.page)).events).toEqual([
          'state:joining',
          'state:waiting',
          'vc-waiting',
          'state:joining',
          'vc-admitted',
          'state:connected',
          'vc-joined',
        ]);
        await waitUntil(
          () => pageState(h.page),
          (s) => s.events.includes('vc-participant-joined'),
          'the host sees Bob join',
        );

        // The host removes Bob.
        const participants = (await as(ada, 'GET', '/participants')) as {
          items: { id: string; userId: string }[];
        };
        const bobs = participants.items.find((p) => p.userId === bob.id)!;
        await as(ada, 'POST', `/participants/${bobs.id}/kick`, {});
        await untilState(b.page, 'kicked');
        expect(await b.page.locator('vc-room [part="ended"] h2').textContent()).toBe(
          'You were removed from the room',
        );
        expect((await pageState(b.page)).events).toContain('vc-kicked');
        await waitUntil(
          () => pageState(h.page),
          (s) => s.events.includes('vc-participant-left'),
          'the host sees Bob go',
        );

        // Cy is turned away, with a reason.
        const c = await openPage();
        await mount(c.page, { server: http, room: room.id, token: tokenOf(cy) });
        await c.page.locator('vc-room [part="join-button"]').click();
        await untilState(c.page, 'waiting');
        const pending = await waitUntil(pendingOf, (list) => list.length === 1, 'Cy waiting');
        await as(ada, 'POST', `/waiting-room/${pending[0]!.id}/reject`, { reason: 'Not today' });
        await untilState(c.page, 'rejected');
        expect(await c.page.locator('vc-room [part="ended"] h2').textContent()).toBe(
          'The host did not let you in',
        );
        expect(await c.page.locator('vc-room [part="ended"] p').textContent()).toBe(
          'Reason: Not today',
        );
        expect((await pageState(c.page)).events).toContain('vc-rejected');
      } finally {
        await closeAll(bare);
      }
    });

    it('a guest with an invite must type a name; the name is used to join', async () => {
      const bare = testServer({ cors: { origins: [new URL(browser.pageUrl).origin] } });
      await bare.listen({ port: 0, host: '127.0.0.1' });
      try {
        const http = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;
        const ada = await quickUser(bare, { displayName: 'Ada' });
        const room = await createRoomAs(bare, ada, { title: 'Guests', waitingRoomEnabled: false });
        const res = await bare.inject({
          method: 'POST',
          url: `/api/v1/rooms/${room.id}/invite`,
          headers: ada.auth,
          payload: {},
        });
        const invite = (res.json() as { token: string }).token;
        const { page } = await openPage();
        await mount(page, { server: http, room: room.id, invite, lang: 'ru' });
        const join = page.locator('vc-room [part="join-button"]');
        await expect.poll(() => join.textContent().then((t) => t?.trim())).toBe('Войти');
        await join.click();
        // No name: not joined, the field says why and has focus.
        expect(await stateOf(page)).toBe('prejoin');
        const name = page.locator('vc-room [part="name-input"]');
        expect(await name.getAttribute('aria-invalid')).toBe('true');
        await expect
          .poll(() =>
            page.evaluate(
              () =>
                document
                  .querySelector('vc-room')!
                  .shadowRoot!.activeElement?.getAttribute('part') ?? null,
            ),
          )
          .toBe('name-input');
        await name.fill('Gail Guest');
        await name.press('Enter');
        await untilState(page, 'connected');
        const list = await bare.inject({
          method: 'GET',
          url: `/api/v1/rooms/${room.id}/participants`,
          headers: ada.auth,
        });
        expect(
          (list.json() as { items: { displayName: string }[] }).items.map((p) => p.displayName),
        ).toContain('Gail Guest');
      } finally {
        await closeAll(bare);
      }
    });
  });
});
