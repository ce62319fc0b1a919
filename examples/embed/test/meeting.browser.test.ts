// The meeting page of `pnpm start` (examples/embed, served at `/`) as people use it, in real
// Chromium pages: a host registers, creates a room with the waiting room on, copies an invite
// link (read from its text field) and enters the room; a guest opens the link in a context of
// its own; a signed-in user who opens a room with a password is asked for it. Runs on
// `pnpm start` with LIVEKIT=off: the page and the elements work without video.
// The meeting itself: the guest knocks in `<vc-room>`, the host admits from its participants
// panel, both are connected. Screenshots go to the OS temp dir (paths printed).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumBinary } from '../../../packages/server/test/support/browser';
import { livekitBinary } from '../../../packages/server/test/support/livekit-server';
import { apiOf, cleanUp, type Started, start } from '../../../packages/server/test/support/start';

const executablePath = chromiumBinary();
const livekit = livekitBinary();

const shots = mkdtempSync(join(tmpdir(), 'meeting-page-'));
async function shot(page: Page, name: string) {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

/** A page in a browser context of its own (another device), collecting what must not happen. */
async function open(browser: Browser, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 850 }, ...options });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('dialog', (dialog) => {
    problems.push(`dialog: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) problems.push(message.text());
  });
  return { page, problems };
}

async function register(page: Page, name: string, email: string, next = 'Your meetings') {
  const form = page.locator('#register-form');
  await form.getByLabel('Your name').fill(name);
  await form.getByLabel('Email').fill(email);
  await form.getByLabel('Password').fill('password123');
  await form.getByRole('button', { name: 'Register and sign in' }).click();
  await page.getByRole('heading', { name: next }).waitFor();
}

async function createRoom(page: Page, title: string, { password = '', waitingRoom = true } = {}) {
  const form = page.locator('#create-form');
  await form.getByLabel('Title').fill(title);
  await form.getByLabel('Waiting room (I let people in)').setChecked(waitingRoom);
  if (password) await form.getByLabel('Room password (optional)').fill(password);
  await form.getByRole('button', { name: 'Create the room' }).click();
  await page.getByRole('heading', { name: title }).waitFor();
}

/** Clicks "Copy invite link" and reads the link from its text field. */
async function copyInvite(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Copy invite link' }).click();
  const field = page.getByLabel('Invite link');
  await expect.poll(() => field.inputValue(), { timeout: 10_000 }).toMatch(/\?invite=/);
  return field.inputValue();
}

const vcRoomAttributes = (page: Page) =>
  page.locator('vc-room').evaluate((room) => ({
    server: room.getAttribute('server'),
    room: room.getAttribute('room'),
    invite: room.getAttribute('invite'),
    lang: room.getAttribute('lang'),
    displayName: room.getAttribute('display-name'),
    getToken: typeof (room as HTMLElement & { getToken?: unknown }).getToken,
  }));

describe.skipIf(process.platform === 'win32' || !executablePath)(
  'the meeting page of pnpm start',
  () => {
    let started: Started;
    let browser: Browser;
    let base: string;
    beforeAll(async () => {
      started = await start({ LIVEKIT: 'off' });
      base = `http://127.0.0.1:${started.port}`;
      browser = await chromium.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      if (started) cleanUp(started);
    });

    it('a host registers, creates a room with a waiting room, copies the invite, enters; the link opens as a guest', async () => {
      const host = await open(browser);
      await host.page.goto(`${base}/`);
      await host.page.getByRole('heading', { name: 'Sign in to start a meeting' }).waitFor();
      await shot(host.page, 'sign-in-light');
      await register(host.page, 'Hana Host', `hana-${started.port}@example.com`);
      await expect(host.page.locator('#who').textContent()).resolves.toBe('Signed in as Hana Host');

      await createRoom(host.page, 'Embed standup');
      await expect(host.page.locator('#room-facts').textContent()).resolves.toContain(
        'waiting room on',
      );
      const invite = await copyInvite(host.page);
      // Copied, or to be copied from the field: either way news, not an error.
      await expect(host.page.locator('#notice').getAttribute('class')).resolves.toBe('notice');
      const roomId = host.page.locator('#rooms-list li').first();
      const id = (await roomId.getAttribute('data-room-id'))!;
      expect(invite).toBe(
        `${base}/?invite=${new URL(invite).searchParams.get('invite')}&room=${id}`,
      );
      // The invite in the link is one the server redeems for this room.
      const redeemed = await apiOf(started.port)(
        `/invites/${new URL(invite).searchParams.get('invite')}/redeem`,
        { displayName: 'Curl Guest' },
      );
      expect(redeemed.room.id).toBe(id);
      await shot(host.page, 'rooms-light');

      // The session survives a reload (sessionStorage), and an access token about to expire is
      // traded for new tokens before use; "your rooms" lists the room to re-enter.
      const readSession = () =>
        host.page.evaluate(() => JSON.parse(sessionStorage.getItem('videoconf.session') ?? 'null'));
      const before = await readSession();
      await host.page.evaluate(() => {
        const stored = JSON.parse(sessionStorage.getItem('videoconf.session')!);
        sessionStorage.setItem(
          'videoconf.session',
          JSON.stringify({ ...stored, expiresAt: Date.now() }),
        );
      });
      await host.page.reload();
      await host.page.getByRole('button', { name: 'Open Embed standup' }).waitFor();
      const after = await readSession();
      expect(after.refreshToken).not.toBe(before.refreshToken);
      expect(after.expiresAt).toBeGreaterThan(Date.now() + 60_000);
      await host.page.getByRole('button', { name: 'Open Embed standup' }).click();
      await host.page.getByRole('button', { name: 'Enter the room' }).click();
      await host.page.locator('vc-room').waitFor({ state: 'attached' });
      expect(await vcRoomAttributes(host.page)).toEqual({
        server: base,
        room: id,
        invite: null,
        lang: 'en',
        displayName: 'Hana Host',
        getToken: 'function',
      });
      expect(new URL(host.page.url()).search).toBe(`?room=${id}`);
      // `.getToken` gives an access token the API takes.
      const me = await host.page.evaluate(async () => {
        const room = document.querySelector('vc-room') as HTMLElement & {
          getToken: () => Promise<string>;
        };
        const answer = await fetch('/api/v1/users/me', {
          headers: { authorization: `Bearer ${await room.getToken()}` },
        });
        return (await answer.json()).displayName;
      });
      expect(me).toBe('Hana Host');

      // The guest: the invite link opens the page with `<vc-room invite>`, and the token leaves
      // the address bar.
      const guest = await open(browser);
      await guest.page.goto(invite);
      await guest.page.locator('vc-room').waitFor({ state: 'attached' });
      expect(await vcRoomAttributes(guest.page)).toEqual({
        server: base,
        room: id,
        invite: new URL(invite).searchParams.get('invite'),
        lang: 'en',
        displayName: null,
        getToken: 'undefined',
      });
      expect(new URL(guest.page.url()).search).toBe(`?room=${id}`);
      await shot(guest.page, 'guest-light');
      expect([...host.problems, ...guest.problems]).toEqual([]);
      await host.page.context().close();
      await guest.page.context().close();
    });

    it('asks a signed-in visitor for the room password, and says when it is wrong', async () => {
      const host = await open(browser);
      await host.page.goto(`${base}/`);
      await register(host.page, 'Pia Host', `pia-${started.port}@example.com`);
      await createRoom(host.page, 'With a password', {
        password: 'secret-word',
        waitingRoom: false,
      });
      const id = (await host.page.locator('#rooms-list li').first().getAttribute('data-room-id'))!;

      const visitor = await open(browser);
      await visitor.page.goto(`${base}/?room=${id}`);
      // Not signed in: the page asks that first, then goes on to the room of the address.
      await register(
        visitor.page,
        'Vera Visitor',
        `vera-${started.port}@example.com`,
        'This room has a password',
      );
      const form = visitor.page.locator('#password-form');
      await form.getByLabel('Room password').fill('wrong-word');
      await form.getByRole('button', { name: 'Continue' }).click();
      await expect
        .poll(() => visitor.page.locator('#notice').textContent())
        .toContain('INVALID_ROOM_PASSWORD');
      await expect(visitor.page.locator('#notice').getAttribute('class')).resolves.toBe(
        'notice error',
      );
      await form.getByLabel('Room password').fill('secret-word');
      await form.getByRole('button', { name: 'Continue' }).click();
      await visitor.page.locator('vc-room').waitFor({ state: 'attached' });
      expect((await vcRoomAttributes(visitor.page)).room).toBe(id);
      expect([...host.problems, ...visitor.problems]).toEqual([]);
      await host.page.context().close();
      await visitor.page.context().close();
    });

    it('speaks Russian to a Russian browser, and is dark in a dark one', async () => {
      const ru = await open(browser, { locale: 'ru-RU', colorScheme: 'dark' });
      await ru.page.goto(`${base}/`);
      await ru.page.getByRole('heading', { name: 'Войдите, чтобы начать встречу' }).waitFor();
      expect(await ru.page.evaluate(() => document.documentElement.lang)).toBe('ru');
      await shot(ru.page, 'sign-in-dark-ru');
      const background = await ru.page.evaluate(
        () => getComputedStyle(document.body).backgroundColor,
      );
      expect(background).toBe('rgb(20, 23, 28)');

      const dark = await open(browser, { colorScheme: 'dark' });
      await dark.page.goto(`${base}/`);
      await register(dark.page, 'Dora Dark', `dora-${started.port}@example.com`);
      await createRoom(dark.page, 'Night call');
      await copyInvite(dark.page);
      await shot(dark.page, 'rooms-dark');
      // The switch changes the language of the page (and of a mounted <vc-room>).
      await dark.page.getByLabel('Language').selectOption('ru');
      await dark.page.getByRole('heading', { name: 'Ваши встречи' }).waitFor();
      expect([...ru.problems, ...dark.problems]).toEqual([]);
      await ru.page.context().close();
      await dark.page.context().close();
    });

    it('the guest knocks, the host admits, both are in the meeting', async () => {
      const host = await open(browser);
      await host.page.goto(`${base}/`);
      await register(host.page, 'Hugo Host', `hugo-${started.port}@example.com`);
      await createRoom(host.page, 'Admit me');
      const invite = await copyInvite(host.page);
      await host.page.getByRole('button', { name: 'Enter the room' }).click();
      const hostRoom = host.page.locator('vc-room');
      await hostRoom.locator('[part~="join-button"]').click();
      await host.page.locator('vc-room[state="connected"]').waitFor({ timeout: 20_000 });
      // Without LiveKit the room says that video is unavailable.
      await host.page
        .locator('vc-room')
        .getByText(/video is unavailable/i)
        .first()
        .waitFor();

      const guest = await open(browser);
      await guest.page.goto(invite);
      const guestRoom = guest.page.locator('vc-room');
      await guestRoom.locator('[part~="name-input"]').fill('Gina Guest');
      await guestRoom.locator('[part~="join-button"]').click();
      await guest.page.locator('vc-room[state="waiting"]').waitFor({ timeout: 20_000 });
      await shot(guest.page, 'guest-waiting');

      const approve = hostRoom.locator('[part~="approve-button"]').first();
      if (!(await approve.isVisible())) {
        await hostRoom.locator('[part~="participants-button"]').click();
      }
      await approve.click({ timeout: 20_000 });
      await guest.page.locator('vc-room[state="connected"]').waitFor({ timeout: 20_000 });
      await shot(host.page, 'host-in-meeting');
      await shot(guest.page, 'guest-in-meeting');
      expect([...host.problems, ...guest.problems]).toEqual([]);
      await host.page.context().close();
      await guest.page.context().close();
    });
  },
);

