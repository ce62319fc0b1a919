import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '@videoconf/protocol';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { caller, expectStatus, rooms, storages } from './chat.support';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';

describe.each(storages())('chat over HTTP on %s storage', (_name, storage) => {
  let app: App;
  let host: QuickUser;
  let ada: QuickUser;
  let bob: QuickUser;
  let roomId: string;
  const call = caller(() => app);
  const room = rooms(() => app);
  const chat = (id = roomId) => `/rooms/${id}/chat/messages`;

  const send = async (who: QuickUser, content: string, extra: object = {}) =>
    expectStatus(await call(who, 'POST', chat(), { content, ...extra }), 201) as ChatMessage;
  const history = async (who: QuickUser, query = '') => {
    const body = expectStatus(await call(who, 'GET', `${chat()}${query}`), 200);
    return body as { items: ChatMessage[]; hasMore: boolean };
  };
  const refused = async (
    res: Promise<import('fastify').LightMyRequestResponse>,
    status: number,
    code: string,
  ) => {
    const answer = await res;
    expect(answer.statusCode, answer.body).toBe(status);
    expect(errorCode(answer)).toBe(code);
  };
  const audit = (type: string) =>
    app.videoconf.storage
      .listAudit({ roomId, limit: 100 })
      .then((items) => items.filter((e) => e.eventType === type));

  beforeEach(async () => {
    app = testServer({ storage: storage() });
    host = await quickUser(app, { displayName: 'Hana' });
    ada = await quickUser(app, { displayName: 'Ada account' });
    bob = await quickUser(app, { displayName: 'Bob account' });
    roomId = await room.create(host);
    await room.join(host, roomId, 'Hana Host');
    await room.join(ada, roomId, 'Ada');
    await room.join(bob, roomId, 'Bob');
  });
  afterEach(() => app.close());

  it('sends a message that every member reads in history', async () => {
    const sent = await send(ada, 'Hello, room');
    const adaParticipant = await app.videoconf.storage.findActiveParticipant(roomId, ada.id);
    expect(sent).toEqual({
      id: expect.any(String),
      roomId,
      seq: 1,
      senderParticipantId: adaParticipant?.id,
      senderUserId: ada.id,
      senderDisplayName: 'Ada',
      messageType: 'user',
      content: 'Hello, room',
      createdAt: expect.any(String),
      editedAt: null,
      deletedAt: null,
    });
    const second = await send(bob, 'Hi Ada');
    expect(second.seq).toBe(2);
    expect(await history(bob)).toEqual({ items: [sent, second], hasMore: false });
    expect(await history(host)).toEqual({ items: [sent, second], hasMore: false });
  });

  it('ignores body fields a sender may not set', async () => {
    const sent = await send(ada, 'mine', {
      senderUserId: bob.id,
      senderDisplayName: 'Bob',
      messageType: 'system',
      seq: 99,
    });
    expect(sent).toMatchObject({
      senderUserId: ada.id,
      senderDisplayName: 'Ada',
      messageType: 'user',
      seq: 1,
    });
  });

  it('stores and returns content verbatim: HTML, SQL, emoji, RTL, whitespace', async () => {
    const contents = [
      '<script>alert(1)</script>',
      "'); DROP TABLE chat_messages;--",
      '<img src=x onerror="alert(\'x\')"> &amp; &lt;b&gt;',
      '👩‍👩‍👧‍👦 family, 🇫🇷 flag, e\u0301 combining, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢',
      'مرحبا بالعالم — שלום עולם \u202Eabc\u202C',
      '  padded with spaces and a newline\n',
      'line one\r\nline two\ttabbed \\ backslash "quotes"',
    ];
    const sent: ChatMessage[] = [];
    for (const content of contents) {
      const message = await send(ada, content);
      expect(message.content).toBe(content);
      sent.push(message);
    }
    const page = await history(bob);
    expect(page.items.map((m) => m.content)).toEqual(contents);
    expect(page.items).toEqual(sent);
    // The SQL text did nothing: the table still takes and returns messages.
    expect((await send(bob, 'still here')).seq).toBe(contents.length + 1);
  });

  it('counts content in code points after trimming: 1..4000', async () => {
    const emoji4000 = '😀'.repeat(4000); // 8000 UTF-16 units, 4000 characters
    expect((await send(ada, emoji4000)).content).toBe(emoji4000);
    const padded = `   ${'a'.repeat(4000)}\n\t `;
    expect((await send(ada, padded)).content).toBe(padded);
    for (const content of ['😀'.repeat(4001), 'a'.repeat(4001), ` ${'é'.repeat(4001)} `]) {
      await refused(call(ada, 'POST', chat(), { content }), 400, 'VALIDATION_ERROR');
    }
    for (const content of ['', ' ', '   \n\t\r ', '\u00a0\u2003']) {
      await refused(call(ada, 'POST', chat(), { content }), 400, 'VALIDATION_ERROR');
    }
    await refused(call(ada, 'POST', chat(), {}), 400, 'VALIDATION_ERROR');
    await refused(call(ada, 'POST', chat(), { content: 42 }), 400, 'VALIDATION_ERROR');
    await refused(call(ada, 'POST', chat(), { content: 'nul\u0000' }), 400, 'VALIDATION_ERROR');
    expect((await history(bob)).items).toHaveLength(2);
  });

  it('pages through history with before, after and hasMore', async () => {
    for (let i = 1; i <= 12; i += 1) await send(i % 2 ? ada : bob, `m${i}`);
    const seqs = async (query: string) => {
      const page = await history(bob, query);
      return { seqs: page.items.map((m) => m.seq), hasMore: page.hasMore };
    };
    // Newest page first, ascending inside; hasMore says older ones exist.
    expect(await seqs('?limit=5')).toEqual({ seqs: [8, 9, 10, 11, 12], hasMore: true });
    expect(await seqs('?limit=5&before=8')).toEqual({ seqs: [3, 4, 5, 6, 7], hasMore: true });
    expect(await seqs('?limit=5&before=3')).toEqual({ seqs: [1, 2], hasMore: false });
    // Forward from a cursor (resume after a reconnect); hasMore says newer ones exist.
    expect(await seqs('?limit=5&after=0')).toEqual({ seqs: [1, 2, 3, 4, 5], hasMore: true });
    expect(await seqs('?limit=5&after=10')).toEqual({ seqs: [11, 12], hasMore: false });
    expect(await seqs('?after=12')).toEqual({ seqs: [], hasMore: false });
    expect(await seqs('?after=3&before=7')).toEqual({ seqs: [4, 5, 6], hasMore: false });
    // Default limit 50.
    expect((await seqs('')).seqs).toHaveLength(12);
    for (const query of ['?limit=0', '?limit=101', '?limit=x', '?before=-1', '?after=1.5']) {
      await refused(call(bob, 'GET', `${chat()}${query}`), 400, 'VALIDATION_ERROR');
    }
  });

  it('pages back over the default limit without losing or repeating a message', async () => {
    for (let i = 1; i <= 120; i += 1) {
      await app.videoconf.storage.appendMessage({
        roomId,
        messageType: 'user',
        senderUserId: ada.id,
        content: `m${i}`,
        clientMessageId: null,
        now: new Date().toISOString(),
      });
    }
    const first = await history(bob);
    expect(first.items).toHaveLength(50);
    expect(first.hasMore).toBe(true);
    const seen = [...first.items];
    let page = first;
    while (page.hasMore) {
      page = await history(bob, `?before=${seen[0]?.seq}`);
      seen.unshift(...page.items);
    }
    expect(seen.map((m) => m.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));
  });

  it('lets only the sender edit, with the same content rules', async () => {
    const sent = await send(ada, 'teh typo');
    const res = await call(ada, 'PUT', `${chat()}/${sent.id}`, { content: ' the fix ' });
    const edited = expectStatus(res, 200) as ChatMessage;
    expect(edited).toEqual({ ...sent, content: ' the fix ', editedAt: expect.any(String) });
    expect(Date.parse(edited.editedAt ?? '')).toBeGreaterThanOrEqual(Date.parse(sent.createdAt));
    expect((await history(bob)).items).toEqual([edited]);

    for (const who of [bob, host]) {
      await refused(
        call(who, 'PUT', `${chat()}/${sent.id}`, { content: 'hijack' }),
        403,
        'FORBIDDEN',
      );
    }
    await refused(
      call(ada, 'PUT', `${chat()}/${sent.id}`, { content: '   ' }),
      400,
      'VALIDATION_ERROR',
    );
    await refused(
      call(ada, 'PUT', `${chat()}/${sent.id}`, { content: 'x'.repeat(4001) }),
      400,
      'VALIDATION_ERROR',
    );
    await refused(
      call(ada, 'PUT', `${chat()}/${randomUUID()}`, { content: 'x' }),
      404,
      'MESSAGE_NOT_FOUND',
    );
    expect((await history(bob)).items).toEqual([edited]);
  });

  it('does not reach a message of another room through this room', async () => {
    const otherRoom = await room.create(host);
    await room.join(ada, otherRoom, 'Ada');
    const elsewhere = expectStatus(
      await call(ada, 'POST', chat(otherRoom), { content: 'other room' }),
      201,
    ) as ChatMessage;
    await refused(
      call(ada, 'PUT', `${chat()}/${elsewhere.id}`, { content: 'x' }),
      404,
      'MESSAGE_NOT_FOUND',
    );
    await refused(call(host, 'DELETE', `${chat()}/${elsewhere.id}`), 404, 'MESSAGE_NOT_FOUND');
    expect((await history(bob)).items).toEqual([]);
  });

  it('lets the sender delete their message: hidden, then gone for edits and deletes', async () => {
    const keep = await send(ada, 'keep');
    const gone = await send(ada, 'oops');
    expectStatus(await call(ada, 'DELETE', `${chat()}/${gone.id}`), 204);
    expect((await history(bob)).items).toEqual([keep]);
    await refused(call(ada, 'DELETE', `${chat()}/${gone.id}`), 404, 'MESSAGE_NOT_FOUND');
    await refused(
      call(ada, 'PUT', `${chat()}/${gone.id}`, { content: 'revive' }),
      404,
      'MESSAGE_NOT_FOUND',
    );
    // A sender removing their own message is not moderation.
    expect(await audit('message_deleted_by_moderator')).toEqual([]);
    // The row stays (soft delete) and the seq is not reused.
    expect((await app.videoconf.storage.getMessage(gone.id))?.deletedAt).not.toBeNull();
    expect((await send(bob, 'next')).seq).toBe(3);
  });

  it('lets the host and co-hosts delete anyone’s message, audited without content', async () => {
    const carol = await quickUser(app);
    await room.join(carol, roomId, 'Carol', 'co_host');
    const first = await send(ada, 'secret plans: rm -rf');
    const second = await send(bob, 'something rude');
    await refused(call(bob, 'DELETE', `${chat()}/${first.id}`), 403, 'FORBIDDEN');

    expectStatus(await call(host, 'DELETE', `${chat()}/${first.id}`), 204);
    expectStatus(await call(carol, 'DELETE', `${chat()}/${second.id}`), 204);
    expect((await history(ada)).items).toEqual([]);

    const entries = await audit('message_deleted_by_moderator');
    expect(entries).toHaveLength(2);
    const byMessage = new Map(entries.map((e) => [e.payload.messageId, e]));
    expect(byMessage.get(first.id)).toMatchObject({
      actorUserId: host.id,
      actorRole: 'host',
      roomId,
      payload: { messageId: first.id, senderUserId: ada.id },
    });
    expect(byMessage.get(second.id)).toMatchObject({
      actorUserId: carol.id,
      actorRole: 'co_host',
      payload: { messageId: second.id, senderUserId: bob.id },
    });
    const text = JSON.stringify(entries);
    expect(text).not.toContain('secret plans');
    expect(text).not.toContain('something rude');
  });

  it('lets the host delete without having joined, also after the room ended', async () => {
    const absentHost = await quickUser(app);
    const other = await room.create(absentHost);
    await room.join(ada, other, 'Ada');
    const sent = expectStatus(
      await call(ada, 'POST', chat(other), { content: 'hi' }),
      201,
    ) as ChatMessage;
    const later = expectStatus(
      await call(ada, 'POST', chat(other), { content: 'later' }),
      201,
    ) as ChatMessage;
    const read = expectStatus(await call(absentHost, 'GET', chat(other)), 200);
    expect(read.items).toHaveLength(2);
    await refused(
      call(absentHost, 'POST', chat(other), { content: 'x' }),
      403,
      'NOT_A_PARTICIPANT',
    );
    expectStatus(await call(absentHost, 'DELETE', `${chat(other)}/${sent.id}`), 204);
    await room.end(absentHost, other);
    expectStatus(await call(absentHost, 'DELETE', `${chat(other)}/${later.id}`), 204);
    expect(expectStatus(await call(absentHost, 'GET', chat(other)), 200).items).toEqual([]);
  });

  it('refuses sends and edits with chat disabled, still reads and deletes', async () => {
    const sent = await send(ada, 'before');
    await room.setChatEnabled(host, roomId, false);
    await refused(call(ada, 'POST', chat(), { content: 'after' }), 403, 'CHAT_DISABLED');
    await refused(call(host, 'POST', chat(), { content: 'after' }), 403, 'CHAT_DISABLED');
    await refused(
      call(ada, 'PUT', `${chat()}/${sent.id}`, { content: 'edit' }),
      403,
      'CHAT_DISABLED',
    );
    expect((await history(bob)).items).toEqual([sent]);
    expectStatus(await call(ada, 'DELETE', `${chat()}/${sent.id}`), 204);
    await room.setChatEnabled(host, roomId, true);
    expect((await send(ada, 'again')).seq).toBe(2);
  });

  it('refuses outsiders, the kicked and those who left', async () => {
    const sent = await send(ada, 'hello');
    const outsider = await quickUser(app);
    const admin = await quickUser(app, { admin: true });
    for (const who of [outsider, admin]) {
      await refused(call(who, 'GET', chat()), 403, 'NOT_A_PARTICIPANT');
      await refused(call(who, 'POST', chat(), { content: 'hi' }), 403, 'NOT_A_PARTICIPANT');
      await refused(call(who, 'PUT', `${chat()}/${sent.id}`, { content: 'x' }), 403, 'FORBIDDEN');
      await refused(call(who, 'DELETE', `${chat()}/${sent.id}`), 403, 'FORBIDDEN');
    }
    const adaParticipant = await app.videoconf.storage.findActiveParticipant(roomId, ada.id);
    await room.kick(host, roomId, adaParticipant?.id ?? '');
    await refused(call(ada, 'GET', chat()), 403, 'NOT_A_PARTICIPANT');
    await refused(call(ada, 'POST', chat(), { content: 'let me in' }), 403, 'NOT_A_PARTICIPANT');
    // Even their own message: a kicked sender no longer edits or deletes it.
    await refused(
      call(ada, 'PUT', `${chat()}/${sent.id}`, { content: 'x' }),
      403,
      'NOT_A_PARTICIPANT',
    );
    await refused(call(ada, 'DELETE', `${chat()}/${sent.id}`), 403, 'NOT_A_PARTICIPANT');

    await room.leave(bob, roomId);
    await refused(call(bob, 'GET', chat()), 403, 'NOT_A_PARTICIPANT');
    await refused(call(bob, 'POST', chat(), { content: 'bye' }), 403, 'NOT_A_PARTICIPANT');

    await refused(call(null, 'GET', chat()), 401, 'UNAUTHORIZED');
    await refused(call(host, 'GET', chat(randomUUID())), 404, 'ROOM_NOT_FOUND');
    await refused(call(host, 'POST', chat(randomUUID()), { content: 'x' }), 404, 'ROOM_NOT_FOUND');
    await refused(call(host, 'GET', '/rooms/not-a-uuid/chat/messages'), 400, 'VALIDATION_ERROR');
    expect((await history(host)).items).toEqual([sent]);
  });

  it('answers 410 to sends and edits once the room ended; history stays readable', async () => {
    const sent = await send(ada, 'last words');
    await room.end(host, roomId);
    await refused(call(ada, 'POST', chat(), { content: 'late' }), 410, 'ROOM_ENDED');
    await refused(
      call(ada, 'PUT', `${chat()}/${sent.id}`, { content: 'late edit' }),
      410,
      'ROOM_ENDED',
    );
    // Everyone left with the end; the host still reads the record.
    await refused(call(ada, 'GET', chat()), 403, 'NOT_A_PARTICIPANT');
    expect((await history(host)).items).toEqual([sent]);
  });

  it('makes a send idempotent per sender with clientMessageId', async () => {
    const clientMessageId = randomUUID();
    const first = await send(ada, 'once', { clientMessageId });
    const again = await send(ada, 'once, retried with other text', { clientMessageId });
    expect(again).toEqual(first);
    // Another sender may use the same id: it is scoped to the sender.
    const bobs = await send(bob, 'mine', { clientMessageId });
    expect(bobs.id).not.toBe(first.id);
    // Without an id every send is a new message.
    await send(ada, 'twice');
    await send(ada, 'twice');
    const items = (await history(host)).items;
    expect(items.map((m) => [m.seq, m.content])).toEqual([
      [1, 'once'],
      [2, 'mine'],
      [3, 'twice'],
      [4, 'twice'],
    ]);
    await refused(
      call(ada, 'POST', chat(), { content: 'x', clientMessageId: 'has spaces' }),
      400,
      'VALIDATION_ERROR',
    );
    await refused(
      call(ada, 'POST', chat(), { content: 'x', clientMessageId: 'a'.repeat(65) }),
      400,
      'VALIDATION_ERROR',
    );
  });

  it('replays a deleted message to a retry without showing its content', async () => {
    const clientMessageId = randomUUID();
    const first = await send(ada, 'regret', { clientMessageId });
    expectStatus(await call(ada, 'DELETE', `${chat()}/${first.id}`), 204);
    const again = await send(ada, 'regret', { clientMessageId });
    expect(again).toMatchObject({ id: first.id, seq: 1, content: '' });
    expect(again.deletedAt).not.toBeNull();
    expect((await history(bob)).items).toEqual([]);
  });
});
