import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  del,
  expectError,
  expectStatus,
  get,
  type Json,
  post,
  put,
  seenCodes,
} from './lib/http';
import { BASE, RUN, STORAGE, TARGET, uniqueEmail, uniqueTitle } from './lib/target';
import { adminUser, login, newUser, PASSWORD, resignedToken, type Session } from './lib/users';
import { RoomSocket } from './lib/ws';

/**
 * The HTTP and WebSocket contract of what users install, black-box: only `fetch` and `ws`
 * against one running target (test/dist/README.md). Tests run in order and share the users
 * and rooms created along the way; every name is unique to the run.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const sockets: RoomSocket[] = [];
const track = (socket: RoomSocket) => {
  sockets.push(socket);
  return socket;
};
afterAll(() => {
  for (const socket of sockets) socket.close();
});

let host: Session;
let bob: Session;
let carol: Session;
let dave: Session;
let admin: Session;

beforeAll(async () => {
  [host, bob, carol, dave] = await Promise.all([
    newUser('host', 'Hannah Host'),
    newUser('bob', 'Bob'),
    newUser('carol', 'Carol'),
    newUser('dave', 'Dave'),
  ]);
  admin = await adminUser();
});

async function createRoom(owner: Session, body: Json = {}): Promise<Json> {
  const answer = await post('/api/v1/rooms', { title: uniqueTitle('room'), ...body }, owner.accessToken);
  expectStatus(answer, 201);
  return answer.body;
}

async function join(roomId: string, who: Session | string, body: Json = {}) {
  const token = typeof who === 'string' ? who : who.accessToken;
  return post(`/api/v1/rooms/${roomId}/join`, body, token);
}

async function joined(roomId: string, who: Session | string, body: Json = {}): Promise<Json> {
  const answer = await join(roomId, who, body);
  expectStatus(answer, 200);
  expect(answer.body.status).toBe('joined');
  return answer.body.participant;
}

async function invite(roomId: string, owner: Session, body: Json = {}): Promise<Json> {
  const answer = await post(`/api/v1/rooms/${roomId}/invite`, body, owner.accessToken);
  expectStatus(answer, 201);
  return answer.body;
}

const sendChat = (roomId: string, who: Session | string, content: string, extra: Json = {}) =>
  post(
    `/api/v1/rooms/${roomId}/chat/messages`,
    { content, ...extra },
    typeof who === 'string' ? who : who.accessToken,
  );

describe(`target ${TARGET} (${STORAGE})`, () => {
  it('GET /health answers the contract shape', async () => {
    const answer = await get('/health');
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({ status: 'ok', checks: { storage: 'ok' } });
  });

  it('unknown routes answer 404 NOT_FOUND with the error shape', async () => {
    expectError(await get(`/api/v1/no-such-route-${RUN}`), 404, 'NOT_FOUND');
  });
});

describe('API docs', () => {
  it('the Swagger UI page at /docs loads with every script and stylesheet it references', async () => {
    const page = `${BASE}/docs`;
    const response = await fetch(page);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await response.text();
    const assets = [
      ...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g),
      ...html.matchAll(/<link[^>]*\bhref="([^"]+)"/g),
    ].map((match) => new URL(match[1]!, response.url).href);
    expect(assets.length).toBeGreaterThan(0);
    const broken: string[] = [];
    for (const asset of assets) {
      const answer = await fetch(asset);
      await answer.arrayBuffer();
      if (answer.status !== 200) broken.push(`${answer.status} ${asset}`);
    }
    expect(broken, `assets of ${page}`).toEqual([]);
  });

  it('/docs/json is the OpenAPI 3 document of the API', async () => {
    const answer = await get('/docs/json');
    expectStatus(answer, 200);
    expect(answer.body.openapi).toMatch(/^3\./);
    const paths = Object.keys(answer.body.paths);
    expect(paths.some((path) => path.endsWith('/api/v1/rooms/{id}/join'))).toBe(true);
  });
});

describe('auth', () => {
  it('register: 201 {user} with the contract fields and no password hash; email trimmed and lower-cased', async () => {
    const email = uniqueEmail('Mixed.Case');
    const answer = await post('/api/v1/auth/register', {
      email: `  ${email.toUpperCase()} `,
      password: PASSWORD,
      displayName: 'Mixed Case',
    });
    expectStatus(answer, 201);
    const { user } = answer.body;
    expect(user).toMatchObject({
      id: expect.stringMatching(UUID),
      email: email.toLowerCase(),
      displayName: 'Mixed Case',
      avatarUrl: null,
      globalRole: 'user',
      isGuest: false,
      isActive: true,
      isEmailVerified: false,
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    expect(answer.text.toLowerCase()).not.toContain('hash');
    await login(email.toLowerCase(), PASSWORD);
  });

  it('register an email twice: 409 EMAIL_TAKEN', async () => {
    const answer = await post('/api/v1/auth/register', {
      email: host.email.toUpperCase(),
      password: PASSWORD,
      displayName: 'Again',
    });
    expectError(answer, 409, 'EMAIL_TAKEN');
  });

  it('register with bad input: 400 VALIDATION_ERROR', async () => {
    expectError(
      await post('/api/v1/auth/register', {
        email: uniqueEmail('short'),
        password: 'short',
        displayName: 'x',
      }),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await post('/api/v1/auth/register', { email: 'not-an-email', password: PASSWORD }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('login: 200 {user, accessToken, refreshToken, expiresIn}', async () => {
    const answer = await post('/api/v1/auth/login', { email: bob.email, password: PASSWORD });
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({
      user: { id: bob.user.id, email: bob.email, lastLoginAt: expect.stringMatching(ISO) },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: expect.any(Number),
    });
    expect(answer.body.expiresIn).toBeGreaterThan(0);
  });

  it('login with a wrong password or an unknown email: 401 INVALID_CREDENTIALS, alike', async () => {
    const wrong = await post('/api/v1/auth/login', { email: bob.email, password: `${PASSWORD}!` });
    const unknown = await post('/api/v1/auth/login', {
      email: uniqueEmail('nobody'),
      password: PASSWORD,
    });
    expectError(wrong, 401, 'INVALID_CREDENTIALS');
    expectError(unknown, 401, 'INVALID_CREDENTIALS');
    expect(unknown.body).toEqual(wrong.body);
  });

  it('GET /users/me: the caller; 401 UNAUTHORIZED without a token, INVALID_TOKEN for a bad one, TOKEN_EXPIRED for an expired one', async () => {
    const me = await get('/api/v1/users/me', bob.accessToken);
    expectStatus(me, 200);
    expect(me.body).toMatchObject({ id: bob.user.id, email: bob.email, displayName: 'Bob' });

    expectError(await get('/api/v1/users/me'), 401, 'UNAUTHORIZED');
    expectError(await get('/api/v1/users/me', 'not-a-token'), 401, 'INVALID_TOKEN');
    const forged = `${bob.accessToken.slice(0, -4)}AAAA`;
    expectError(await get('/api/v1/users/me', forged), 401, 'INVALID_TOKEN');
    const now = Math.floor(Date.now() / 1000);
    const expired = resignedToken(bob.accessToken, (claims) => ({
      ...claims,
      iat: now - 3600,
      exp: now - 1800,
    }));
    expectError(await get('/api/v1/users/me', expired), 401, 'TOKEN_EXPIRED');
  });

  it('refresh: new tokens; the spent one again is 401 TOKEN_REUSED and revokes the whole login', async () => {
    const session = await login(carol.email, PASSWORD);
    const first = await post('/api/v1/auth/refresh', { refreshToken: session.refreshToken });
    expectStatus(first, 200);
    expect(first.body).toMatchObject({
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: expect.any(Number),
    });
    expect(first.body.refreshToken).not.toBe(session.refreshToken);
    const me = await get('/api/v1/users/me', first.body.accessToken);
    expectStatus(me, 200);
    expect(me.body.id).toBe(carol.user.id);

    const reused = await post('/api/v1/auth/refresh', { refreshToken: session.refreshToken });
    expectError(reused, 401, 'TOKEN_REUSED');
    const family = await post('/api/v1/auth/refresh', { refreshToken: first.body.refreshToken });
    expect(family.status).toBe(401);
    expect(family.body.code).toMatch(/^(TOKEN_REUSED|INVALID_TOKEN)$/);
    // Another login of the same user is another family: untouched.
    expectStatus(await post('/api/v1/auth/refresh', { refreshToken: carol.refreshToken }), 200);
  });

  it('logout: 204, and that refresh token no longer works', async () => {
    const session = await login(dave.email, PASSWORD);
    const out = await post('/api/v1/auth/logout', { refreshToken: session.refreshToken });
    expectStatus(out, 204);
    const after = await post('/api/v1/auth/refresh', { refreshToken: session.refreshToken });
    expect(after.status).toBe(401);
    expect(after.body.code).toMatch(/^(INVALID_TOKEN|TOKEN_REUSED)$/);
    expectError(
      await post('/api/v1/auth/refresh', { refreshToken: `unknown-${RUN}` }),
      401,
      'INVALID_TOKEN',
    );
  });
});

describe('request bodies', () => {
  it('malformed JSON: 400 VALIDATION_ERROR', async () => {
    const answer = await api('POST', '/api/v1/auth/login', {
      raw: '{"email":',
      headers: { 'content-type': 'application/json' },
    });
    expectError(answer, 400, 'VALIDATION_ERROR');
  });

  it('a body that is not JSON: 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    const answer = await api('POST', '/api/v1/auth/login', {
      raw: '<login/>',
      headers: { 'content-type': 'application/xml' },
    });
    expectError(answer, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('a body over 1 MiB: 413 PAYLOAD_TOO_LARGE', async () => {
    const answer = await api('POST', '/api/v1/rooms', {
      token: host.accessToken,
      raw: JSON.stringify({ title: 'big', description: 'x'.repeat(1024 * 1024 + 10) }),
      headers: { 'content-type': 'application/json' },
    });
    expectError(answer, 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('users', () => {
  it('PUT /users/me changes displayName and avatarUrl', async () => {
    const answer = await put(
      '/api/v1/users/me',
      { displayName: 'Dave Renamed', avatarUrl: 'https://example.com/dave.png' },
      dave.accessToken,
    );
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({
      id: dave.user.id,
      displayName: 'Dave Renamed',
      avatarUrl: 'https://example.com/dave.png',
    });
    expect((await get('/api/v1/users/me', dave.accessToken)).body.displayName).toBe('Dave Renamed');
    expectError(
      await put('/api/v1/users/me', { displayName: '' }, dave.accessToken),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('settings: defaults on first read, then PUT changes them', async () => {
    const first = await get('/api/v1/users/me/settings', dave.accessToken);
    expectStatus(first, 200);
    expect(first.body).toMatchObject({
      preferredVideoQuality: expect.stringMatching(/^(1080p|720p|480p|360p|auto)$/),
      preferredTheme: expect.stringMatching(/^(light|dark|system)$/),
      muteMicOnJoin: expect.any(Boolean),
      disableCameraOnJoin: expect.any(Boolean),
    });
    const changed = await put(
      '/api/v1/users/me/settings',
      { preferredTheme: 'dark', muteMicOnJoin: true, preferredVideoQuality: '720p' },
      dave.accessToken,
    );
    expectStatus(changed, 200);
    expect(changed.body).toMatchObject({
      preferredTheme: 'dark',
      muteMicOnJoin: true,
      preferredVideoQuality: '720p',
    });
    expect((await get('/api/v1/users/me/settings', dave.accessToken)).body).toMatchObject({
      preferredTheme: 'dark',
      muteMicOnJoin: true,
    });
    expectError(
      await put('/api/v1/users/me/settings', { preferredTheme: 'neon' }, dave.accessToken),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('video profiles: create, list, delete', async () => {
    const created = await post(
      '/api/v1/users/me/video-profiles',
      { name: 'Office', backgroundType: 'blur', noiseSuppressionLevel: 'high' },
      dave.accessToken,
    );
    expectStatus(created, 201);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(UUID),
      name: 'Office',
      backgroundType: 'blur',
      noiseSuppressionLevel: 'high',
      isDefault: expect.any(Boolean),
    });
    const list = await get('/api/v1/users/me/video-profiles', dave.accessToken);
    expectStatus(list, 200);
    expect(list.body.items.map((p: Json) => p.id)).toContain(created.body.id);
    expect(
      (await get('/api/v1/users/me/video-profiles', bob.accessToken)).body.items.map(
        (p: Json) => p.id,
      ),
    ).not.toContain(created.body.id);
    expectStatus(
      await del(`/api/v1/users/me/video-profiles/${created.body.id}`, dave.accessToken),
      204,
    );
    const after = await get('/api/v1/users/me/video-profiles', dave.accessToken);
    expect(after.body.items.map((p: Json) => p.id)).not.toContain(created.body.id);
  });
});

describe('rooms', () => {
  let room: Json;

  it('create: 201 room, status scheduled, default settings', async () => {
    const title = uniqueTitle('Standup');
    const answer = await post(
      '/api/v1/rooms',
      { title, description: 'Daily', maxParticipants: 10 },
      host.accessToken,
    );
    expectStatus(answer, 201);
    room = answer.body;
    expect(room).toMatchObject({
      id: expect.stringMatching(UUID),
      title,
      description: 'Daily',
      hostUserId: host.user.id,
      status: 'scheduled',
      maxParticipants: 10,
      waitingRoomEnabled: false,
      isLocked: false,
      hasPassword: false,
      actualStartAt: null,
      actualEndAt: null,
      livekitRoomName: expect.any(String),
      createdAt: expect.stringMatching(ISO),
      settings: { muteOnJoin: false, cameraOffOnJoin: false, chatEnabled: true, screenShare: 'everyone' },
    });
    expect(answer.text.toLowerCase()).not.toContain('passwordhash');
  });

  it('create with bad input: 400 VALIDATION_ERROR; without a token: 401 UNAUTHORIZED', async () => {
    expectError(
      await post('/api/v1/rooms', { title: 'x', maxParticipants: 0 }, host.accessToken),
      400,
      'VALIDATION_ERROR',
    );
    expectError(
      await post('/api/v1/rooms', { title: 'x', maxParticipants: 501 }, host.accessToken),
      400,
      'VALIDATION_ERROR',
    );
    expectError(await post('/api/v1/rooms', { title: 'x' }), 401, 'UNAUTHORIZED');
  });

  it('list: the rooms the caller hosts, {items, total}', async () => {
    const mine = await get('/api/v1/rooms?limit=100', host.accessToken);
    expectStatus(mine, 200);
    expect(mine.body.total).toBeGreaterThanOrEqual(1);
    expect(mine.body.items.map((r: Json) => r.id)).toContain(room.id);
    const theirs = await get('/api/v1/rooms', bob.accessToken);
    expect(theirs.body.items.map((r: Json) => r.id)).not.toContain(room.id);
    expectError(await get('/api/v1/rooms?limit=0', host.accessToken), 400, 'VALIDATION_ERROR');
  });

  it('get: the room; 404 ROOM_NOT_FOUND for an unknown id', async () => {
    const answer = await get(`/api/v1/rooms/${room.id}`, bob.accessToken);
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({ id: room.id, title: room.title });
    expectError(await get(`/api/v1/rooms/${randomUUID()}`, bob.accessToken), 404, 'ROOM_NOT_FOUND');
  });

  it('update: the host changes it (partial settings); anyone else gets 403 FORBIDDEN', async () => {
    const answer = await put(
      `/api/v1/rooms/${room.id}`,
      { description: 'Daily, 9:00', settings: { muteOnJoin: true } },
      host.accessToken,
    );
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({
      description: 'Daily, 9:00',
      settings: { muteOnJoin: true, chatEnabled: true, screenShare: 'everyone' },
    });
    expectError(
      await put(`/api/v1/rooms/${room.id}`, { title: 'mine now' }, bob.accessToken),
      403,
      'FORBIDDEN',
    );
  });

  it('join: 200 joined; the room becomes active; joining again is the same participant', async () => {
    const answer = await join(room.id, bob, { displayName: 'Bobby' });
    expectStatus(answer, 200);
    expect(answer.body).toMatchObject({
      status: 'joined',
      participant: {
        id: expect.stringMatching(UUID),
        roomId: room.id,
        userId: bob.user.id,
        displayName: 'Bobby',
        role: 'participant',
        joinedAt: expect.stringMatching(ISO),
        leftAt: null,
        isKicked: false,
      },
    });
    const again = await joined(room.id, bob);
    expect(again.id).toBe(answer.body.participant.id);
    const after = await get(`/api/v1/rooms/${room.id}`, bob.accessToken);
    expect(after.body).toMatchObject({ status: 'active', actualStartAt: expect.stringMatching(ISO) });
    const participants = await get(`/api/v1/rooms/${room.id}/participants`, bob.accessToken);
    expectStatus(participants, 200);
    expect(participants.body.items.filter((p: Json) => p.userId === bob.user.id)).toHaveLength(1);
    expectError(
      await get(`/api/v1/rooms/${room.id}/participants`, carol.accessToken),
      403,
      'NOT_A_PARTICIPANT',
    );
  });

  it('lock: others get 403 ROOM_LOCKED, the host is still admitted; unlock lets them in', async () => {
    const locked = await post(`/api/v1/rooms/${room.id}/lock`, undefined, host.accessToken);
    expectStatus(locked, 200);
    expect(locked.body.isLocked).toBe(true);
    expectError(await post(`/api/v1/rooms/${room.id}/lock`, undefined, bob.accessToken), 403, 'FORBIDDEN');
    expectError(await join(room.id, carol), 403, 'ROOM_LOCKED');
    const hostParticipant = await joined(room.id, host);
    expect(hostParticipant.role).toBe('host');
    const unlocked = await post(`/api/v1/rooms/${room.id}/unlock`, undefined, host.accessToken);
    expectStatus(unlocked, 200);
    expect(unlocked.body.isLocked).toBe(false);
    await joined(room.id, carol);
  });

  it('password: 403 ROOM_PASSWORD_REQUIRED without, INVALID_ROOM_PASSWORD when wrong, joined when right', async () => {
    const guarded = await createRoom(host, { password: 'open sesame' });
    expect(guarded.hasPassword).toBe(true);
    expect(JSON.stringify(guarded)).not.toContain('open sesame');
    expectError(await join(guarded.id, bob), 403, 'ROOM_PASSWORD_REQUIRED');
    expectError(await join(guarded.id, bob, { password: 'wrong' }), 403, 'INVALID_ROOM_PASSWORD');
    await joined(guarded.id, bob, { password: 'open sesame' });
    const cleared = await put(`/api/v1/rooms/${guarded.id}`, { password: null }, host.accessToken);
    expect(cleared.body.hasPassword).toBe(false);
    await joined(guarded.id, carol);
  });

  it('capacity: a full room answers 409 ROOM_FULL; the host still gets in', async () => {
    const small = await createRoom(host, { maxParticipants: 1 });
    await joined(small.id, bob);
    expectError(await join(small.id, carol), 409, 'ROOM_FULL');
    await joined(small.id, host);
  });

  it('leave: 204; then not a participant', async () => {
    expectStatus(await post(`/api/v1/rooms/${room.id}/leave`, undefined, carol.accessToken), 204);
    const participants = await get(`/api/v1/rooms/${room.id}/participants`, host.accessToken);
    expect(participants.body.items.map((p: Json) => p.userId)).not.toContain(carol.user.id);
    expectError(
      await post(`/api/v1/rooms/${room.id}/leave`, undefined, carol.accessToken),
      403,
      'NOT_A_PARTICIPANT',
    );
  });

  it('end: 200 room ended; joining an ended room is 410 ROOM_ENDED', async () => {
    const short = await createRoom(host);
    await joined(short.id, bob);
    expectError(await post(`/api/v1/rooms/${short.id}/end`, undefined, bob.accessToken), 403, 'FORBIDDEN');
    const ended = await post(`/api/v1/rooms/${short.id}/end`, undefined, host.accessToken);
    expectStatus(ended, 200);
    expect(ended.body).toMatchObject({ status: 'ended', actualEndAt: expect.stringMatching(ISO) });
    expectError(await join(short.id, carol), 410, 'ROOM_ENDED');
  });

  it('delete: 204; later reads are 404 ROOM_NOT_FOUND', async () => {
    const doomed = await createRoom(host);
    expectError(await del(`/api/v1/rooms/${doomed.id}`, bob.accessToken), 403, 'FORBIDDEN');
    expectStatus(await del(`/api/v1/rooms/${doomed.id}`, host.accessToken), 204);
    expectError(await get(`/api/v1/rooms/${doomed.id}`, host.accessToken), 404, 'ROOM_NOT_FOUND');
  });
});
