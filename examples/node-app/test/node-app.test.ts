// examples/node-app as its README runs it (`node server.js`, here from the sources of
// @videoconf/server): a user signs in with the app's login form, and the app's cookie session is
// all videoconf under /meet needs: rooms are created and listed with it, and the meeting page
// carries <vc-room> for it. Guests of an invite link get videoconf's own token.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { CHROMIUM_ARGS, chromiumBinary } from '../../../packages/server/test/support/browser';

const dir = fileURLToPath(new URL('..', import.meta.url));
let child: ChildProcess;
let base: string;
let output = '';

beforeAll(async () => {
  child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'server.js'], {
    cwd: dir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LIVEKIT_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  base = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not up within 30 s:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /node-app example\) at (http:\/\/\S+)\//.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code}:\n${output}`)));
  });
}, 40_000);

afterAll(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await exited;
});

/** Signs in through the app's form: the `sid` cookie it sets. */
async function signIn(email: string, password: string): Promise<Response> {
  return fetch(`${base}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, next: '/' }),
    redirect: 'manual',
  });
}

const json = (cookie: string | null, body: unknown) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...(cookie && { cookie }) },
  body: JSON.stringify(body),
});

describe('examples/node-app', () => {
  it('sends a visitor without a session to the login form, and refuses a wrong password', async () => {
    const home = await fetch(`${base}/`, { redirect: 'manual' });
    expect(home.status).toBe(302);
    expect(home.headers.get('location')).toBe('/login');
    const form = await (await fetch(`${base}/login`)).text();
    expect(form).toContain('<form method="post" action="/login"');
    const wrong = await signIn('alice@example.com', 'not-her-password');
    expect(wrong.headers.get('location')).toBe('/login?failed');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    // videoconf under /meet without the app's session: 401.
    expect((await fetch(`${base}/meet/api/v1/users/me`)).status).toBe(401);
  });

  it("creates a room under /meet with the app's cookie session, and serves its meeting page", async () => {
    const login = await signIn('alice@example.com', 'alice-password');
    expect(login.status).toBe(302);
    expect(login.headers.get('location')).toBe('/');
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(cookie).toMatch(/^sid=/);

    const me = await (await fetch(`${base}/meet/api/v1/users/me`, { headers: { cookie } })).json();
    expect(me).toMatchObject({ email: 'alice@example.com', displayName: 'Alice Adams' });

    const created = await fetch(
      `${base}/meet/api/v1/rooms`,
      json(cookie, { title: 'Cookie standup', waitingRoomEnabled: true }),
    );
    expect(created.status).toBe(201);
    const room = await created.json();
    expect(room).toMatchObject({ title: 'Cookie standup', hostUserId: me.id });
    const list = await (await fetch(`${base}/meet/api/v1/rooms`, { headers: { cookie } })).json();
    expect(list.items.map((item: { id: string }) => item.id)).toEqual([room.id]);

    const home = await (await fetch(`${base}/`, { headers: { cookie } })).text();
    expect(home).toContain('Hello, Alice Adams');
    const meeting = await fetch(`${base}/room/${room.id}`, { headers: { cookie } });
    expect(meeting.status).toBe(200);
    const html = await meeting.text();
    expect(html).toContain(
      `<vc-room server="${base}/meet" room="${room.id}" display-name="Alice Adams"></vc-room>`,
    );
    expect(html).toContain('<script type="module" src="/meet/embed/videoconf.js"></script>');
    expect((await fetch(`${base}/public/client.js`)).headers.get('content-type')).toMatch(
      /javascript/,
    );

    // An invite link: the guest's page carries the invite, and the invite makes a guest of
    // videoconf (its own token), with no account of the app.
    const invite = await (
      await fetch(`${base}/meet/api/v1/rooms/${room.id}/invite`, json(cookie, {}))
    ).json();
    const guestPage = await (await fetch(`${base}/room/${room.id}?invite=${invite.token}`)).text();
    expect(guestPage).toContain(`room="${room.id}" invite="${invite.token}"`);
    const guest = await (
      await fetch(
        `${base}/meet/api/v1/invites/${invite.token}/redeem`,
        json(null, { displayName: 'Gus Guest' }),
      )
    ).json();
    const knock = await fetch(`${base}/meet/api/v1/rooms/${room.id}/join`, {
      method: 'POST',
      headers: { authorization: `Bearer ${guest.accessToken}` },
    });
    expect(knock.status).toBe(202);

    // The app's meeting token (what <vc-room>'s `.getToken` fetches) is a credential of its own,
    // for the API and for the WebSocket, which carry no cookie then.
    const issued = await fetch(`${base}/meet-token`, { method: 'POST', headers: { cookie } });
    expect(issued.headers.get('cache-control')).toBe('no-store');
    const { token } = await issued.json();
    expect(token).toMatch(/^acme\./);
    const bearer = { authorization: `Bearer ${token}` };
    expect(
      (await (await fetch(`${base}/meet/api/v1/users/me`, { headers: bearer })).json()).id,
    ).toBe(me.id);
    const forged = `${token.slice(0, -2)}xx`;
    const refused = await fetch(`${base}/meet/api/v1/users/me`, {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(refused.status).toBe(401);
    expect((await refused.json()).code).toBe('INVALID_TOKEN');
    expect((await fetch(`${base}/meet-token`, { method: 'POST' })).status).toBe(401);
    const socket = new WebSocket(`${base.replace('http', 'ws')}/meet/ws/rooms/${room.id}`);
    await once(socket, 'open');
    socket.send(JSON.stringify({ type: 'auth', token }));
    // Alice hosts the room without having joined: the gateway knows who she is (not 4401).
    const answer = await Promise.race([
      once(socket, 'message').then(([data]) => String(data)),
      once(socket, 'close').then(([code]) => `close ${code}`),
    ]);
    expect(answer).not.toBe('close 4401');
    socket.close();

    // Signing out ends the session for videoconf too.
    await fetch(`${base}/logout`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect((await fetch(`${base}/meet/api/v1/users/me`, { headers: { cookie } })).status).toBe(401);
  });

  it('never redirects off the app after login', async () => {
    const login = await fetch(`${base}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        email: 'bob@example.com',
        password: 'bob-password',
        next: '//evil.example',
      }),
      redirect: 'manual',
    });
    expect(login.headers.get('location')).toBe('/');
  });
});

