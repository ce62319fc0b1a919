// <vc-chat> in real Chromium against a real videoconf server (no media: the element joins with
// `media: false`): two people, each a page with `<vc-chat server room token>`, chat both ways;
// the XSS payload stays text; edits, deletes and a moderator's delete show on the other side;
// `lang="ru"`, `.strings`, `::part()` and the `--vc-*` tokens take effect.
import { mkdirSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
import { expectNoSeriousA11yViolations } from './support/axe';
import { launchElementsBrowser } from './support/page';

type Page = Awaited<ReturnType<typeof openTestPage>>['page'];

const chromium = chromiumBinary();
const tokenOf = (user: QuickUser) => user.auth.authorization.slice('Bearer '.length);
const SHOTS = '/tmp/vc-chat-screenshots';
const XSS = '<img src=x onerror=alert(1)>';

interface Shown {
  author: string;
  content: string;
  edited: boolean;
  deleted: boolean;
  canEdit: boolean;
  canDelete: boolean;
}

/** What the page's <vc-chat> shows: each message as its parts read. */
const messagesOf = (page: Page): Promise<Shown[]> =>
  page.evaluate(() => {
    const root = document.querySelector('vc-chat')!.shadowRoot!;
    return [...root.querySelectorAll('[part="message"]')].map((li) => ({
      author: li.querySelector('[part="message-author"]')!.textContent!,
      content: li.querySelector('[part="message-content"]')!.textContent!,
      edited: li.querySelector('[part="edited-mark"]') !== null,
      deleted: li.classList.contains('deleted'),
      canEdit: li.querySelector('[part="edit-button"]') !== null,
      canDelete: li.querySelector('[part="delete-button"]') !== null,
    }));
  });

const waitForMessages = (page: Page, ok: (m: Shown[]) => boolean, what: string) =>
  waitUntil(() => messagesOf(page), ok, what);

describe.skipIf(!chromium)('<vc-chat> in Chromium against a real server', () => {
  let browser: TestBrowser;
  let app: App;
  let http: string;
  let ada: QuickUser;
  let bob: QuickUser;
  let roomId: string;
  const pages: { page: Page; close(): Promise<void>; dialogs: string[]; errors: string[] }[] = [];

  const open = async (
    user: QuickUser,
    attributes: Record<string, string> = {},
    room: string = roomId,
  ) => {
    const { page, context, pageErrors } = await openTestPage(browser, 'wcReady');
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.evaluate(
      ({ server, room, token, attributes }) => {
        const w = globalThis as unknown as { chatEvents: unknown[] };
        w.chatEvents = [];
        const chat = document.createElement('vc-chat');
        chat.style.cssText = 'display:flex;height:280px;width:700px';
        chat.setAttribute('server', server);
        chat.setAttribute('room', room);
        chat.setAttribute('token', token);
        for (const [name, value] of Object.entries(attributes)) chat.setAttribute(name, value);
        chat.addEventListener('vc-chat-message', (e) =>
          w.chatEvents.push(e.detail.message.content),
        );
        document.getElementById('remote')!.append(chat);
      },
      { server: http, room, token: tokenOf(user), attributes },
    );
    await page.locator('vc-chat [part="composer-input"]:enabled').waitFor({ timeout: 15_000 });
    const entry = { page, dialogs, errors: pageErrors, close: () => context.close() };
    pages.push(entry);
    return entry;
  };

  const send = async (page: Page, text: string) => {
    const input = page.locator('vc-chat [part="composer-input"]');
    await input.fill(text);
    await input.press('Enter');
  };

  beforeAll(async () => {
    browser = await launchElementsBrowser(chromium!);
    app = testServer({ cors: { origins: [new URL(browser.pageUrl).origin] } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    http = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    [ada, bob] = await Promise.all([
      quickUser(app, { displayName: 'Ada Host' }),
      quickUser(app, { displayName: 'Bob Guest' }),
    ]);
    roomId = (await createRoomAs(app, ada, { title: 'Chat room', waitingRoomEnabled: false })).id;
    mkdirSync(SHOTS, { recursive: true });
  }, 60_000);
  afterAll(async () => {
    for (const p of pages.splice(0)) await p.close();
    await browser?.close();
    await app?.close();
  });

  it('chats both ways as text, shows edits and deletes on the other side, in Russian, styled by the page', async () => {
    const a = await open(ada, { theme: 'light' });
    const b = await open(bob, { theme: 'light' });
    // An empty room says so.
    await a.page.locator('vc-chat [part="empty"]').waitFor({ timeout: 5_000 });

    await send(a.page, 'Hello from Ada');
    await waitForMessages(
      b.page,
      (m) => m.some((x) => x.content === 'Hello from Ada'),
      'Bob sees Ada',
    );
    await send(b.page, XSS);
    const seen = await waitForMessages(
      a.page,
      (m) => m.some((x) => x.content === XSS),
      'Ada sees the payload as text',
    );
    expect(seen.find((x) => x.content === XSS)).toMatchObject({ author: 'Bob Guest' });
    // Text, not HTML: no <img> anywhere, no alert.
    const imgs = await a.page.evaluate(
      () => document.querySelector('vc-chat')!.shadowRoot!.querySelectorAll('img').length,
    );
    expect(imgs).toBe(0);

    // Shift+Enter is a new line; Enter sends.
    const input = a.page.locator('vc-chat [part="composer-input"]');
    await input.fill('line one');
    await input.press('Shift+Enter');
    await input.pressSequentially('line two');
    await input.press('Enter');
    await waitForMessages(
      b.page,
      (m) => m.some((x) => x.content === 'line one\nline two'),
      'two lines',
    );

    // Own messages: edit and delete; another's: none, except for the host.
    let onA = await messagesOf(a.page);
    expect(onA.find((x) => x.content === 'Hello from Ada')).toMatchObject({
      canEdit: true,
      canDelete: true,
    });
    expect(onA.find((x) => x.content === XSS)).toMatchObject({ canEdit: false, canDelete: true });
    const onB = await messagesOf(b.page);
    expect(onB.find((x) => x.content === 'Hello from Ada')).toMatchObject({
      canEdit: false,
      canDelete: false,
    });
    expect(onB.find((x) => x.content === XSS)).toMatchObject({ canEdit: true, canDelete: true });

    // Ada edits her first message: Bob sees the new text, marked edited.
    await a.page
      .locator('vc-chat [part="message"]', { hasText: 'Hello from Ada' })
      .locator('[part="edit-button"]')
      .click();
    await expect(input.inputValue()).resolves.toBe('Hello from Ada');
    await input.fill('Hello, edited');
    await input.press('Enter');
    await waitForMessages(
      b.page,
      (m) => m.some((x) => x.content === 'Hello, edited' && x.edited),
      'the edit on Bob’s side',
    );

    // The host deletes Bob's message: both see it marked deleted.
    await a.page
      .locator('vc-chat [part="message"]', { hasText: XSS })
      .locator('[part="delete-button"]')
      .click();
    await waitForMessages(
      b.page,
      (m) =>
        m.some((x) => x.deleted && x.content === 'This message was deleted') &&
        !m.some((x) => x.content === XSS),
      'the delete on Bob’s side',
    );

    // Russian, and one string overridden.
    await b.page.evaluate(() => document.querySelector('vc-chat')!.setAttribute('lang', 'ru'));
    const sendButton = b.page.locator('vc-chat [part="send-button"]');
    await expect.poll(() => sendButton.textContent().then((t) => t?.trim())).toBe('Отправить');
    onA = await messagesOf(b.page);
    expect(onA.find((x) => x.deleted)?.content).toBe('Сообщение удалено');
    await b.page.evaluate(() => {
      document.querySelector('vc-chat')!.strings = { send: 'Шлём' };
    });
    await expect.poll(() => sendButton.textContent().then((t) => t?.trim())).toBe('Шлём');
    expect(
      await b.page.locator('vc-chat [part="composer-input"]').getAttribute('placeholder'),
    ).toBe('Напишите сообщение…');

    // The page's ::part() and --vc-color-accent change the pixels of the send button.
    await input.fill('styled');
    const button = a.page.locator('vc-chat [part="send-button"]');
    const before = await button.screenshot();
    await a.page.addStyleTag({
      content:
        'vc-chat { --vc-color-accent: rgb(220, 0, 0); } vc-chat::part(send-button) { border-radius: 0; outline: 3px solid rgb(0, 160, 0); }',
    });
    const after = await button.screenshot();
    expect(after.equals(before)).toBe(false);
    expect(await button.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe(
      'rgb(220, 0, 0)',
    );

    // Screenshots and axe-core, light and dark, with messages (edited, deleted, others' and
    // one's own) and a draft (the send button enabled).
    await b.page.locator('vc-chat [part="composer-input"]').fill('a draft');
    const light = `${SHOTS}/vc-chat-light.png`;
    const dark = `${SHOTS}/vc-chat-dark.png`;
    await expectNoSeriousA11yViolations(b.page, 'the chat with messages (light)');
    writeFileSync(light, await b.page.locator('vc-chat').screenshot());
    await b.page.evaluate(() => document.querySelector('vc-chat')!.setAttribute('theme', 'dark'));
    await b.page.waitForTimeout(100);
    await expectNoSeriousA11yViolations(b.page, 'the chat with messages (dark)');
    writeFileSync(dark, await b.page.locator('vc-chat').screenshot());
    const bg = await b.page
      .locator('vc-chat')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).toBe('rgb(21, 24, 29)');
    console.log(`screenshots: ${light} ${dark} ${SHOTS}/vc-chat-styled.png`);
    writeFileSync(`${SHOTS}/vc-chat-styled.png`, await a.page.locator('vc-chat').screenshot());

    // Every message came as a vc-chat-message event; nothing ran as script.
    const events = await b.page.evaluate(
      () => (globalThis as unknown as { chatEvents: string[] }).chatEvents,
    );
    expect(events).toEqual(['Hello from Ada', XSS, 'line one\nline two']);
    expect(a.dialogs).toEqual([]);
    expect(b.dialogs).toEqual([]);
    expect([...a.errors, ...b.errors]).toEqual([]);

    // Hidden, the chat counts what arrives (the `unread` attribute); shown again, it is read.
    const chatB = b.page.locator('vc-chat');
    await chatB.evaluate((el) => {
      (el as HTMLElement).style.display = 'none';
    });
    await b.page.waitForTimeout(100);
    await send(a.page, 'while hidden');
    await expect.poll(() => chatB.getAttribute('unread')).toBe('1');
    await chatB.evaluate((el) => {
      (el as HTMLElement).style.display = 'flex';
    });
    await expect.poll(() => chatB.getAttribute('unread')).toBe(null);
  });

  it('reports a refused token as vc-error and says the chat is unavailable', async () => {
    const { page, context } = await openTestPage(browser, 'wcReady');
    pages.push({ page, dialogs: [], errors: [], close: () => context.close() });
    await page.evaluate(
      ({ server, room }) => {
        const w = globalThis as unknown as { errors: unknown[] };
        w.errors = [];
        const chat = document.createElement('vc-chat');
        Object.assign(chat, { server, room, token: 'not-a-token' });
        chat.addEventListener('vc-error', (e) => w.errors.push(e.detail.code));
        document.body.addEventListener('vc-error', () => w.errors.push('bubbled'));
        document.getElementById('remote')!.append(chat);
      },
      { server: http, room: roomId },
    );
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as { errors: string[] }).errors))
      .toEqual(['INVALID_TOKEN', 'bubbled']);
    await expect
      .poll(() => page.locator('vc-chat [part="status"]').textContent())
      .toBe('Chat is unavailable');
  });

  it('asks a guest with an invite for a name, redeems it and chats as that guest', async () => {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/rooms/${roomId}/invite`,
      headers: ada.auth,
      payload: {},
    });
    expect(res.statusCode).toBe(201);
    const invite = (res.json() as { token: string }).token;
    const { page, context } = await openTestPage(browser, 'wcReady');
    pages.push({ page, dialogs: [], errors: [], close: () => context.close() });
    await page.evaluate(
      ({ server, room, invite }) => {
        const chat = document.createElement('vc-chat');
        chat.style.cssText = 'display:flex;height:280px;width:700px';
        Object.assign(chat, { server, room, invite });
        document.getElementById('remote')!.append(chat);
      },
      { server: http, room: roomId, invite },
    );
    await page.getByLabel('Your name').fill('Gail Guest');
    await page.locator('vc-chat [part="join-button"]').click();
    await page.locator('vc-chat [part="composer-input"]:enabled').waitFor({ timeout: 15_000 });
    await send(page, 'hi from a guest');
    await waitUntil(
      async () => {
        const again = await app.inject({
          method: 'GET',
          url: `/api/v1/rooms/${roomId}/chat/messages?limit=5`,
          headers: ada.auth,
        });
        return (again.json() as { items: { content: string; senderDisplayName: string }[] }).items;
      },
      (list) =>
        list.some((m) => m.content === 'hi from a guest' && m.senderDisplayName === 'Gail Guest'),
      'the guest’s message in the room’s history',
      15_000,
    );
  });

  it('loads older pages as the list is scrolled up', async () => {
    const room = (
      await createRoomAs(app, ada, { title: 'Long history', waitingRoomEnabled: false })
    ).id;
    await joinAs(app, room, ada);
    for (let i = 1; i <= 60; i++) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${room}/chat/messages`,
        headers: ada.auth,
        payload: { content: `history ${i}` },
      });
      expect(res.statusCode).toBe(201);
    }
    const a = await open(ada, {}, room);
    const first = await waitForMessages(a.page, (m) => m.length === 50, 'the latest page');
    expect(first[0]?.content).toBe('history 11');
    expect(first[49]?.content).toBe('history 60');
    await a.page.locator('vc-chat [part="messages"]').evaluate((list) => {
      list.scrollTop = 0;
    });
    const all = await waitForMessages(a.page, (m) => m.length === 60, 'the older page');
    expect(all.map((m) => m.content)).toEqual(
      Array.from({ length: 60 }, (_, i) => `history ${i + 1}`),
    );
    expect(await a.page.locator('vc-chat [part="load-more-button"]').count()).toBe(0);
  });
});
