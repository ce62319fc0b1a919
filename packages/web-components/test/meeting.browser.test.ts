import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../server/src/http/types';
import { createRoomAs, type QuickUser, quickUser } from '../../server/test/support/app';
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
import { mount, type Page, pageState, shootRoom, untilState, within } from './support/room-page';

const chromium = chromiumBinary();
const binary = livekitBinary();
const tokenOf = (user: QuickUser) => user.auth.authorization.slice('Bearer '.length);
const SHOTS = '/tmp/vc-meeting-screenshots';
const XSS_NAME = '<img src=x onerror=alert(1)>';
const XSS_MESSAGE = '<img src=x onerror=alert(2)> hi';

interface Person {
  page: Page;
  pageErrors: string[];
  dialogs: string[];
  close(): Promise<void>;
}

/** Every `<img>` in the page, inside open shadow roots too (an XSS payload would make one). */
const imagesIn = (page: Page) =>
  page.evaluate(() => {
    let count = 0;
    const walk = (root: Document | ShadowRoot) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.tagName === 'IMG') count++;
        if (el.shadowRoot) walk(el.shadowRoot);
      }
    };
    walk(document);
    return count;
  });

/** The one remote tile's video: its size and playback position. */
const remoteVideo = (page: Page) =>
  page
    .locator('vc-room [part="tile"]:not([local]) [part="video"]')
    .evaluate((v) => {
      const video = v as HTMLVideoElement;
      return { width: video.videoWidth, time: video.currentTime };
    })
    .catch(() => ({ width: 0, time: 0 }));

/** The remote participant's video decodes: a size, and a playback position that advances. */
async function expectRemoteFrames(page: Page, what: string) {
  const first = await waitUntil(
    () => remoteVideo(page),
    (v) => v.width > 0 && v.time > 0,
    `${what}: the remote video playing`,
  );
  await waitUntil(
    () => remoteVideo(page),
    (v) => v.time > first.time,
    `${what}: the remote video advancing`,
  );
}

/** `expect.poll` with room for a loaded machine (its default gives up after 1 s). */
const poll = <T>(read: () => Promise<T>) => expect.poll(read, { timeout: 15_000 });

const events = async (person: Person) => (await pageState(person.page)).events;

