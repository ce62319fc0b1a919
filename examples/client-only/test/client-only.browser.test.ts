// The example page as two people use it, on `pnpm start` (ours and its LiveKit dev server) in two
// real Chromium pages with fake cameras and microphones: one registers, creates a room with a
// waiting room and copies an invite link; the other opens the link, gives a name and knocks;
// the host admits; both decode each other's video, hear each other, and chat, where a message
// that looks like HTML stays text. Screenshots go to the OS temp dir (paths printed).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, chromiumBinary } from '../../../packages/server/test/support/browser';
import { livekitBinary } from '../../../packages/server/test/support/livekit-server';
import { cleanUp, type Started, start } from '../../../packages/server/test/support/start';

const binary = livekitBinary();
const executablePath = chromiumBinary();
const XSS = '<img src=x onerror=alert(1)>';

/** Whether the page decodes another participant's camera: frames shown, with a size. */
const decodesOthersVideo = (page: Page) =>
  page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('#tiles li[data-local="false"]')].some((tile) => {
      const video = tile.querySelector('video');
      return (
        !!video &&
        !video.hidden &&
        video.videoWidth > 0 &&
        video.getVideoPlaybackQuality().totalVideoFrames > 0
      );
    }),
  );

const shots = mkdtempSync(join(tmpdir(), 'client-only-'));
async function shot(page: Page, name: string) {
  const path = join(shots, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  console.log(`screenshot: ${path}`);
}

const status = (page: Page) => page.locator('#status');

/** A page in a context of its own (as another device), collecting what must not happen. */
async function open(browser: Browser) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
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

/** Registers on the page, creates a room with the waiting room on, and copies an invite link. */
async function hostAMeeting(page: Page, base: string, email: string): Promise<string> {
  await page.goto(base);
  const register = page.locator('#register-form');
  await register.getByLabel('Your name').fill('Hana Host');
  await register.getByLabel('Email').fill(email);
  await register.getByLabel('Password').fill('password123');
  await register.getByRole('button', { name: 'Register and sign in' }).click();
  await page.getByLabel('Title').fill('Client-only standup');
  await expect(page.getByLabel('Waiting room (I admit people)').isChecked()).resolves.toBe(true);
  await page.getByRole('button', { name: 'Create and join' }).click();
  await status(page).getByText('In the meeting', { exact: true }).waitFor();
  await page.getByRole('button', { name: 'Copy invite link' }).click();
  const link = page.getByLabel('Invite link');
  await expect
    .poll(() => link.inputValue(), { timeout: 10_000 })
    .toMatch(/\/examples\/client-only\/\?invite=/);
  return link.inputValue();
}

/** Opens an invite link, gives a name, and knocks. */
async function knock(page: Page, invite: string, name: string) {
  await page.goto(invite);
  const form = page.locator('#guest-form');
  await form.getByLabel('Your name').fill(name);
  await form.getByRole('button', { name: 'Join' }).click();
  await status(page).getByText('Waiting for the host to let you in…').waitFor();
}

async function sendChat(page: Page, text: string) {
  const form = page.locator('#chat-form');
  await form.getByLabel('Message').fill(text);
  await form.getByRole('button', { name: 'Send' }).click();
}
const chatTexts = (page: Page) => page.locator('#messages .text').allTextContents();

describe.skipIf(process.platform === 'win32' || !binary || !executablePath)(
  'examples/client-only on pnpm start',
  () => {
    let started: Started | undefined;
    let browser: Browser | undefined;
    afterEach(async () => {
      await browser?.close();
      browser = undefined;
      if (started) cleanUp(started);
      started = undefined;
    });

    it('a host admits an invited guest; they see each other and chat as text', async () => {
      started = await start();
      expect(started.livekit, started.output()).not.toBeNull();
      const base = `http://127.0.0.1:${started.port}/examples/client-only/`;
      browser = await chromium.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });

      // The host registers, creates a room with the waiting room on, copies an invite link.
      const host = await open(browser);
      const invite = await hostAMeeting(host.page, base, `hana-${started.port}@example.com`);

      // The guest opens the link, gives a name, and waits in the lobby.
      const guest = await open(browser);
      await knock(guest.page, invite, 'Guido Guest');
      await shot(guest.page, 'guest-waiting');

      // The host sees the knock and admits.
      const admit = host.page.getByRole('button', { name: 'Admit Guido Guest' });
      await admit.waitFor({ timeout: 10_000 });
      await shot(host.page, 'host-lobby');
      await admit.click();
      await status(guest.page).getByText('In the meeting', { exact: true }).waitFor();
      await host.page.getByText('Nobody is waiting.').waitFor();

      // Both decode the other's camera and play the other's microphone.
      for (const { page } of [host, guest]) {
        await expect.poll(() => decodesOthersVideo(page), { timeout: 30_000 }).toBe(true);
        await expect
          .poll(
            () =>
              page.evaluate(() =>
                [...document.querySelectorAll('#audio-sinks audio')].some(
                  (audio) => !(audio as HTMLAudioElement).paused,
                ),
              ),
            { timeout: 20_000 },
          )
          .toBe(true);
      }

      // Chat both ways; a message that looks like HTML is shown as the text it is.
      await sendChat(host.page, 'Welcome, Guido!');
      await expect
        .poll(() => chatTexts(guest.page), { timeout: 10_000 })
        .toEqual(['Welcome, Guido!']);
      await sendChat(guest.page, XSS);
      for (const { page } of [host, guest]) {
        await expect
          .poll(() => chatTexts(page), { timeout: 10_000 })
          .toEqual(['Welcome, Guido!', XSS]);
        expect(await page.locator('#messages img').count()).toBe(0);
      }
      await shot(host.page, 'host-in-call');
      await shot(guest.page, 'guest-in-call');

      // The guest leaves; the host sees one tile again.
      await guest.page.getByRole('button', { name: 'Leave' }).click();
      await status(guest.page).getByText('You left the meeting.').waitFor();
      await expect.poll(() => host.page.locator('#tiles li').count(), { timeout: 10_000 }).toBe(1);
      await shot(guest.page, 'guest-left');

      expect(host.problems, 'host page').toEqual([]);
      expect(guest.problems, 'guest page').toEqual([]);
    }, 240_000);

    it('without media: the page says so, chat works, and a rejected guest is told', async () => {
      started = await start({ LIVEKIT: 'off' });
      const base = `http://127.0.0.1:${started.port}/examples/client-only/`;
      browser = await chromium.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });
      const host = await open(browser);
      const invite = await hostAMeeting(host.page, base, `hana-off-${started.port}@example.com`);
      await host.page
        .getByText('Video and audio are unavailable on this server: chat and the lobby still work.')
        .waitFor();
      await sendChat(host.page, 'Anyone?');
      await expect.poll(() => chatTexts(host.page), { timeout: 10_000 }).toEqual(['Anyone?']);

      const guest = await open(browser);
      await knock(guest.page, invite, 'Mallory');
      await host.page.getByRole('button', { name: 'Reject Mallory' }).click();
      await status(guest.page).getByText('The host did not let you in.').waitFor();
      await shot(host.page, 'host-without-media');
      await shot(guest.page, 'guest-rejected');
      expect(await guest.page.locator('#messages li').count()).toBe(0);
      expect(host.problems, 'host page').toEqual([]);
      expect(guest.problems, 'guest page').toEqual([]);
    }, 240_000);
  },
);
