import { randomUUID } from 'node:crypto';
import type { AuditEntry } from '@videoconf/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { caller, expectStatus, rooms, storages } from './chat.support';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';

describe.each(storages())('audit over HTTP on %s storage', (_name, storage) => {
  let app: App;
  let host: QuickUser;
  let admin: QuickUser;
  let roomId: string;
  const call = caller(() => app);
  const room = rooms(() => app);

  const refused = async (res: Promise<LightMyRequestResponse>, status: number, code: string) => {
    const answer = await res;
    expect(answer.statusCode, answer.body).toBe(status);
    expect(errorCode(answer)).toBe(code);
  };
  const list = async (who: QuickUser, url: string) =>
    (expectStatus(await call(who, 'GET', url), 200) as { items: AuditEntry[] }).items;

  /** Writes entries the way features do, through `app.videoconf.audit`. */
  async function record(count: number) {
    for (let i = 0; i < count; i += 1) {
      await app.videoconf.audit('room_updated', {
        actor: { userId: host.id, role: 'host' },
        roomId,
        payload: { step: i, changed: ['title'] },
      });
    }
  }

  beforeEach(async () => {
    app = testServer({ storage: storage() });
    host = await quickUser(app);
    admin = await quickUser(app, { admin: true });
    roomId = await room.create(host);
  });
  afterEach(() => app.close());

  it('lists a room’s entries newest first with the fields of the contract', async () => {
    await record(3);
    const items = await list(host, `/rooms/${roomId}/audit`);
    // The oldest is the creation of the room through the API.
    expect(items.map((e) => [e.eventType, e.payload.step])).toEqual([
      ['room_updated', 2],
      ['room_updated', 1],
      ['room_updated', 0],
      ['room_created', undefined],
    ]);
    expect(items[0]).toEqual({
      id: expect.any(String),
      eventTime: expect.any(String),
      actorUserId: host.id,
      actorRole: 'host',
      roomId,
      eventType: 'room_updated',
      payload: { step: 2, changed: ['title'] },
    });
    const times = items.map((e) => Date.parse(e.eventTime));
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });

  it('records a moderator deleting a message, and only that', async () => {
    const ada = await quickUser(app);
    await room.join(host, roomId, 'Host');
    await room.join(ada, roomId, 'Ada');
    const url = `/rooms/${roomId}/chat/messages`;
    const mine = expectStatus(await call(ada, 'POST', url, { content: 'mine' }), 201);
    const theirs = expectStatus(await call(ada, 'POST', url, { content: 'theirs' }), 201);
    expectStatus(await call(ada, 'DELETE', `${url}/${mine.id}`), 204);
    expectStatus(await call(host, 'DELETE', `${url}/${theirs.id}`), 204);
    const items = await list(host, `/rooms/${roomId}/audit`);
    // Sending, and deleting one's own message, are not audited; a moderator deleting is.
    const about = items.filter((e) => JSON.stringify(e).includes(mine.id));
    expect(about).toEqual([]);
    const chat = items.filter((e) => e.eventType.includes('message'));
    expect(chat).toHaveLength(1);
    expect(chat[0]).toMatchObject({
      eventType: 'message_deleted_by_moderator',
      actorUserId: host.id,
      actorRole: 'host',
      payload: { messageId: theirs.id, senderUserId: ada.id },
    });
    expect(chat[0]?.payload).not.toHaveProperty('content');
  });

  it('pages back with before, losing and repeating nothing', async () => {
    // Written back to back, many in one millisecond: the recorder keeps event times distinct.
    await record(23);
    const seen: AuditEntry[] = [];
    let before: string | undefined;
    for (;;) {
      const query = `?limit=5${before ? `&before=${encodeURIComponent(before)}` : ''}`;
      const page = await list(host, `/rooms/${roomId}/audit${query}`);
      expect(page.length).toBeLessThanOrEqual(5);
      if (page.length === 0) break;
      seen.push(...page);
      before = page[page.length - 1]?.eventTime;
    }
    expect(seen.map((e) => e.payload.step ?? e.eventType)).toEqual([
      ...Array.from({ length: 23 }, (_, i) => 22 - i),
      'room_created',
    ]);
    // Default limit 50, maximum 200.
    await record(40);
    expect(await list(host, `/rooms/${roomId}/audit`)).toHaveLength(50);
    expect(await list(host, `/rooms/${roomId}/audit?limit=200`)).toHaveLength(64);
    for (const query of ['?limit=0', '?limit=201', '?before=yesterday', '?limit=two']) {
      await refused(call(host, 'GET', `/rooms/${roomId}/audit${query}`), 400, 'VALIDATION_ERROR');
    }
  });

  it('shows a room’s log to its host and technical admins only', async () => {
    await record(1);
    const coHost = await quickUser(app);
    const participant = await quickUser(app);
    const outsider = await quickUser(app);
    await room.join(host, roomId, 'Host');
    await room.join(coHost, roomId, 'Co', 'co_host');
    await room.join(participant, roomId, 'P');
    const seenByHost = await list(host, `/rooms/${roomId}/audit`);
    expect(seenByHost.map((e) => e.eventType)).toContain('room_updated');
    expect(await list(admin, `/rooms/${roomId}/audit`)).toEqual(seenByHost);
    for (const who of [coHost, participant, outsider]) {
      await refused(call(who, 'GET', `/rooms/${roomId}/audit`), 403, 'FORBIDDEN');
    }
    await refused(call(null, 'GET', `/rooms/${roomId}/audit`), 401, 'UNAUTHORIZED');
    await refused(call(admin, 'GET', `/rooms/${randomUUID()}/audit`), 404, 'ROOM_NOT_FOUND');
    // Another host's room is not this host's to read.
    const otherRoom = await room.create(outsider);
    await refused(call(host, 'GET', `/rooms/${otherRoom}/audit`), 403, 'FORBIDDEN');
  });

  it('gives technical admins every room, also deleted ones', async () => {
    const otherHost = await quickUser(app);
    const otherRoom = await room.create(otherHost);
    await record(2);
    expectStatus(await call(otherHost, 'DELETE', `/rooms/${otherRoom}`), 204);
    await app.videoconf.audit('room_created', {
      actor: { userId: admin.id, role: 'technical_admin' },
      roomId: null,
      payload: { note: 'not tied to a room' },
    });

    const all = await list(admin, '/admin/audit?limit=200');
    expect(all.slice(0, 4).map((e) => [e.eventType, e.roomId])).toEqual([
      ['room_created', null],
      ['room_deleted', otherRoom],
      ['room_updated', roomId],
      ['room_updated', roomId],
    ]);
    const onlyOther = await list(admin, `/admin/audit?roomId=${otherRoom}`);
    expect(onlyOther.map((e) => e.eventType)).toEqual(['room_deleted', 'room_created']);
    const page = await list(admin, '/admin/audit?limit=1');
    expect(page).toEqual(all.slice(0, 1));
    const next = await list(
      admin,
      `/admin/audit?limit=2&before=${encodeURIComponent(page[0]?.eventTime ?? '')}`,
    );
    expect(next).toEqual(all.slice(1, 3));

    for (const who of [host, otherHost]) {
      await refused(call(who, 'GET', '/admin/audit'), 403, 'FORBIDDEN');
    }
    await refused(call(null, 'GET', '/admin/audit'), 401, 'UNAUTHORIZED');
    await refused(call(admin, 'GET', '/admin/audit?roomId=x'), 400, 'VALIDATION_ERROR');
  });
});