/** The remote tile's video in a page's `<vc-room>`: its size and playback position. */
const remoteVideo = (page: Page) =>
  page
    .locator('vc-room [part="tile"]:not([local]) [part="video"]')
    .evaluate((v) => ({
      width: (v as HTMLVideoElement).videoWidth,
      time: (v as HTMLVideoElement).currentTime,
    }))
    .catch(() => ({ width: 0, time: 0 }));

/** The other person's camera decodes in `page`: a size, and a playback position that advances. */
async function expectRemoteFrames(page: Page) {
  let first = { width: 0, time: 0 };
  await expect
    .poll(
      async () => {
        first = await remoteVideo(page);
        return first.width > 0 && first.time > 0;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  await expect
    .poll(async () => (await remoteVideo(page)).time, { timeout: 15_000 })
    .toBeGreaterThan(first.time);
}

/** Sends `text` from the chat panel of a page's `<vc-room>` (opening the panel if need be). */
async function chat(page: Page, text: string) {
  const input = page.locator('vc-room vc-chat [part="composer-input"]');
  if (!(await input.isVisible())) await page.locator('vc-room [part~="chat-button"]').click();
  await input.fill(text);
  await input.press('Enter');
}

const messagesIn = (page: Page) =>
  page.locator('vc-room vc-chat [part="message-content"]').allTextContents();

// The promise, as a person meets it: `pnpm start` (with the LiveKit dev server it runs),
// two browser windows at `/`, only what the page shows: sign up, create a room with a waiting
// room, copy the invite; the guest opens it, types a name, knocks; the host admits; both see
// each other's camera and chat.
describe.skipIf(process.platform === 'win32' || !executablePath || !livekit)(
  'the meeting page of pnpm start, with video',
  () => {
    let started: Started;
    let browser: Browser;
    beforeAll(async () => {
      started = await start();
      expect(started.livekit, started.output()).not.toBeNull();
      browser = await chromium.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      if (started) cleanUp(started);
    });

    it('two people meet with video, a lobby and chat, following only the page', async () => {
      const base = `http://127.0.0.1:${started.port}`;
      const host = await open(browser);
      await host.page.goto(`${base}/`);
      await register(host.page, 'Vera Host', `vera-${started.port}@example.com`);
      await createRoom(host.page, 'Video standup');
      const invite = await copyInvite(host.page);
      await host.page.getByRole('button', { name: 'Enter the room' }).click();
      await host.page.locator('vc-room [part~="join-button"]').click();
      await host.page.locator('vc-room[state="connected"]').waitFor({ timeout: 30_000 });

      const guest = await open(browser);
      await guest.page.goto(invite);
      await guest.page.locator('vc-room [part~="name-input"]').fill('Vlad Guest');
      await guest.page.locator('vc-room [part~="join-button"]').click();
      await guest.page.locator('vc-room[state="waiting"]').waitFor({ timeout: 30_000 });

      const approve = host.page.locator('vc-room [part~="approve-button"]').first();
      if (!(await approve.isVisible())) {
        await host.page.locator('vc-room [part~="participants-button"]').click();
      }
      await approve.click({ timeout: 30_000 });
      await guest.page.locator('vc-room[state="connected"]').waitFor({ timeout: 30_000 });

      // Video both ways, through the LiveKit of `pnpm start`: nobody says it is unavailable.
      await expectRemoteFrames(host.page);
      await expectRemoteFrames(guest.page);
      for (const page of [host.page, guest.page]) {
        await expect(
          page
            .locator('vc-room')
            .getByText(/video is unavailable/i)
            .filter({ visible: true })
            .count(),
        ).resolves.toBe(0);
      }

      await chat(guest.page, 'Hello from the guest');
      await chat(host.page, 'Welcome, Vlad');
      for (const page of [host.page, guest.page]) {
        await expect
          .poll(() => messagesIn(page), { timeout: 15_000 })
          .toEqual(['Hello from the guest', 'Welcome, Vlad']);
      }
      await shot(host.page, 'video-host');
      await shot(guest.page, 'video-guest');
      expect([...host.problems, ...guest.problems]).toEqual([]);
      await host.page.context().close();
      await guest.page.context().close();
    });
  },
);
