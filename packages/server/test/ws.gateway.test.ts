import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import websocket from '@fastify/websocket';
import { CLOSE_CODES } from '@videoconf/protocol';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customAuth } from '../src/auth/custom';
import type { App } from '../src/http/types';
import { conferencePlugin } from '../src/plugin';
import { type QuickUser, quickUser, TEST_SECRET, testServer } from './support/app';
import { storages } from './support/storages';
import {
  connect,
  createRoom,
  join,
  listen,
  refusal,
  rest,
  say,
  TestSocket,
  tokenOf,
  UpgradeRefused,
} from './support/ws';

/**
 * The gateway's own protocol: the auth frame, `ready`, refusals with their close codes, frame
 * errors, limits, ping and heartbeat, Origin. Real listening servers and real `ws` clients.
 */

const AUTH_TIMEOUT_MS = 300;

describe.each(storages())('WebSocket gateway on %s storage', (_name, makeStorage) => {
  let app: App;
  let base: string;
  let host: QuickUser;
  let member: QuickUser;
  let outsider: QuickUser;
  let roomId: string;
  let participant: { id: string };

  beforeAll(async () => {
    app = testServer({
      storage: makeStorage(),
      cors: { origins: ['https://allowed.example'] },
      realtime: { authTimeoutMs: AUTH_TIMEOUT_MS, chatPerSecond: 5, chatBurst: 5 },
    });
    base = await listen(app);
    host = await quickUser(app, { displayName: 'Host' });
    member = await quickUser(app, { displayName: 'Member' });
    outsider = await quickUser(app, { displayName: 'Outsider' });
    roomId = await createRoom(app, host);
    participant = await join(app, member, roomId);
  });
  afterAll(() => app.close());

  describe('connecting', () => {
    it('answers the auth frame with ready: participant, entry and lastSeq', async () => {
      const { socket, ready } = await connect(base, roomId, member);
      expect(ready).toEqual({
        type: 'ready',
        participant: expect.objectContaining({ id: participant.id, userId: member.id }),
        entry: null,
        lastSeq: 0,
      });
      socket.close();
    });

    it('lets the host in before joining, with participant null', async () => {
      const { socket, ready } = await connect(base, roomId, host);
      expect(ready.participant).toBeNull();
      expect(ready.entry).toBeNull();
      socket.close();
    });

    it('serves /ws/chat/:id as an alias', async () => {
      const { socket, ready } = await connect(base, roomId, member, { path: 'chat' });
      expect(ready.participant.id).toBe(participant.id);
      socket.close();
    });

    it('counts open sockets in /metrics', async () => {
      const { socket } = await connect(base, roomId, member);
      const gauge = async () => {
        const res = await app.inject({ url: '/metrics' });
        return Number(/^videoconf_ws_connections (\d+)/m.exec(res.body)?.[1]);
      };
      expect(await gauge()).toBeGreaterThanOrEqual(1);
      const before = await gauge();
      socket.close();
      await socket.closes();
      await expect.poll(gauge).toBe(before - 1);
    });

    it('answers a plain GET (no upgrade) with 400 VALIDATION_ERROR', async () => {
      const res = await app.inject({ url: `/ws/rooms/${roomId}` });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('VALIDATION_ERROR');
    });
  });

  describe('refusals and their close codes', () => {
    it('closes 4401 for a junk token', async () => {
      expect((await refusal(base, roomId, 'junk')).code).toBe(CLOSE_CODES.UNAUTHORIZED);
    });

    it('closes 4401 for an auth frame without a token', async () => {
      expect((await refusal(base, roomId, undefined)).code).toBe(CLOSE_CODES.UNAUTHORIZED);
    });

    it('closes 4401 when the first frame is not auth, or not JSON', async () => {
      for (const first of [JSON.stringify({ type: 'ping' }), 'not json', '[]', '{"type":1}']) {
        const socket = await TestSocket.open(`${base}/ws/rooms/${roomId}`);
        socket.send(first);
        expect((await socket.closes()).code, first).toBe(CLOSE_CODES.UNAUTHORIZED);
      }
    });

    it('closes 4401 for a malformed since (negative, fractional, beyond the protocol Count)', async () => {
      for (const since of [-1, 1.5, 2_147_483_648]) {
        const socket = await TestSocket.open(`${base}/ws/rooms/${roomId}`);
        socket.send({ type: 'auth', token: tokenOf(member), since });
        expect((await socket.closes()).code, String(since)).toBe(CLOSE_CODES.UNAUTHORIZED);
      }
    });

    it('closes 4408 when no auth frame arrives in time', async () => {
      const started = Date.now();
      const socket = await TestSocket.open(`${base}/ws/rooms/${roomId}`);
      expect((await socket.closes()).code).toBe(CLOSE_CODES.AUTH_TIMEOUT);
      expect(Date.now() - started).toBeGreaterThanOrEqual(AUTH_TIMEOUT_MS - 50);
    });

    it('closes 4404 for an unknown room and for a malformed id', async () => {
      expect((await refusal(base, randomUUID(), tokenOf(member))).code).toBe(
        CLOSE_CODES.ROOM_NOT_FOUND,
      );
      expect((await refusal(base, 'not-a-uuid', tokenOf(member))).code).toBe(
        CLOSE_CODES.ROOM_NOT_FOUND,
      );
    });

    it('closes 4403 for a user who is neither participant, host nor waiting', async () => {
      expect((await refusal(base, roomId, tokenOf(outsider))).code).toBe(CLOSE_CODES.FORBIDDEN);
    });

    it('closes 4403 for a guest token of another room', async () => {
      const otherRoom = await createRoom(app, host);
      const guest = await quickUser(app, { guest: true, roomId: otherRoom });
      await join(app, guest, otherRoom);
      expect((await refusal(base, roomId, tokenOf(guest))).code).toBe(CLOSE_CODES.FORBIDDEN);
      // …while its own room lets it in.
      const { socket } = await connect(base, otherRoom, guest);
      socket.close();
    });

    it('closes 4410 for an ended room', async () => {
      const ended = await createRoom(app, host);
      await join(app, member, ended);
      await rest(app, host, 'POST', `/rooms/${ended}/end`);
      expect((await refusal(base, ended, tokenOf(member))).code).toBe(CLOSE_CODES.ROOM_ENDED);
      expect((await refusal(base, ended, tokenOf(host))).code).toBe(CLOSE_CODES.ROOM_ENDED);
    });

    it('closes 1009 for a frame over 16 KiB, before and after auth', async () => {
      const early = await TestSocket.open(`${base}/ws/rooms/${roomId}`);
      early.send({ type: 'auth', token: tokenOf(member), padding: 'x'.repeat(16 * 1024) });
      expect((await early.closes()).code).toBe(CLOSE_CODES.TOO_BIG);

      const { socket } = await connect(base, roomId, member);
      socket.send({ type: 'ping', padding: 'x'.repeat(16 * 1024) });
      expect((await socket.closes()).code).toBe(CLOSE_CODES.TOO_BIG);
    });

    it('accepts a frame of just under 16 KiB', async () => {
      const { socket } = await connect(base, roomId, member);
      const frame = JSON.stringify({ type: 'ping', padding: '' });
      socket.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(16 * 1024 - frame.length) }));
      expect(await socket.next()).toEqual({ type: 'pong' });
      socket.close();
    });
  });

  describe('Origin', () => {
    const url = () => `${base}/ws/rooms/${roomId}`;

    it('refuses the upgrade with 403 for an origin outside the CORS allowlist', async () => {
      const refused = await TestSocket.open(url(), { origin: 'https://evil.example' }).catch(
        (error) => error,
      );
      expect(refused).toBeInstanceOf(UpgradeRefused);
      expect((refused as UpgradeRefused).statusCode).toBe(403);
      await expect(TestSocket.open(url(), { origin: 'null' })).rejects.toBeInstanceOf(
        UpgradeRefused,
      );
    });

    it('accepts allowed origins, the server’s own origin and clients without Origin', async () => {
      const own = new URL(base.replace('ws:', 'http:')).origin;
      for (const origin of ['https://allowed.example', own, undefined]) {
        const { socket } = await connect(base, roomId, member, {
          ...(origin !== undefined && { origin }),
        });
        socket.close();
      }
    });
  });

  describe('frames after ready', () => {
    it('answers ping with pong', async () => {
      const { socket } = await connect(base, roomId, member);
      socket.send({ type: 'ping' });
      expect(await socket.next()).toEqual({ type: 'pong' });
      socket.close();
    });

    it('answers invalid JSON, unknown types and a second auth with error frames, not a close', async () => {
      const { socket } = await connect(base, roomId, member);
      socket.send('{nope');
      socket.send({ type: 'dance' });
      socket.send({ type: 'auth', token: tokenOf(member) });
      socket.send(Buffer.from([1, 2, 3]));
      const errors = await socket.take(4);
      for (const error of errors) {
        expect(error).toEqual({
          type: 'error',
          code: 'VALIDATION_ERROR',
          message: expect.any(String),
        });
      }
      socket.send({ type: 'ping' });
      expect(await socket.next()).toEqual({ type: 'pong' });
      socket.close();
    });

    it('answers chat.send errors with the contract code and the clientMessageId', async () => {
      const { socket } = await connect(base, roomId, member);
      socket.send({ type: 'chat.send', clientMessageId: 'empty-1', content: '   ' });
      expect(await socket.next()).toEqual({
        type: 'error',
        code: 'VALIDATION_ERROR',
        message: expect.any(String),
        clientMessageId: 'empty-1',
      });
      socket.send({ type: 'chat.send', clientMessageId: 'bad id!', content: 'hi' });
      expect(await socket.next()).toMatchObject({ code: 'VALIDATION_ERROR' });
      socket.send({ type: 'chat.send', clientMessageId: 'nul-1', content: 'a\u0000b' });
      expect(await socket.next()).toMatchObject({
        code: 'VALIDATION_ERROR',
        clientMessageId: 'nul-1',
      });
      // An unpaired surrogate has no UTF-8 form: PostgreSQL would keep U+FFFD instead.
      socket.send({ type: 'chat.send', clientMessageId: 'surrogate-1', content: 'a\ud800b' });
      expect(await socket.next()).toMatchObject({
        type: 'error',
        code: 'VALIDATION_ERROR',
        clientMessageId: 'surrogate-1',
      });

      // The host has not joined: reading is allowed, sending is not.
      const { socket: hostSocket } = await connect(base, roomId, host);
      hostSocket.send({ type: 'chat.send', clientMessageId: 'host-1', content: 'hello' });
      expect(await hostSocket.next()).toMatchObject({
        type: 'error',
        code: 'NOT_A_PARTICIPANT',
        clientMessageId: 'host-1',
      });

      const quiet = await createRoom(app, host, { settings: { chatEnabled: false } });
      await join(app, member, quiet);
      const { socket: quietSocket } = await connect(base, quiet, member);
      quietSocket.send({ type: 'chat.send', clientMessageId: 'off-1', content: 'hello' });
      expect(await quietSocket.next()).toMatchObject({
        code: 'CHAT_DISABLED',
        clientMessageId: 'off-1',
      });
      for (const s of [socket, hostSocket, quietSocket]) s.close();
    });

    it('rate-limits chat.send per connection, then closes 4429 on repeated abuse', async () => {
      const limited = await createRoom(app, host);
      await join(app, member, limited);
      const { socket } = await connect(base, limited, member);
      // Burst 5: the first five are sent, the rest refused with RATE_LIMITED.
      for (let i = 0; i < 8; i++) {
        socket.send({ type: 'chat.send', clientMessageId: `burst-${i}`, content: `m${i}` });
      }
      const acks = new Set<string>();
      const limitedIds = new Set<string>();
      while (acks.size + limitedIds.size < 8) {
        const frame = await socket.next();
        if (frame.type === 'chat.ack') acks.add(frame.clientMessageId);
        if (frame.type === 'error') {
          expect(frame.code).toBe('RATE_LIMITED');
          limitedIds.add(frame.clientMessageId);
        }
      }
      expect(acks.size).toBe(5);
      expect([...limitedIds].sort()).toEqual(['burst-5', 'burst-6', 'burst-7']);

      // Keeps hammering: more refusals in a row than the burst closes the socket.
      for (let i = 0; i < 20; i++) {
        socket.send({ type: 'chat.send', clientMessageId: `abuse-${i}`, content: 'spam' });
      }
      expect((await socket.closes()).code).toBe(CLOSE_CODES.RATE_LIMITED);
    });
  });
});

