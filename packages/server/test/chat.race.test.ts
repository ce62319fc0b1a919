import { randomUUID } from 'node:crypto';
import type { ChatMessage } from '@videoconf/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { caller, expectStatus, rooms, storages } from './chat.support';
import { type QuickUser, quickUser, testServer } from './support/app';

const ROUNDS = 20;
const SENDS = 100;
const SENDERS = 5;
const RETRIES = 20;

/** Concurrent sends over HTTP: seq stays gap-free and a clientMessageId makes one message. */
describe.each(storages())('chat races on %s storage', (_name, storage) => {
  let app: App;
  const call = caller(() => app);
  const room = rooms(() => app);
  beforeAll(async () => {
    app = testServer({ storage: storage() });
    await app.ready();
  });
  afterAll(() => app.close());

  async function roomWith(senders: number) {
    const host = await quickUser(app);
    const roomId = await room.create(host);
    const members: QuickUser[] = [];
    for (let i = 0; i < senders; i += 1) {
      const member = await quickUser(app);
      await room.join(member, roomId, `Sender ${i}`);
      members.push(member);
    }
    return { host, roomId, members };
  }

  const history = async (who: QuickUser, roomId: string) =>
    expectStatus(await call(who, 'GET', `/rooms/${roomId}/chat/messages?limit=100`), 200) as {
      items: ChatMessage[];
      hasMore: boolean;
    };

  it(`gives ${SENDS} concurrent sends by ${SENDERS} participants seq 1..${SENDS}, ${ROUNDS}×`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const { roomId, members } = await roomWith(SENDERS);
      const answers = await Promise.all(
        Array.from({ length: SENDS }, (_, i) =>
          call(members[i % SENDERS] ?? null, 'POST', `/rooms/${roomId}/chat/messages`, {
            content: `message ${i}`,
          }),
        ),
      );
      expect(answers.map((res) => res.statusCode)).toEqual(Array(SENDS).fill(201));
      const page = await history(members[0] as QuickUser, roomId);
      expect(page.hasMore).toBe(false);
      expect(page.items.map((m) => m.seq)).toEqual(Array.from({ length: SENDS }, (_, i) => i + 1));
      // Every answer is in the history once, under the seq it was answered with.
      const answered = answers.map((res) => res.json() as ChatMessage);
      expect(new Set(answered.map((m) => m.id)).size).toBe(SENDS);
      expect([...answered].sort((a, b) => a.seq - b.seq)).toEqual(page.items);
      expect(new Set(page.items.map((m) => m.content)).size).toBe(SENDS);
    }
  }, 60_000);

  it(`makes ${RETRIES} concurrent sends with one clientMessageId exactly one message, ${ROUNDS}×`, async () => {
    for (let round = 0; round < ROUNDS; round += 1) {
      const { roomId, members } = await roomWith(1);
      const sender = members[0] as QuickUser;
      const clientMessageId = randomUUID();
      const answers = await Promise.all(
        Array.from({ length: RETRIES }, (_, i) =>
          call(sender, 'POST', `/rooms/${roomId}/chat/messages`, {
            content: `attempt ${i}`,
            clientMessageId,
          }),
        ),
      );
      expect(answers.map((res) => res.statusCode)).toEqual(Array(RETRIES).fill(201));
      const ids = new Set(answers.map((res) => (res.json() as ChatMessage).id));
      expect(ids.size).toBe(1);
      const page = await history(sender, roomId);
      expect(page.items).toHaveLength(1);
      expect(page.items[0]).toEqual(answers[0]?.json());
      expect(page.items[0]?.seq).toBe(1);
      expect(await app.videoconf.storage.lastSeq(roomId)).toBe(1);
    }
  }, 60_000);
});
