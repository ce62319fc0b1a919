// <vc-waiting-room> in real Chromium against a real videoconf server (no media: the element
// joins with `media: false`), in a room with a waiting room: the host's page shows the people
// who knock, live; each guest's page (an invite redeemed by the element) says they wait, then
// the host admits one (vc-admitted on both sides, the guest's element hides), rejects another
// with a reason (the guest reads it), admits several at once; a name made of HTML stays text;
// Russian strings; axe-core finds no serious violation on either side, light or dark. Then inside
// a provider of the Conference (test/support/provider-page.ts, what <vc-room> does): no connection
// of its own, the guest waits in the provided one and is admitted from the host's.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { expectNoSeriousA11yViolations } from './support/axe';
import { launchElementsBrowser } from './support/page';
import type { ProvidedArgs, ProviderApi } from './support/provider-page';

type Page = Awaited<ReturnType<typeof openTestPage>>['page'];

const chromium = chromiumBinary();
const tokenOf = (user: QuickUser) => user.auth.authorization.slice('Bearer '.length);
const SHOTS = '/tmp/vc-waiting-room-screenshots';
const XSS = '<img src=x onerror=alert(1)>';

/** What a page's element dispatched: `type` and the entry's name, status and reason. */
interface Seen {
  type: string;
  name: string;
  status: string;
  reason: string | null;
}

interface Opened {
  page: Page;
  dialogs: string[];
  errors: string[];
  events(): Promise<Seen[]>;
  close(): Promise<void>;
}

const namesOf = (page: Page): Promise<string[]> =>
  page.evaluate(() => {
    const root = document.querySelector('vc-waiting-room')!.shadowRoot!;
    return [...root.querySelectorAll('[part="entry-name"]')].map((n) => n.textContent!);
  });

