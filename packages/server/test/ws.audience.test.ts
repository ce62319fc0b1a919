import { randomUUID } from 'node:crypto';
import {
  CLOSE_CODES,
  type Participant,
  type RoomEvent,
  type WaitingEntry,
} from '@videoconf/protocol';
import { describe, expect, it } from 'vitest';
import { hear, type Listener } from '../src/realtime/audience';

/** `hear()` alone: the audience rules and how events change a socket, case by case. */

const roomId = randomUUID();
const at = '2030-01-01T00:00:00.000Z';

const participant = (userId: string, patch: Partial<Participant> = {}): Participant => ({
  id: randomUUID(),
  roomId,
  userId,
  displayName: 'Someone',
  role: 'participant',
  joinedAt: at,
  leftAt: null,
  leaveReason: null,
  isKicked: false,
  livekitSid: null,
  ...patch,
});

const entry = (userId: string, status: WaitingEntry['status']): WaitingEntry => ({
  id: randomUUID(),
  roomId,
  userId,
  displayName: 'Knocker',
  status,
  requestedAt: at,
  decidedAt: null,
  decidedByUserId: null,
  reason: null,
});

const ev = (type: RoomEvent['type'], data: object): RoomEvent =>
  ({ type, roomId, at, data }) as RoomEvent;

const member = (patch: Partial<Listener> = {}): Listener => ({
  userId: randomUUID(),
  isHost: false,
  member: true,
  participantId: randomUUID(),
  role: 'participant',
  entryId: null,
  ...patch,
});

const waiting = (): Listener =>
  member({ member: false, participantId: null, role: null, entryId: randomUUID() });

describe('hear', () => {
  it('gives members room events and the lobby nothing but its own decisions and the end', () => {
    const someone = participant(randomUUID());
    const events = [
      ev('participant.joined', { participant: someone }),
      ev('participant.role_changed', { participant: someone }),
      ev('room.locked', { room: {} }),
      ev('chat.message', { message: { seq: 1 } }),
    ];
    for (const event of events) {
      expect(hear(member(), event), event.type).toEqual({ deliver: true });
      expect(hear(waiting(), event), event.type).toEqual({ deliver: false });
    }
    expect(hear(waiting(), ev('room.ended', { room: {} }))).toEqual({
      deliver: true,
      close: { code: CLOSE_CODES.ROOM_ENDED, reason: expect.any(String) },
    });
  });

  it('gives waiting.requested to the host and co-hosts only', () => {
    const knock = ev('waiting.requested', { entry: entry(randomUUID(), 'pending') });
    expect(hear(member({ isHost: true, participantId: null, role: null }), knock).deliver).toBe(
      true,
    );
    expect(hear(member({ role: 'co_host' }), knock).deliver).toBe(true);
    expect(hear(member(), knock).deliver).toBe(false);
    const self = waiting();
    expect(hear(self, ev('waiting.requested', { entry: entry(self.userId, 'pending') }))).toEqual({
      deliver: false,
    });
  });

  it('makes an approved waiting socket a member, and closes a rejected one 4403', () => {
    const approvedSocket = waiting();
    const approved = entry(approvedSocket.userId, 'approved');
    expect(hear(approvedSocket, ev('waiting.approved', { entry: approved }))).toEqual({
      deliver: true,
    });
    expect(approvedSocket).toMatchObject({ member: true, entryId: null, role: 'participant' });
    expect(hear(approvedSocket, ev('chat.message', { message: { seq: 1 } })).deliver).toBe(true);

    const rejectedSocket = waiting();
    expect(
      hear(
        rejectedSocket,
        ev('waiting.rejected', { entry: entry(rejectedSocket.userId, 'rejected') }),
      ),
    ).toEqual({
      deliver: true,
      close: { code: CLOSE_CODES.FORBIDDEN, reason: expect.any(String) },
    });

    // Another user's decision: moderators only.
    const other = entry(randomUUID(), 'approved');
    expect(hear(waiting(), ev('waiting.approved', { entry: other })).deliver).toBe(false);
    expect(hear(member(), ev('waiting.approved', { entry: other })).deliver).toBe(false);
    expect(
      hear(member({ role: 'co_host' }), ev('waiting.rejected', { entry: other })).deliver,
    ).toBe(true);
  });

  it('closes the kicked user after its event, and nobody else', () => {
    const victim = member();
    const kicked = participant(victim.userId, { id: victim.participantId!, isKicked: true });
    expect(hear(victim, ev('participant.kicked', { participant: kicked }))).toEqual({
      deliver: true,
      close: { code: CLOSE_CODES.FORBIDDEN, reason: expect.any(String) },
    });
    expect(hear(member(), ev('participant.kicked', { participant: kicked }))).toEqual({
      deliver: true,
    });
  });

  it('closes a participant that left 4403, keeps the host, and waits for the kick or end', () => {
    const leaver = member();
    const left = participant(leaver.userId, { id: leaver.participantId!, leaveReason: 'left' });
    expect(hear(leaver, ev('participant.left', { participant: left })).close?.code).toBe(
      CLOSE_CODES.FORBIDDEN,
    );

    const host = member({ isHost: true, role: 'host' });
    const hostLeft = participant(host.userId, { id: host.participantId!, role: 'host' });
    expect(hear(host, ev('participant.left', { participant: hostLeft }))).toEqual({
      deliver: true,
    });
    expect(host).toMatchObject({ member: true, participantId: null });

    const kickedFirst = member();
    const leftKicked = participant(kickedFirst.userId, {
      id: kickedFirst.participantId!,
      isKicked: true,
    });
    expect(hear(kickedFirst, ev('participant.left', { participant: leftKicked }))).toEqual({
      deliver: true,
    });
    expect(
      hear(kickedFirst, ev('participant.kicked', { participant: leftKicked })).close?.code,
    ).toBe(CLOSE_CODES.FORBIDDEN);

    // An older participant record of the same user (left before rejoining) is not this socket.
    const rejoined = member();
    const old = participant(rejoined.userId);
    expect(hear(rejoined, ev('participant.left', { participant: old }))).toEqual({ deliver: true });
    expect(rejoined.member).toBe(true);
  });

  it('follows role changes of its own participant', () => {
    const socket = member();
    const promoted = participant(socket.userId, { id: socket.participantId!, role: 'co_host' });
    hear(socket, ev('participant.role_changed', { participant: promoted }));
    expect(socket.role).toBe('co_host');
    const knock = ev('waiting.requested', { entry: entry(randomUUID(), 'pending') });
    expect(hear(socket, knock).deliver).toBe(true);
  });
});