describe.skipIf(!chromium)('a meeting in Chromium', () => {
  let browser: TestBrowser;

  beforeAll(async () => {
    browser = await launchElementsBrowser(chromium!);
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
  });

  describe.skipIf(!binary)('with a real LiveKit, through the UI only', () => {
    let livekit: LivekitServer;
    let app: App;
    let http: string;
    let host: QuickUser;

    beforeAll(async () => {
      const media = await startLivekitForPort(binary!);
      livekit = media.livekit;
      ({ app, http } = await listenWithLivekit(media, {
        cors: { origins: [new URL(browser.pageUrl).origin] },
      }));
      host = await quickUser(app, { displayName: 'Hana Host' });
    }, 90_000);
    afterAll(async () => {
      await within(app?.close() ?? Promise.resolve(), 15_000, 'closing the server').catch((e) =>
        console.warn(e),
      );
      await livekit?.close();
    });

    const people: Person[] = [];
    afterAll(async () => {
      for (const p of people.splice(0)) await p.close();
    });

    /** A person: a browser context of their own, alerts and dialogs recorded. */
    const open = async (): Promise<Person> => {
      const { page, context, pageErrors } = await openTestPage(browser, 'wcReady');
      await page.setViewportSize({ width: 1000, height: 700 });
      const dialogs: string[] = [];
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      const person = { page, pageErrors, dialogs, close: () => context.close() };
      people.push(person);
      return person;
    };

    const invite = async (roomId: string) => {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${roomId}/invite`,
        headers: host.auth,
        payload: {},
      });
      expect(res.statusCode, res.body).toBeLessThan(300);
      return (res.json() as { token: string }).token;
    };

    /** A guest with an invite types `name` on the pre-join screen and knocks. */
    const knock = async (guest: Person, roomId: string, name: string) => {
      await mount(guest.page, {
        server: http,
        room: roomId,
        invite: await invite(roomId),
        theme: 'dark',
        lang: 'en',
      });
      await guest.page.locator('vc-room [part="name-input"]').fill(name);
      await guest.page.locator('vc-room [part="join-button"]').click();
      await untilState(guest.page, 'waiting');
      await guest.page.locator('vc-room section[part="lobby"]').waitFor();
    };

    const shoot = (person: Person, name: string) =>
      shootRoom(person.page, SHOTS, `meeting-${name}`);

    it('host and guest in two browser contexts on a page served from another origin than the server (CORS configured)', async () => {
      expect(new URL(browser.pageUrl).origin).not.toBe(new URL(http).origin);
      const room = await createRoomAs(app, host, {
        title: 'Design review',
        waitingRoomEnabled: true,
      });

      // 1. The host joins through the pre-join screen.
      const h = await open();
      await mount(h.page, {
        server: http,
        room: room.id,
        token: tokenOf(host),
        theme: 'light',
        lang: 'en',
      });
      await h.page.locator('vc-room [part="join-button"]').click();
      await untilState(h.page, 'connected');

      // 2. A guest with an invite, named with an XSS payload, waits in the lobby.
      const g = await open();
      await knock(g, room.id, XSS_NAME);
      const lobbyStatus = g.page.locator('vc-room div[part="lobby"] [part="status"]');
      expect(await lobbyStatus.textContent()).toBe('Waiting for the host to let you in');
      // Said once: the lobby's heading is the room's title, or "Waiting room" when the page has
      // not read the room (as for this guest with an invite, seen here).
      expect(await g.page.locator('vc-room section[part="lobby"] > h2').textContent()).toBe(
        'Waiting room',
      );
      expect(await g.page.getByText('Waiting for the host to let you in').count()).toBe(1);
      await shoot(g, '1-guest-lobby-dark');

      // 3. The host sees the knock: a badge on the participants button, the entry in the panel.
      const hostRoom = h.page.locator('vc-room');
      const lobbyBadge = h.page.locator('vc-room [part="participants-button"] [part="badge"]');
      await poll(() => lobbyBadge.textContent()).toBe('1');
      await h.page.locator('vc-room [part="participants-button"]').click();
      const entryName = h.page.locator('vc-room vc-participant-list [part="entry-name"]');
      await poll(() => entryName.textContent()).toBe(XSS_NAME);
      // The waiting room's parts are forwarded out of <vc-room> (a page can style them).
      await h.page.addStyleTag({
        content:
          'vc-room::part(approve-button), vc-room::part(entry-name) { scroll-margin-top: 7px }',
      });
      const approve = h.page.locator('vc-room vc-participant-list [part="approve-button"]');
      expect(await approve.evaluate((b) => getComputedStyle(b).scrollMarginTop)).toBe('7px');
      expect(await entryName.evaluate((b) => getComputedStyle(b).scrollMarginTop)).toBe('7px');
      await shoot(h, '2-host-knock-light');
      await expectNoSeriousA11yViolations(h.page, 'the host in the room, a knock in the panel');
      expect(await g.page.locator('vc-room').getAttribute('state')).toBe('waiting');
      await approve.click();
      await untilState(g.page, 'connected');
      await poll(() => lobbyBadge.count()).toBe(0);
      expect(await events(g)).toEqual([
        'state:joining',
        'state:waiting',
        'vc-waiting',
        'state:joining',
        'vc-admitted',
        'state:connected',
        'vc-joined',
      ]);

      // 4. Each sees the other's video, decoded, and each other in the list; the name is text.
      await Promise.all([expectRemoteFrames(h.page, 'host'), expectRemoteFrames(g.page, 'guest')]);
      await g.page.locator('vc-room [part="participants-button"]').click();
      for (const [person, other] of [
        [h, XSS_NAME],
        [g, 'Hana Host'],
      ] as const) {
        await poll(() =>
          person.page.locator('vc-room [part="participant-name"]').allTextContents(),
        ).toContain(other);
      }
      expect(
        await h.page.locator('vc-room [part="tile"]:not([local]) [part="tile-name"]').textContent(),
      ).toBe(XSS_NAME);
      // (The guest found the host there: only those who arrive later are announced.)
      expect(await events(h)).toContain('vc-participant-joined');
      expect(await events(g)).not.toContain('vc-participant-joined');
      await shoot(h, '3-host-participants-light');
      await shoot(g, '3-guest-participants-dark');

      // 5. Chat both ways. The host's panel is closed: its chat button counts the unread.
      await h.page.locator('vc-room [part="participants-button"]').click();
      await g.page.locator('vc-room [part="chat-button"]').click();
      const gInput = g.page.locator('vc-room [part="composer-input"]:enabled');
      await gInput.fill('Hello from the guest');
      await gInput.press('Enter');
      await gInput.fill(XSS_MESSAGE);
      await gInput.press('Enter');
      const chatBadge = h.page.locator('vc-room [part="chat-button"] [part="badge"]');
      await poll(() => chatBadge.textContent()).toBe('2');
      await shoot(h, '4-host-unread-light');
      await h.page.locator('vc-room [part="chat-button"]').click();
      await poll(() => chatBadge.count()).toBe(0);
      const hMessages = h.page.locator('vc-room [part="message-content"]');
      await poll(() => hMessages.allTextContents()).toEqual(['Hello from the guest', XSS_MESSAGE]);
      const hInput = h.page.locator('vc-room [part="composer-input"]:enabled');
      await hInput.fill('Welcome!');
      await hInput.press('Enter');
      const gMessages = g.page.locator('vc-room [part="message-content"]');
      await poll(() => gMessages.allTextContents()).toEqual([
        'Hello from the guest',
        XSS_MESSAGE,
        'Welcome!',
      ]);
      // The guest edits its first message: the host sees it edited.
      await g.page
        .locator('vc-room [part="message"]', { hasText: 'Hello from the guest' })
        .locator('[part="edit-button"]')
        .click();
      await gInput.fill('Hello from the guest (edited)');
      await gInput.press('Enter');
      const hFirst = h.page.locator('vc-room [part="message"]').first();
      await poll(() => hFirst.locator('[part="message-content"]').textContent()).toBe(
        'Hello from the guest (edited)',
      );
      expect(await hFirst.locator('[part="edited-mark"]').textContent()).toBe('edited');
      // The guest deletes the second: the host sees it deleted.
      await g.page
        .locator('vc-room [part="message"]', { hasText: XSS_MESSAGE })
        .locator('[part="delete-button"]')
        .click();
      await poll(() => hMessages.nth(1).textContent()).toBe('This message was deleted');
      await shoot(h, '5-host-chat-light');
      await shoot(g, '5-guest-chat-dark');

      // 6. The host mutes the guest from the list.
      const gMic = g.page.locator('vc-room [part="mic-button"]');
      await poll(() => gMic.getAttribute('aria-pressed')).toBe('true');
      await h.page.locator('vc-room [part="participants-button"]').click();
      const guestRow = h.page.locator('vc-room [part="participant"]', { hasText: XSS_NAME });
      await guestRow.locator('[part="mute-button"]').click();
      await poll(() => gMic.getAttribute('aria-pressed')).toBe('false');
      await poll(() =>
        h.page.locator('vc-room [part="tile"]:not([local]) [part="mic-off"]').count(),
      ).toBe(1);
      expect(await guestRow.locator('[part="mic-state"]').getAttribute('data-on')).toBe('false');
      await shoot(h, '6-host-muted-guest-light');

      // 7. The host removes the guest.
      await guestRow.locator('[part="kick-button"]').click();
      await untilState(g.page, 'kicked');
      expect(await g.page.locator('vc-room [part="ended"] h2').textContent()).toBe(
        'You were removed from the room',
      );
      expect(await events(g)).toContain('vc-kicked');
      await waitUntil(
        () => events(h),
        (e) => e.includes('vc-participant-left'),
        'the host sees the guest go',
      );
      await shoot(g, '7-guest-kicked-dark');

      // 8. A second guest is let in; the host ends the meeting for everyone.
      const g2 = await open();
      await knock(g2, room.id, 'Gil Second');
      await poll(() => h.page.locator('vc-room [part="entry-name"]').textContent()).toBe(
        'Gil Second',
      );
      await approve.click();
      await untilState(g2.page, 'connected');
      await h.page.locator('vc-room [part="end-button"]').click();
      await h.page.locator('vc-room [part="end-confirm-button"]').click();
      await Promise.all([untilState(h.page, 'ended'), untilState(g2.page, 'ended')]);
      expect(await g2.page.locator('vc-room [part="ended"] h2').textContent()).toBe(
        'The meeting has ended',
      );
      expect(await events(g2)).toContain('vc-ended');
      expect(await events(h)).toContain('vc-ended');
      await shoot(h, '8-host-ended-light');
      await shoot(g2, '8-guest-ended-dark');

      // Names and messages were text everywhere: no <img>, no alert.
      for (const person of [h, g, g2]) {
        expect(await imagesIn(person.page)).toBe(0);
        expect(person.dialogs).toEqual([]);
        expect(person.pageErrors).toEqual([]);
      }
      expect(await hostRoom.getAttribute('state')).toBe('ended');
    }, 180_000);
  });
});