describe.skipIf(!chromium)('<vc-waiting-room> in Chromium against a real server', () => {
  let browser: TestBrowser;
  let app: App;
  let http: string;
  let ada: QuickUser;
  let roomId: string;
  const pages: Opened[] = [];

  const open = async (attributes: Record<string, string>, room = roomId): Promise<Opened> => {
    const { page, context, pageErrors } = await openTestPage(browser, 'wcReady');
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.evaluate(
      ({ server, room, attributes }) => {
        const w = globalThis as unknown as { lobbyEvents: unknown[] };
        w.lobbyEvents = [];
        const lobby = document.createElement('vc-waiting-room');
        lobby.style.cssText = 'width:520px';
        lobby.setAttribute('server', server);
        lobby.setAttribute('room', room);
        for (const [name, value] of Object.entries(attributes)) lobby.setAttribute(name, value);
        for (const type of ['vc-waiting', 'vc-admitted', 'vc-rejected'] as const) {
          lobby.addEventListener(type, (e) =>
            w.lobbyEvents.push({
              type,
              name: e.detail.entry.displayName,
              status: e.detail.entry.status,
              reason: e.detail.entry.reason,
            }),
          );
        }
        lobby.addEventListener('vc-error', (e) =>
          w.lobbyEvents.push({ type: 'vc-error', name: e.detail.code, status: '', reason: null }),
        );
        document.getElementById('remote')!.append(lobby);
      },
      { server: http, room, attributes },
    );
    const opened: Opened = {
      page,
      dialogs,
      errors: pageErrors,
      events: () =>
        page.evaluate(() => (globalThis as unknown as { lobbyEvents: Seen[] }).lobbyEvents),
      close: () => context.close(),
    };
    pages.push(opened);
    return opened;
  };

  const inviteToken = async (room = roomId) => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${room}/invite`,
      headers: ada.auth,
      payload: {},
    });
    expect(res.statusCode).toBe(201);
    return (res.json() as { token: string }).token;
  };

  const openHost = (attributes: Record<string, string> = {}) =>
    open({ token: tokenOf(ada), ...attributes });

  const openGuest = async (name: string, attributes: Record<string, string> = {}) =>
    open({ invite: await inviteToken(), 'display-name': name, ...attributes });

  const statusOf = (page: Page) => page.locator('vc-waiting-room [part="status"]').textContent();

  const waitForNames = (page: Page, ok: (names: string[]) => boolean, what: string) =>
    waitUntil(() => namesOf(page), ok, what, 15_000);

  const shoot = async (page: Page, name: string) => {
    const path = `${SHOTS}/${name}.png`;
    writeFileSync(path, await page.locator('vc-waiting-room').screenshot());
    return path;
  };

  const inTheme = async (page: Page, theme: 'light' | 'dark') => {
    await page.evaluate(
      (theme) => document.querySelector('vc-waiting-room')!.setAttribute('theme', theme),
      theme,
    );
    await page.waitForTimeout(50);
  };

  beforeAll(async () => {
    browser = await launchElementsBrowser(chromium!);
    app = testServer({ cors: { origins: [new URL(browser.pageUrl).origin] } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    http = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    ada = await quickUser(app, { displayName: 'Ada Host' });
    roomId = (await createRoomAs(app, ada, { title: 'Lobby room', waitingRoomEnabled: true })).id;
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    for (const p of pages.splice(0)) await p.close();
    await browser?.close();
    await app?.close();
  });

  it('the host sees knocks live and admits one: the guest waited, then is admitted', async () => {
    const host = await openHost({ theme: 'light' });
    await host.page.locator('vc-waiting-room [part="empty"]').waitFor({ timeout: 15_000 });
    expect(await host.page.locator('vc-waiting-room [part="empty"]').textContent()).toBe(
      'Nobody is waiting',
    );

    const gail = await openGuest('Gail Guest', { theme: 'light' });
    await expect
      .poll(() => statusOf(gail.page), { timeout: 15_000 })
      .toBe('Waiting for the host to let you in');
    // The status is a polite live region: a screen reader announces each new text.
    const region = gail.page.locator('vc-waiting-room [role="status"]');
    expect(await region.getAttribute('aria-live')).toBe('polite');
    expect(await region.locator('[part="status"]').count()).toBe(1);
    await expect
      .poll(() => gail.events())
      .toEqual([{ type: 'vc-waiting', name: 'Gail Guest', status: 'pending', reason: null }]);

    // Live on the host's side, without a reload.
    await waitForNames(host.page, (n) => n.join() === 'Gail Guest', 'the knock on the host page');
    const admit = host.page.getByRole('button', { name: 'Admit Gail Guest' });
    expect(await admit.getAttribute('part')).toBe('approve-button');
    expect(
      await host.page.getByRole('button', { name: 'Reject Gail Guest' }).getAttribute('part'),
    ).toBe('reject-button');
    // Announced to the host too.
    await expect
      .poll(() =>
        host.page.locator('vc-waiting-room .visually-hidden[role="status"]').textContent(),
      )
      .toBe('Gail Guest is waiting to join');

    // Accessibility and screenshots of both sides, light and dark.
    const shots: string[] = [];
    for (const theme of ['light', 'dark'] as const) {
      await inTheme(host.page, theme);
      await inTheme(gail.page, theme);
      await expectNoSeriousA11yViolations(host.page, `the host's list (${theme})`);
      await expectNoSeriousA11yViolations(gail.page, `the waiting guest (${theme})`);
      shots.push(await shoot(host.page, `host-${theme}`), await shoot(gail.page, `guest-${theme}`));
    }
    console.log(`screenshots: ${shots.join(' ')}`);
    await inTheme(host.page, 'light');

    // Keyboard: the approve button takes focus and Enter admits.
    await admit.focus();
    await admit.press('Enter');
    await expect
      .poll(() => gail.events(), { timeout: 15_000 })
      .toEqual([
        { type: 'vc-waiting', name: 'Gail Guest', status: 'pending', reason: null },
        { type: 'vc-admitted', name: 'Gail Guest', status: 'approved', reason: null },
      ]);
    // Out of the lobby: an ordinary participant, for whom the element hides.
    await expect.poll(() => gail.page.locator('vc-waiting-room').getAttribute('hidden')).toBe('');
    expect(await gail.page.locator('vc-waiting-room [part="status"]').count()).toBe(0);
    await waitForNames(host.page, (n) => n.length === 0, 'the list emptied');
    await expect
      .poll(() => host.events())
      .toEqual([{ type: 'vc-admitted', name: 'Gail Guest', status: 'approved', reason: null }]);
    // The server agrees: Gail is a participant.
    const participants = await app.inject({
      method: 'GET',
      url: `/api/v1/rooms/${roomId}/participants`,
      headers: ada.auth,
    });
    expect(
      (participants.json() as { items: { displayName: string }[] }).items.map((p) => p.displayName),
    ).toContain('Gail Guest');
    expect([...host.errors, ...gail.errors]).toEqual([]);
    await gail.close();
  });

  it('rejects with a reason the guest reads; admits several at once; names are text', async () => {
    const host = pages[0]!;
    const focusedPart = (page: Page) =>
      page.evaluate(
        () =>
          document
            .querySelector('vc-waiting-room')!
            .shadowRoot!.activeElement?.getAttribute('part') ?? null,
      );

    const rita = await openGuest('Rita Rejected');
    await expect
      .poll(() => statusOf(rita.page), { timeout: 15_000 })
      .toBe('Waiting for the host to let you in');
    await waitForNames(host.page, (n) => n.join() === 'Rita Rejected', 'Rita’s knock');

    // Reject opens a small form; Escape closes it and focus returns to the button.
    const reject = host.page.getByRole('button', { name: 'Reject Rita Rejected' });
    await reject.click();
    const reason = host.page.getByLabel('Reason for Rita Rejected (optional)');
    await expect.poll(() => reason.evaluate((el) => el.matches(':focus'))).toBe(true);
    await reason.press('Escape');
    expect(await host.page.locator('vc-waiting-room [part="reject-form"]').count()).toBe(0);
    await expect.poll(() => reject.evaluate((el) => el.matches(':focus'))).toBe(true);
    await reject.press('Enter');
    await reason.fill('Not today');
    await reason.press('Enter');

    await expect
      .poll(() => statusOf(rita.page), { timeout: 15_000 })
      .toBe('The host did not let you in');
    // The list is empty: focus moved to "Nobody is waiting", not lost.
    await expect.poll(() => focusedPart(host.page)).toBe('empty');
    expect(await rita.page.locator('vc-waiting-room [part="reason"]').textContent()).toBe(
      'Reason: Not today',
    );
    await expect
      .poll(() => rita.events())
      .toEqual([
        { type: 'vc-waiting', name: 'Rita Rejected', status: 'pending', reason: null },
        { type: 'vc-rejected', name: 'Rita Rejected', status: 'rejected', reason: 'Not today' },
      ]);
    await expect
      .poll(() => host.events())
      .toContainEqual({
        type: 'vc-rejected',
        name: 'Rita Rejected',
        status: 'rejected',
        reason: 'Not today',
      });
    writeFileSync(
      `${SHOTS}/guest-rejected.png`,
      await rita.page.locator('vc-waiting-room').screenshot(),
    );
    await rita.close();

    // Two knock (one named with HTML); the list is oldest first; approve-all admits both.
    const first = await openGuest('Olga First');
    await waitForNames(host.page, (n) => n.join() === 'Olga First', 'Olga’s knock');
    const second = await openGuest(XSS);
    await waitForNames(host.page, (n) => n.length === 2, 'both knocks');
    expect(await namesOf(host.page)).toEqual(['Olga First', XSS]);
    const imgs = await host.page.evaluate(
      () => document.querySelector('vc-waiting-room')!.shadowRoot!.querySelectorAll('img').length,
    );
    expect(imgs).toBe(0);
    expect(await host.page.getByRole('button', { name: `Admit ${XSS}` }).count()).toBe(1);
    writeFileSync(
      `${SHOTS}/host-two-waiting.png`,
      await host.page.locator('vc-waiting-room').screenshot(),
    );
    const all = host.page.locator('vc-waiting-room [part="approve-all-button"]');
    expect((await all.textContent())?.trim()).toBe('Admit all (2)');
    await all.click();
    for (const [guest, name] of [
      [first, 'Olga First'],
      [second, XSS],
    ] as const) {
      await expect
        .poll(() => guest.events(), { timeout: 15_000 })
        .toContainEqual({ type: 'vc-admitted', name, status: 'approved', reason: null });
    }
    await host.page.locator('vc-waiting-room [part="empty"]').waitFor({ timeout: 15_000 });
    expect(host.dialogs).toEqual([]);
    expect(second.dialogs).toEqual([]);
    expect([...host.errors, ...first.errors, ...second.errors]).toEqual([]);
    await first.close();
    await second.close();
  });

  it('speaks Russian on both sides', async () => {
    const host = pages[0]!;
    await host.page.evaluate(() =>
      document.querySelector('vc-waiting-room')!.setAttribute('lang', 'ru'),
    );
    await expect
      .poll(() => host.page.locator('vc-waiting-room [part="empty"]').textContent())
      .toBe('Никто не ждёт');
    const ivan = await openGuest('Иван', { lang: 'ru' });
    await expect
      .poll(() => statusOf(ivan.page), { timeout: 15_000 })
      .toBe('Ждём, когда организатор вас впустит');
    await waitForNames(host.page, (n) => n.join() === 'Иван', 'Ivan’s knock');
    expect(await host.page.getByRole('button', { name: 'Впустить: Иван' }).count()).toBe(1);
    writeFileSync(`${SHOTS}/host-ru.png`, await host.page.locator('vc-waiting-room').screenshot());
    await host.page.getByRole('button', { name: 'Впустить: Иван' }).click();
    await expect
      .poll(() => ivan.page.locator('vc-waiting-room').getAttribute('hidden'), { timeout: 15_000 })
      .toBe('');
    await ivan.close();
  });

  it('asks a guest for a name before knocking; a refused admission is an alert and vc-error', async () => {
    // One seat, the host's: admitting anyone is refused with ROOM_FULL.
    const small = (
      await createRoomAs(app, ada, { title: 'Tiny', waitingRoomEnabled: true, maxParticipants: 1 })
    ).id;
    const host = await open({ token: tokenOf(ada), theme: 'light' }, small);
    await host.page.locator('vc-waiting-room [part="empty"]').waitFor({ timeout: 15_000 });
    const nina = await open({ invite: await inviteToken(small), theme: 'light' }, small);
    const name = nina.page.getByLabel('Your name');
    await name.waitFor({ timeout: 15_000 });
    await expectNoSeriousA11yViolations(nina.page, 'the guest name form');
    writeFileSync(
      `${SHOTS}/guest-name-form.png`,
      await nina.page.locator('vc-waiting-room').screenshot(),
    );
    await name.fill('Nina Name');
    await nina.page.getByRole('button', { name: 'Ask to join' }).click();
    await expect
      .poll(() => statusOf(nina.page), { timeout: 15_000 })
      .toBe('Waiting for the host to let you in');

    await waitForNames(host.page, (n) => n.join() === 'Nina Name', 'Nina’s knock');
    await host.page.getByRole('button', { name: 'Reject Nina Name' }).click();
    await host.page.getByLabel('Reason for Nina Name (optional)').waitFor();
    writeFileSync(
      `${SHOTS}/host-reject-form.png`,
      await host.page.locator('vc-waiting-room').screenshot(),
    );
    await expectNoSeriousA11yViolations(host.page, 'the host with the reject form open');
    await host.page.getByRole('button', { name: 'Cancel' }).click();
    await host.page.getByRole('button', { name: 'Admit Nina Name' }).click();
    const alert = host.page.locator('vc-waiting-room [role="alert"]');
    await expect
      .poll(() => alert.textContent(), { timeout: 15_000 })
      .toMatch(/^Could not admit Nina Name: /);
    expect(await alert.getAttribute('part')).toBe('error');
    await expect
      .poll(() => host.events())
      .toContainEqual({
        type: 'vc-error',
        name: 'ROOM_FULL',
        status: '',
        reason: null,
      });
    // Still waiting, still listed.
    expect(await namesOf(host.page)).toEqual(['Nina Name']);
    expect(await statusOf(nina.page)).toBe('Waiting for the host to let you in');
    for (const theme of ['light', 'dark'] as const) {
      await inTheme(host.page, theme);
      await expectNoSeriousA11yViolations(host.page, `the host with an error (${theme})`);
    }
    writeFileSync(
      `${SHOTS}/host-error-dark.png`,
      await host.page.locator('vc-waiting-room').screenshot(),
    );
    await nina.close();
    await host.close();
  });

  it('a signed-in user knocks with a token; once admitted, a <vc-chat> beside it chats (the docs example)', async () => {
    const host = pages[0]!;
    await host.page.evaluate(() =>
      document.querySelector('vc-waiting-room')!.setAttribute('lang', 'en'),
    );
    const tom = await quickUser(app, { displayName: 'Tom Token' });
    const guest = await open({ token: tokenOf(tom) });
    await expect
      .poll(() => statusOf(guest.page), { timeout: 15_000 })
      .toBe('Waiting for the host to let you in');
    await guest.page.evaluate(() => {
      const lobby = document.querySelector('vc-waiting-room')!;
      lobby.addEventListener('vc-admitted', () => {
        const chat = document.createElement('vc-chat');
        Object.assign(chat, { server: lobby.server, room: lobby.room, token: lobby.token });
        lobby.after(chat);
      });
    });
    await waitForNames(host.page, (n) => n.join() === 'Tom Token', 'Tom’s knock');
    await host.page.getByRole('button', { name: 'Admit Tom Token' }).click();
    const input = guest.page.locator('vc-chat [part="composer-input"]:enabled');
    await input.waitFor({ timeout: 15_000 });
    await input.fill('hello after the lobby');
    await input.press('Enter');
    await waitUntil(
      async () => {
        const res = await app.inject({
          method: 'GET',
          url: `/api/v1/rooms/${roomId}/chat/messages?limit=5`,
          headers: ada.auth,
        });
        return (res.json() as { items: { content: string; senderDisplayName: string }[] }).items;
      },
      (list) =>
        list.some(
          (m) => m.content === 'hello after the lobby' && m.senderDisplayName === 'Tom Token',
        ),
      'Tom’s message in the room’s history',
      15_000,
    );
    expect(await guest.page.locator('vc-waiting-room').getAttribute('hidden')).toBe('');
    expect(guest.errors).toEqual([]);
    await guest.close();
  });
});