describe('heartbeat', () => {
  let app: App;
  let base: string;
  let roomId: string;
  let member: QuickUser;

  beforeAll(async () => {
    app = testServer({ realtime: { heartbeatMs: 100 } });
    base = await listen(app);
    const host = await quickUser(app);
    member = await quickUser(app);
    roomId = await createRoom(app, host);
    await join(app, member, roomId);
  });
  afterAll(() => app.close());

  it('drops a client that stops answering pings, and keeps one that answers', async () => {
    const { socket: dead } = await connect(base, roomId, member, { autoPong: false });
    const { socket: alive } = await connect(base, roomId, member);
    let pings = 0;
    alive.ws.on('ping', () => {
      pings += 1;
    });
    const closed = await dead.closes(2000);
    expect(closed.code).toBe(1006);
    // The live one went through the same rounds and is still open.
    expect(pings).toBeGreaterThanOrEqual(2);
    alive.send({ type: 'ping' });
    expect(await alive.next()).toEqual({ type: 'pong' });
    alive.close();
  });
});

describe('shutdown', () => {
  it('closes every socket with 1001 when the server closes', async () => {
    const app = testServer();
    const base = await listen(app);
    const host = await quickUser(app);
    const roomId = await createRoom(app, host);
    const { socket } = await connect(base, roomId, host);
    const pending = await TestSocket.open(`${base}/ws/rooms/${roomId}`);
    await app.close();
    expect((await socket.closes()).code).toBe(CLOSE_CODES.GOING_AWAY);
    expect((await pending.closes()).code).toBe(CLOSE_CODES.GOING_AWAY);
  });
});

