import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { errorCode, signUp, type TestUser, testServer } from './support/app';
import { livekitOptions, verifyLivekitToken } from './support/livekit';

/** RFC 6749 §5.1: an answer carrying a token must not be stored by any cache. */
function expectNoStore(res: LightMyRequestResponse, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers.pragma).toBe('no-cache');
}

describe('answers that carry tokens are never cached', () => {
  let app: App;
  let host: TestUser;
  beforeEach(async () => {
    // LiveKit is only signed for here, never called.
    app = testServer({ livekit: livekitOptions('ws://127.0.0.1:1') });
    host = await signUp(app);
  });
  afterEach(() => app.close());

  const post = (url: string, payload?: object, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/api/v1${url}`, headers, payload });

  it('register, login, refresh and logout', async () => {
    const email = `cache-${Date.now()}@example.com`;
    const password = 'a good long password';
    expectNoStore(await post('/auth/register', { email, password, displayName: 'Cache' }), 201);

    const login = await post('/auth/login', { email, password });
    expectNoStore(login, 200);
    expect(login.json().accessToken).toEqual(expect.any(String));

    const refresh = await post('/auth/refresh', { refreshToken: login.json().refreshToken });
    expectNoStore(refresh, 200);
    expect(refresh.json().refreshToken).toEqual(expect.any(String));

    expectNoStore(await post('/auth/logout', { refreshToken: refresh.json().refreshToken }), 204);
  });

  it('refusals of those routes too', async () => {
    const wrong = await post('/auth/login', { email: host.email, password: 'not it at all' });
    expectNoStore(wrong, 401);
    expect(errorCode(wrong)).toBe('INVALID_CREDENTIALS');
    expectNoStore(await post('/auth/refresh', { refreshToken: 'unknown' }), 401);
    expectNoStore(await post('/auth/register', { email: 'x' }), 400);
  });

  it('invites (their tokens) and their redemption, with and without a bearer token', async () => {
    const room = await post('/rooms', { title: 'Cached?' }, host.auth);
    expect(room.statusCode, room.body).toBe(201);
    const roomId = room.json().id;

    const invite = await post(`/rooms/${roomId}/invite`, {}, host.auth);
    expectNoStore(invite, 201);
    const { token } = invite.json();
    expect(token).toEqual(expect.any(String));

    const list = await app.inject({
      method: 'GET',
      url: `/api/v1/rooms/${roomId}/invites`,
      headers: host.auth,
    });
    expectNoStore(list, 200);
    expect(list.json().items[0].token).toBe(token);

    const guest = await post(`/invites/${token}/redeem`, { displayName: 'Guest' });
    expectNoStore(guest, 200);
    expect(guest.json().accessToken).toEqual(expect.any(String));

    const member = await signUp(app);
    expectNoStore(await post(`/invites/${token}/redeem`, { displayName: 'M' }, member.auth), 200);
    expectNoStore(await post('/invites/unknown-token/redeem', { displayName: 'G' }), 404);
  });

  it('media tokens', async () => {
    const room = await post('/rooms', { title: 'Media' }, host.auth);
    const roomId = room.json().id;
    expect((await post(`/rooms/${roomId}/join`, {}, host.auth)).statusCode).toBe(200);
    const media = await post(`/rooms/${roomId}/media/token`, undefined, host.auth);
    expectNoStore(media, 200);
    expect((await verifyLivekitToken(media.json().token)).sub).toBe(host.id);

    const stranger = await signUp(app);
    expectNoStore(await post(`/rooms/${roomId}/media/token`, undefined, stranger.auth), 403);
  });
});