const executablePath = chromiumBinary();

describe.skipIf(!executablePath)('examples/node-app in Chromium', () => {
  it('signs in with the form, creates a meeting from the page, and lands on <vc-room>', async () => {
    const browser = await chromium.launch({ executablePath: executablePath!, args: CHROMIUM_ARGS });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      await page.goto(`${base}/`);
      await page.getByLabel('Email').fill('bob@example.com');
      await page.getByLabel('Password').fill('bob-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Hello, Bob Brown' }).waitFor();
      await page.getByLabel('Title').fill('Browser meeting');
      await page.getByRole('button', { name: 'Create and open' }).click();
      await page.waitForURL(/\/room\/[0-9a-f-]{36}$/);
      const room = page.locator('vc-room');
      expect(await room.getAttribute('server')).toBe(`${base}/meet`);
      expect(await room.getAttribute('display-name')).toBe('Bob Brown');
      // `.getToken` gives the app's meeting token.
      expect(
        await room.evaluate((element) =>
          (element as HTMLElement & { getToken: () => Promise<string> }).getToken(),
        ),
      ).toMatch(/^acme\./);
      await page.getByRole('button', { name: 'Copy invite link' }).click();
      await expect
        .poll(() => page.getByLabel('Invite link').inputValue())
        .toMatch(new RegExp(`^${base}/room/[0-9a-f-]{36}\\?invite=`));
      await page.goto(`${base}/`);
      await page.getByRole('link', { name: 'Browser meeting' }).waitFor();
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
