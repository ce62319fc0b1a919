// Tokens kept by the client: refresh after a 401 (single flight) and before expiry, sign-out
// when the server refuses the session, host-app tokens through `token` / `getToken`.
import { memoryStorage } from '@videoconf/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { internalsOf } from '../src/client';
import { type Client, createClient, isApiError, type SignedOutReason } from '../src/index';
import { countingFetch, email, PASSWORD, type RunningServer, startServer } from './rest.support';

const running: RunningServer[] = [];
const clients: Client[] = [];
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await Promise.all(running.splice(0).map((s) => s.close()));
});

async function serve(...args: Parameters<typeof startServer>): Promise<RunningServer> {
  const server = await startServer(...args);
  running.push(server);
  return server;
}

/** A client signed in with a new account; `signedOut` reasons are collected. */
async function signedIn(url: string, fetchFn?: typeof fetch) {
  const client = createClient({ server: url, ...(fetchFn && { fetch: fetchFn }) });
  clients.push(client);
  const signedOut: SignedOutReason[] = [];
  client.on('signedOut', ({ reason }) => signedOut.push(reason));
  const address = email();
  await client.auth.register({ email: address, password: PASSWORD, displayName: 'Tok En' });
  const login = await client.auth.login({ email: address, password: PASSWORD });
  return { client, signedOut, login };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('password sessions', () => {
  it('refreshes once for 20 concurrent requests answered 401, and retries each', async () => {
    // A server restarted with another signing key (what a generated JWT_SECRET does): every
    // access token it signed before is refused, the refresh tokens in storage still hold.
    const storage = memoryStorage();
    const first = await serve({ storage, jwtSecret: 'the-first-secret-of-at-least-32-bytes!!' });
    const counter = countingFetch();
    const { client, signedOut } = await signedIn(first.url, counter.fetch);
    await client.rooms.create({ title: 'Before the restart' });
    running.splice(running.indexOf(first), 1);
    await first.close();
    await serve({ storage, jwtSecret: 'the-second-secret-of-at-least-32-bytes!' }, first.port);
    counter.paths.length = 0;

    const lists = await Promise.all(Array.from({ length: 20 }, () => client.rooms.list()));
    expect(lists.map((page) => page.total)).toEqual(Array(20).fill(1));
    expect(counter.count('/auth/refresh')).toBe(1);
    // 20 refused, then 20 retried with the new token.
    expect(counter.count('/rooms')).toBe(40);
    expect(signedOut).toEqual([]);
    expect(client.auth.session.get()).not.toBeNull();
  });

  it('signs out and emits signedOut when its refresh token was used by someone else', async () => {
    const server = await serve();
    const { client, signedOut } = await signedIn(server.url);
    const sessions: unknown[] = [];
    client.auth.session.subscribe((s) => sessions.push(s ? s.user.id : null));
    // The client's current refresh token, presented by a thief first.
    const { refreshToken } = await client.auth.refresh();
    const stolen = await fetch(`${server.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    expect(stolen.status).toBe(200);

    const error = await client.auth.refresh().catch((e: unknown) => e);
    expect(isApiError(error, 'TOKEN_REUSED')).toBe(true);
    expect(signedOut).toEqual(['revoked']);
    expect(client.auth.session.get()).toBeNull();
    expect(sessions.at(-1)).toBeNull();
    // The thief's token died with the family.
    const thief = await fetch(`${server.url}/api/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken: (await stolen.json()).refreshToken }),
    });
    expect(thief.status).toBe(401);
    // Signed out: the internal accessor refuses, requests go out without a token.
    const access = await internalsOf(client)
      .accessToken()
      .catch((e: unknown) => e);
    expect(access).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(await client.rooms.list().catch((e: unknown) => e)).toMatchObject({
      code: 'UNAUTHORIZED',
    });
  });

  it('signs out when the refresh after a 401 is answered INVALID_TOKEN', async () => {
    const storage = memoryStorage();
    const first = await serve({ storage, jwtSecret: 'the-first-secret-of-at-least-32-bytes!!' });
    const { client, signedOut } = await signedIn(first.url);
    const { refreshToken } = await client.auth.refresh();
    // Logged out elsewhere (that refresh token no longer works), then the server restarts.
    const logout = await fetch(`${first.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    expect(logout.status).toBe(204);
    running.splice(running.indexOf(first), 1);
    await first.close();
    await serve({ storage, jwtSecret: 'the-second-secret-of-at-least-32-bytes!' }, first.port);

    const error = await client.rooms.list().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401 });
    expect(signedOut).toEqual(['revoked']);
    expect(client.auth.session.get()).toBeNull();
  });

  it('refreshes before the access token expires, and stops after logout', async () => {
    const server = await serve({ accessTokenTtl: 3 });
    const counter = countingFetch();
    const { client, login } = await signedIn(server.url, counter.fetch);
    const loggedInAt = counter.times.at(-1) as number;
    const internals = internalsOf(client);
    expect(await internals.accessToken()).toBe(login.accessToken);
    // The timer renews a 3 s token a fifth of its life early (2.4 s): no request needed.
    const refreshedAt = () =>
      counter.times.filter((_, i) => counter.paths[i]?.endsWith('/auth/refresh'));
    await vi.waitFor(() => expect(refreshedAt()).toHaveLength(1), { timeout: 4_000 });
    const [first] = refreshedAt() as [number];
    expect(first - loggedInAt).toBeGreaterThanOrEqual(2_000);
    expect(first - loggedInAt).toBeLessThan(3_000);
    await vi.waitFor(async () => expect(await internals.accessToken()).not.toBe(login.accessToken));
    // And again for the new token.
    await vi.waitFor(() => expect(refreshedAt()).toHaveLength(2), { timeout: 4_000 });
    expect((await client.users.me()).id).toBe(login.user.id);

    await client.auth.logout();
    await sleep(3_000);
    expect(refreshedAt()).toHaveLength(2);
  });

  it('renews a nearly expired token before a request when no timer runs (close())', async () => {
    const server = await serve({ accessTokenTtl: 2 });
    const counter = countingFetch();
    const { client, login } = await signedIn(server.url, counter.fetch);
    client.close();
    await sleep(2_100);
    expect(counter.count('/auth/refresh')).toBe(0);
    // Expired by now: refreshed first, so the request itself is not refused.
    expect((await client.users.me()).id).toBe(login.user.id);
    expect(counter.count('/auth/refresh')).toBe(1);
    expect(counter.count('/users/me')).toBe(1);
  });
});

describe('guest sessions', () => {
  it('signs a guest in by invite, and out with reason expired once its token is refused', async () => {
    const server = await serve({ guestTokenTtl: 1 });
    const owner = await signedIn(server.url);
    const room = await owner.client.rooms.create({ title: 'Guests' });
    const invite = await owner.client.invites.create(room.id);
    const guest = createClient({ server: server.url });
    clients.push(guest);
    const events: unknown[] = [];
    guest.on('signedIn', ({ user }) => events.push(user.isGuest));
    guest.on('signedOut', ({ reason }) => events.push(reason));
    const answer = await guest.invites.redeem(invite.token, { displayName: 'Gail Guest' });
    expect(await internalsOf(guest).accessToken()).toBe(answer.accessToken);
    expect((await guest.rooms.get(room.id)).id).toBe(room.id);
    await sleep(1_100);
    const error = await guest.rooms.get(room.id).catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: 'TOKEN_EXPIRED' });
    expect(events).toEqual([true, 'expired']);
    expect(guest.auth.session.get()).toBeNull();
  });
});

describe('host-application tokens', () => {
  it('asks getToken again after a 401, once', async () => {
    const server = await serve();
    const owner = await signedIn(server.url);
    const good = await internalsOf(owner.client).accessToken();
    const answers = ['a-token-from-an-old-session', good];
    let asked = 0;
    const client = createClient({
      server: server.url,
      getToken: async () => answers[asked++] ?? 'never',
    });
    clients.push(client);
    expect((await client.users.me()).id).toBe(owner.login.user.id);
    expect(asked).toBe(2);
    // The good token is kept: no more asking while it holds.
    await client.users.settings();
    expect(asked).toBe(2);
  });

  it('gives up after one more getToken when that one is refused too', async () => {
    const server = await serve();
    let asked = 0;
    const client = createClient({
      server: server.url,
      getToken: async () => `bad-token-${++asked}`,
    });
    clients.push(client);
    const error = await client.users.me().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, code: 'INVALID_TOKEN' });
    expect(asked).toBe(2);
  });

  it('sends a static token as the bearer', async () => {
    const server = await serve();
    const owner = await signedIn(server.url);
    const token = await internalsOf(owner.client).accessToken();
    const client = createClient({ server: server.url, token });
    clients.push(client);
    expect((await client.users.me()).id).toBe(owner.login.user.id);
    expect(client.auth.session.get()).toBeNull();
    expect(await internalsOf(client).accessToken()).toBe(token);
  });

  it('redeems an invite for the host-app user instead of signing in a guest', async () => {
    const server = await serve();
    const owner = await signedIn(server.url);
    const room = await owner.client.rooms.create({ title: 'Invites' });
    const invite = await owner.client.invites.create(room.id);
    const user = await signedIn(server.url);
    const token = await internalsOf(user.client).accessToken();
    const client = createClient({ server: server.url, token });
    clients.push(client);
    const answer = await client.invites.redeem(invite.token, { displayName: 'Ignored' });
    expect(answer.user.id).toBe(user.login.user.id);
    expect(answer.accessToken).toBeUndefined();
    expect(client.auth.session.get()).toBeNull();
  });
});