describe('custom auth: the upgrade request’s own credentials', () => {
  let app: App;
  let base: string;
  let roomId: string;

  beforeAll(async () => {
    app = testServer({
      auth: customAuth({
        authenticate(request) {
          const sid = /(?:^|;\s*)sid=([^;]+)/.exec(request.headers.cookie ?? '')?.[1];
          if (!sid) return null;
          if (sid !== 's-carol') throw new Error('unknown session');
          return { id: 'crm-42', email: 'carol@corp.example', displayName: 'Carol' };
        },
      }),
    });
    base = await listen(app);
    const cookie = { cookie: 'sid=s-carol' };
    const room = await app.inject({
      method: 'POST',
      url: '/api/v1/rooms',
      headers: cookie,
      payload: { title: 'Cookies' },
    });
    roomId = room.json().id;
  });
  afterAll(() => app.close());

  it('accepts an auth frame without a token when the upgrade request carries a session', async () => {
    const socket = await TestSocket.open(`${base}/ws/rooms/${roomId}`, {
      headers: { cookie: 'sid=s-carol' },
    });
    socket.send({ type: 'auth' });
    const ready = await socket.next();
    expect(ready).toMatchObject({ type: 'ready', participant: null, entry: null, lastSeq: 0 });
    socket.close();
  });

  it('closes 4401 without a token and without a session, or with a refused one', async () => {
    expect((await refusal(base, roomId, undefined)).code).toBe(CLOSE_CODES.UNAUTHORIZED);
    expect(
      (await refusal(base, roomId, undefined, { headers: { cookie: 'sid=forged' } })).code,
    ).toBe(CLOSE_CODES.UNAUTHORIZED);
  });
});