describe.skipIf(!chromium)(
  '<vc-waiting-room> inside a provider of the Conference (as in <vc-room>)',
  () => {
    let browser: TestBrowser;
    let app: App;
    let http: string;
    const closers: (() => Promise<void>)[] = [];

    beforeAll(async () => {
      const code = await bundleForBrowser({
        entryPoints: [fileURLToPath(new URL('./support/provider-page.ts', import.meta.url))],
      });
      browser = await launchBrowser(chromium!, {
        entry: '/provider.js',
        title: 'videoconf waiting room in a provider',
        files: { '/provider.js': { code } },
      });
      // No LiveKit: the provided conferences join with media, which is then `unavailable`.
      app = testServer({ cors: { origins: [new URL(browser.pageUrl).origin] } });
      await app.listen({ port: 0, host: '127.0.0.1' });
      http = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    }, 60_000);
    afterAll(async () => {
      for (const close of closers.splice(0)) await close();
      await browser?.close();
      await app?.close();
    });

    /** A page whose provider joined `roomId` as `user`, with a `<vc-waiting-room>` inside. */
    const provided = async (user: QuickUser, roomId: string) => {
      const { page, context } = await openTestPage(browser, 'providerTest');
      closers.push(() => context.close());
      const args: ProvidedArgs = {
        server: http,
        token: tokenOf(user),
        roomId,
        elements: [{ tag: 'vc-waiting-room', style: 'display:block;width:520px' }],
      };
      const state = await page.evaluate(
        (a) => (globalThis as unknown as { providerTest: ProviderApi }).providerTest.join(a),
        args,
      );
      const conferenceState = () =>
        page.evaluate(() =>
          (globalThis as unknown as { providerTest: ProviderApi }).providerTest.state(),
        );
      return { page, state, conferenceState };
    };

    it('uses the provided Conference: the guest waits in it, the host admits from it', async () => {
      const hana = await quickUser(app, { displayName: 'Hana Host' });
      const pavel = await quickUser(app, { displayName: 'Pavel Provided' });
      const room = (await createRoomAs(app, hana, { title: 'Provided', waitingRoomEnabled: true }))
        .id;
      const host = await provided(hana, room);
      expect(host.state).toBe('connected');
      await host.page.locator('vc-waiting-room [part="empty"]').waitFor({ timeout: 15_000 });

      const guest = await provided(pavel, room);
      expect(guest.state).toBe('waiting');
      await expect
        .poll(() => guest.page.locator('vc-waiting-room [part="status"]').textContent(), {
          timeout: 15_000,
        })
        .toBe('Waiting for the host to let you in');
      // No second connection of its own: one pending entry for Pavel, the provider's.
      const pending = await app.inject({
        method: 'GET',
        url: `/api/v1/rooms/${room}/waiting-room`,
        headers: hana.auth,
      });
      expect(
        (pending.json() as { items: { displayName: string }[] }).items.map((e) => e.displayName),
      ).toEqual(['Pavel Provided']);

      await host.page.getByRole('button', { name: 'Admit Pavel Provided' }).click();
      await expect.poll(() => guest.conferenceState(), { timeout: 15_000 }).toBe('connected');
      await expect
        .poll(() => guest.page.locator('vc-waiting-room').getAttribute('hidden'))
        .toBe('');
      await host.page.locator('vc-waiting-room [part="empty"]').waitFor({ timeout: 15_000 });
    });
  },
);
