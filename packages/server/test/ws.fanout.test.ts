import { CLOSE_CODES } from '@videoconf/protocol';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { type QuickUser, quickUser, signUp, testServer } from './support/app';
import { storages } from './support/storages';
import {
  connect,
  createRoom,
  type Frame,
  join,
  listen,
  rest,
  say,
  type TestSocket,
} from './support/ws';

/**
 * Who hears what: room events made over REST and over WebSocket reach every member socket,
 * lobby events reach the moderators and the waiting user only, and kick, leave, end, delete
 * and logout close the right sockets with the right codes after the right event.
 */

const types = (frames: Frame[]) => frames.map((frame) => frame.type);

describe.each(storages())('room events over WebSocket on %s storage', (_name, makeStorage) => {
  let app: App;
  let base: string;
  let host: QuickUser;
  let alice: QuickUser;
  let bob: QuickUser;
  let roomId: string;
  const open: TestSocket[] = [];

  const socketOf = async (user: QuickUser, room = roomId, since?: number) => {
    const { socket, ready } = await connect(base, room, user, {
      ...(since !== undefined && { since }),
    });
    open.push(socket);
    return { socket, ready };
  };

  beforeAll(async () => {
    app = testServer({ storage: makeStorage() });
    base = await listen(app);
  });
  afterAll(() => app.close());

  beforeEach(async () => {
    for (const socket of open.splice(0)) socket.close();
    host = await quickUser(app, { displayName: 'Host' });
    alice = await quickUser(app, { displayName: 'Alice' });
    bob = await quickUser(app, { displayName: 'Bob' });
    roomId = await createRoom(app, host);
    await join(app, host, roomId);
    await join(app, alice, roomId);
    await join(app, bob, roomId);
  });

  describe('chat', () => {
    it('fans a message sent over REST out to every member, the sender included', async () => {
      const sockets = await Promise.all([host, alice, bob].map((u) => socketOf(u)));
      const fanned = () =>
        app.videoconf.metrics.eventsFannedOut.get().then((m) => m.values[0]?.value ?? 0);
      const before = await fanned();
      const message = await say(app, alice, roomId, 'hello everyone');
      for (const { socket } of sockets) {
        const frame = await socket.next();
        expect(frame).toEqual({
          type: 'chat.message',
          roomId,
          at: expect.any(String),
          data: { message },
        });
      }
      expect(await fanned()).toBe(before + 3);
    });

    it('answers chat.send with chat.ack and broadcasts chat.message once to everyone', async () => {
      const { socket: sender } = await socketOf(bob);
      const { socket: other } = await socketOf(alice);
      const { socket: hostSocket } = await socketOf(host);
      sender.send({ type: 'chat.send', clientMessageId: 'c-1', content: 'over the socket' });
      const own = await sender.take(2);
      const ack = own.find((frame) => frame.type === 'chat.ack');
      const event = own.find((frame) => frame.type === 'chat.message');
      expect(ack).toEqual({
        type: 'chat.ack',
        clientMessageId: 'c-1',
        message: expect.any(Object),
      });
      expect(ack?.message).toMatchObject({
        content: 'over the socket',
        senderUserId: bob.id,
        seq: 1,
      });
      expect(event?.data.message).toEqual(ack?.message);
      for (const socket of [other, hostSocket]) {
        expect(await socket.next()).toMatchObject({
          type: 'chat.message',
          data: { message: ack?.message },
        });
      }

      // The same clientMessageId again: acknowledged with the first message, not broadcast again.
      sender.send({ type: 'chat.send', clientMessageId: 'c-1', content: 'over the socket' });
      expect(await sender.next()).toEqual(ack);
      const second = await say(app, alice, roomId, 'after the retry');
      for (const socket of [sender, other, hostSocket]) {
        expect((await socket.next()).data.message).toEqual(second);
      }

      // The history holds each message once.
      const history = await rest(app, alice, 'GET', `/rooms/${roomId}/chat/messages`);
      expect(history.items.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
    });

    it('fans out edits and deletions', async () => {
      const { socket } = await socketOf(alice);
      const message = await say(app, bob, roomId, 'first draft');
      await socket.untilType('chat.message');
      await rest(app, bob, 'PUT', `/rooms/${roomId}/chat/messages/${message.id}`, {
        content: 'second draft',
      });
      expect(await socket.next()).toMatchObject({
        type: 'chat.message.updated',
        data: { message: { id: message.id, content: 'second draft' } },
      });
      await rest(app, host, 'DELETE', `/rooms/${roomId}/chat/messages/${message.id}`);
      expect(await socket.next()).toMatchObject({
        type: 'chat.message.deleted',
        data: { message: { id: message.id, content: '' } },
      });
    });
  });

  describe('lobby', () => {
    let lobby: string;
    let coHost: QuickUser;
    let member: QuickUser;
    let knocker: QuickUser;

    beforeEach(async () => {
      coHost = await quickUser(app, { displayName: 'Co-host' });
      member = await quickUser(app, { displayName: 'Member' });
      knocker = await quickUser(app, { displayName: 'Knocker' });
      lobby = await createRoom(app, host, { waitingRoomEnabled: true });
      await join(app, host, lobby);
      for (const user of [coHost, member]) {
        const { entry } = await rest(app, user, 'POST', `/rooms/${lobby}/join`, {}, 202);
        await rest(app, host, 'POST', `/rooms/${lobby}/waiting-room/${entry.id}/approve`);
      }
      const coHostParticipant = await rest(app, coHost, 'GET', `/rooms/${lobby}/participants`);
      const mine = coHostParticipant.items.find((p: { userId: string }) => p.userId === coHost.id);
      await rest(app, host, 'PUT', `/rooms/${lobby}/participants/${mine.id}/role`, {
        role: 'co_host',
      });
    });

    const knock = async (user: QuickUser) => {
      const body = await rest(app, user, 'POST', `/rooms/${lobby}/join`, {}, 202);
      return body.entry as { id: string; userId: string };
    };

    it('tells host and co-hosts about a knock, not participants', async () => {
      const { socket: hostSocket } = await socketOf(host, lobby);
      const { socket: coHostSocket } = await socketOf(coHost, lobby);
      const { socket: memberSocket } = await socketOf(member, lobby);
      const entry = await knock(knocker);
      for (const socket of [hostSocket, coHostSocket]) {
        expect(await socket.next()).toMatchObject({
          type: 'waiting.requested',
          data: { entry: { id: entry.id, userId: knocker.id, status: 'pending' } },
        });
      }
      // A later event that everyone hears: the participant heard nothing before it.
      const message = await say(app, member, lobby, 'barrier');
      expect(await memberSocket.next()).toMatchObject({
        type: 'chat.message',
        data: { message: { id: message.id } },
      });
    });

    it('lets the waiting user in on approval, then it hears the room', async () => {
      const entry = await knock(knocker);
      const { socket: waiting, ready } = await socketOf(knocker, lobby);
      expect(ready.participant).toBeNull();
      expect(ready.entry).toMatchObject({ id: entry.id, status: 'pending' });
      const { socket: hostSocket } = await socketOf(host, lobby);

      // While waiting: no chat, no participant events, not even other knocks.
      await say(app, member, lobby, 'not for the lobby');
      const other = await quickUser(app, { displayName: 'Other knocker' });
      await knock(other);
      await hostSocket.untilType('waiting.requested');

      const approved = await rest(
        app,
        host,
        'POST',
        `/rooms/${lobby}/waiting-room/${entry.id}/approve`,
      );
      expect(await waiting.next()).toMatchObject({
        type: 'waiting.approved',
        data: { entry: { id: entry.id, status: 'approved' } },
      });
      expect(await waiting.next()).toMatchObject({
        type: 'participant.joined',
        data: { participant: { id: approved.participant.id, userId: knocker.id } },
      });
      await hostSocket.untilType('participant.joined');

      // Now a member: room events reach it, and it may send.
      const message = await say(app, member, lobby, 'welcome');
      expect(await waiting.next()).toMatchObject({
        type: 'chat.message',
        data: { message: { id: message.id } },
      });
      waiting.send({ type: 'chat.send', clientMessageId: 'thanks-1', content: 'thanks' });
      const own = await waiting.take(2);
      expect(types(own).sort()).toEqual(['chat.ack', 'chat.message']);
    });

    it('tells the waiting user it was rejected, then closes 4403', async () => {
      const entry = await knock(knocker);
      const { socket: waiting } = await socketOf(knocker, lobby);
      const { socket: coHostSocket } = await socketOf(coHost, lobby);
      await rest(app, coHost, 'POST', `/rooms/${lobby}/waiting-room/${entry.id}/reject`, {
        reason: 'not today',
      });
      expect(await waiting.next()).toMatchObject({
        type: 'waiting.rejected',
        data: { entry: { id: entry.id, status: 'rejected', reason: 'not today' } },
      });
      expect(await waiting.closes()).toMatchObject({ code: CLOSE_CODES.FORBIDDEN });
      expect(await coHostSocket.next()).toMatchObject({ type: 'waiting.rejected' });
    });

    it('gives a waiting user only room.ended when the room ends, then 4410', async () => {
      await knock(knocker);
      const { socket: waiting } = await socketOf(knocker, lobby);
      await say(app, member, lobby, 'not for the lobby');
      await rest(app, host, 'POST', `/rooms/${lobby}/lock`);
      await rest(app, host, 'POST', `/rooms/${lobby}/end`);
      expect(await waiting.next()).toMatchObject({ type: 'room.ended' });
      expect((await waiting.closes()).code).toBe(CLOSE_CODES.ROOM_ENDED);
      expect(types(waiting.frames)).toEqual(['ready', 'room.ended']);
    });

    it('moves waiting.requested with a role change', async () => {
      const { socket: memberSocket } = await socketOf(member, lobby);
      const participants = await rest(app, host, 'GET', `/rooms/${lobby}/participants`);
      const mine = participants.items.find((p: { userId: string }) => p.userId === member.id);
      await rest(app, host, 'PUT', `/rooms/${lobby}/participants/${mine.id}/role`, {
        role: 'co_host',
      });
      expect(await memberSocket.next()).toMatchObject({
        type: 'participant.role_changed',
        data: { participant: { id: mine.id, role: 'co_host' } },
      });
      const entry = await knock(knocker);
      expect(await memberSocket.next()).toMatchObject({
        type: 'waiting.requested',
        data: { entry: { id: entry.id } },
      });
    });
  });

  describe('closing sockets', () => {
    it('delivers participant.kicked to everyone, then closes the kicked socket 4403', async () => {
      const { socket: victim, ready } = await socketOf(bob);
      const { socket: witness } = await socketOf(alice);
      await rest(app, host, 'POST', `/rooms/${roomId}/participants/${ready.participant.id}/kick`, {
        reason: 'spam',
      });
      expect(await victim.next()).toMatchObject({
        type: 'participant.kicked',
        data: { participant: { id: ready.participant.id, isKicked: true } },
      });
      expect((await victim.closes()).code).toBe(CLOSE_CODES.FORBIDDEN);
      expect(await witness.next()).toMatchObject({ type: 'participant.kicked' });
      // The witness stays connected and keeps hearing the room.
      await say(app, alice, roomId, 'still here');
      expect(await witness.next()).toMatchObject({ type: 'chat.message' });
      // The kicked user cannot come back.
      const again = await connect(base, roomId, bob).catch((error) => error);
      expect(again).toBeInstanceOf(Error);
    });

    it('closes a participant that left with 4403 after participant.left; the host stays', async () => {
      const { socket: leaver, ready } = await socketOf(bob);
      const { socket: hostSocket } = await socketOf(host);
      await rest(app, bob, 'POST', `/rooms/${roomId}/leave`);
      expect(await leaver.next()).toMatchObject({
        type: 'participant.left',
        data: { participant: { id: ready.participant.id } },
      });
      expect((await leaver.closes()).code).toBe(CLOSE_CODES.FORBIDDEN);
      expect(await hostSocket.next()).toMatchObject({ type: 'participant.left' });

      await rest(app, host, 'POST', `/rooms/${roomId}/leave`);
      expect(await hostSocket.next()).toMatchObject({ type: 'participant.left' });
      await say(app, alice, roomId, 'the host still hears this');
      expect(await hostSocket.next()).toMatchObject({ type: 'chat.message' });
    });

    it('delivers room.ended to everyone and closes every socket 4410', async () => {
      const sockets = await Promise.all([host, alice, bob].map((u) => socketOf(u)));
      await rest(app, host, 'POST', `/rooms/${roomId}/end`);
      for (const { socket } of sockets) {
        expect(await socket.next()).toMatchObject({
          type: 'room.ended',
          data: { room: { id: roomId, status: 'ended' } },
        });
        expect((await socket.closes()).code).toBe(CLOSE_CODES.ROOM_ENDED);
      }
    });

    it('closes every socket of a deleted room with 4404', async () => {
      const sockets = await Promise.all([host, alice].map((u) => socketOf(u)));
      await rest(app, host, 'DELETE', `/rooms/${roomId}`);
      for (const { socket } of sockets) {
        expect((await socket.closes()).code).toBe(CLOSE_CODES.ROOM_NOT_FOUND);
      }
    });

    it('closes the sockets of a user who logs out with 4401, in every room', async () => {
      const user = await signUp(app, { displayName: 'Leaving soon' });
      const other = await createRoom(app, host);
      await join(app, user, roomId);
      await join(app, user, other);
      const { socket: first } = await socketOf(user as unknown as QuickUser);
      const { socket: second } = await socketOf(user as unknown as QuickUser, other);
      const { socket: witness } = await socketOf(alice);
      await rest(app, null, 'POST', '/auth/logout', { refreshToken: user.refreshToken }, 204);
      expect((await first.closes()).code).toBe(CLOSE_CODES.UNAUTHORIZED);
      expect((await second.closes()).code).toBe(CLOSE_CODES.UNAUTHORIZED);
      witness.send({ type: 'ping' });
      expect(await witness.next()).toEqual({ type: 'pong' });
    });
  });

  describe('room state', () => {
    it('fans out room updates, lock and unlock, and joins', async () => {
      const { socket } = await socketOf(alice);
      await rest(app, host, 'PUT', `/rooms/${roomId}`, { title: 'Renamed' });
      expect(await socket.next()).toMatchObject({
        type: 'room.updated',
        data: { room: { id: roomId, title: 'Renamed' } },
      });
      await rest(app, host, 'POST', `/rooms/${roomId}/lock`);
      expect(await socket.next()).toMatchObject({
        type: 'room.locked',
        data: { room: { isLocked: true } },
      });
      await rest(app, host, 'POST', `/rooms/${roomId}/unlock`);
      expect(await socket.next()).toMatchObject({ type: 'room.unlocked' });
      const carol = await quickUser(app, { displayName: 'Carol' });
      const participant = await join(app, carol, roomId);
      expect(await socket.next()).toMatchObject({
        type: 'participant.joined',
        data: { participant: { id: participant.id } },
      });
    });
  });
});