describe('upgrade requests and the HTTP rate limiter', () => {
  it('counts upgrades per IP and refuses them with 429 past the limit', async () => {
    const app = testServer({ rateLimit: { anonymousPerMinute: 3 } });
    try {
      const base = await listen(app);
      const url = `${base}/ws/rooms/${randomUUID()}`;
      for (let i = 0; i < 3; i++) {
        const socket = await TestSocket.open(url);
        socket.close();
      }
      const refused = await TestSocket.open(url).catch((error) => error);
      expect(refused).toBeInstanceOf(UpgradeRefused);
      expect((refused as UpgradeRefused).statusCode).toBe(429);
    } finally {
      await app.close();
    }
  });
});

describe('in a host application that registered @fastify/websocket itself', () => {
  it('serves the gateway under the prefix, next to the host’s own socket routes', async () => {
    const host = Fastify({ logger: false });
    await host.register(websocket);
    host.get('/host/echo', { websocket: true }, (socket) => {
      socket.on('message', (data) => socket.send(data.toString()));
    });
    await host.register(conferencePlugin, {
      prefix: '/vc',
      jwtSecret: TEST_SECRET,
      rateLimit: false,
    });
    try {
      await host.listen({ port: 0, host: '127.0.0.1' });
      const base = `ws://127.0.0.1:${(host.server.address() as AddressInfo).port}`;
      const owner = await quickUser(host as unknown as App);
      const created = await host.inject({
        method: 'POST',
        url: '/vc/api/v1/rooms',
        headers: owner.auth,
        payload: { title: 'Embedded' },
      });
      const { socket, ready } = await connect(`${base}/vc`, created.json().id, owner);
      expect(ready.type).toBe('ready');
      // The 16 KiB limit holds although the host's registration allows more.
      socket.send({ type: 'ping', padding: 'x'.repeat(16 * 1024) });
      expect((await socket.closes()).code).toBe(CLOSE_CODES.TOO_BIG);

      const echo = await TestSocket.open(`${base}/host/echo`);
      echo.send({ type: 'hello' });
      expect(await echo.next()).toEqual({ type: 'hello' });
      echo.close();
    } finally {
      await host.close();
    }
  });

  it('broadcasts over compressed sockets when the host turned permessage-deflate on', async () => {
    const host = Fastify({ logger: false });
    await host.register(websocket, { options: { perMessageDeflate: { threshold: 0 } } });
    await host.register(conferencePlugin, { jwtSecret: TEST_SECRET, rateLimit: false });
    const app = host as unknown as App;
    try {
      const base = await listen(app);
      const [owner, guest] = [await quickUser(app), await quickUser(app)];
      const roomId = await createRoom(app, owner);
      await join(app, owner, roomId);
      await join(app, guest, roomId);
      const [listener, sender] = [
        await connect(base, roomId, guest),
        await connect(base, roomId, owner),
      ];
      // The frames of a broadcast are framed once for sockets without an extension; these
      // negotiated compression, so theirs go through ws.send().
      expect(listener.socket.ws.extensions).toContain('permessage-deflate');
      const content = `compressed ${'🎧 '.repeat(300)}`;
      const posted = await say(app, owner, roomId, content);
      sender.socket.send({ type: 'chat.send', clientMessageId: 'over-ws', content: 'second' });
      const first = await listener.socket.until((f) => f.type === 'chat.message');
      expect(first.data.message).toEqual(posted);
      const second = await listener.socket.until((f) => f.type === 'chat.message');
      expect(second.data.message).toMatchObject({ seq: 2, content: 'second' });
      listener.socket.close();
      sender.socket.close();
    } finally {
      await host.close();
    }
  });
});
