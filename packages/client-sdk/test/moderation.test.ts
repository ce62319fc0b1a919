import type { Participant, Room } from '@videoconf/protocol';
import { describe, expect, it } from 'vitest';
import { moderationOf } from '../src/index';

const person = (id: string, role: Participant['role']): Participant => ({
  id: `p-${id}`,
  roomId: 'r',
  userId: `u-${id}`,
  displayName: id,
  role,
  joinedAt: '2026-01-01T00:00:00.000Z',
  leftAt: null,
  leaveReason: null,
  isKicked: false,
  livekitSid: null,
});

const host = person('host', 'host');
const co = person('co', 'co_host');
const co2 = person('co2', 'co_host');
const guest = person('guest', 'participant');
const guest2 = person('guest2', 'participant');

describe('moderationOf: the server’s moderation rules, for a UI', () => {
  it('the host mutes and kicks anyone else, promotes participants and demotes co-hosts', () => {
    expect(moderationOf(host, guest)).toEqual({ mute: true, kick: true, setRole: 'co_host' });
    expect(moderationOf(host, co)).toEqual({ mute: true, kick: true, setRole: 'participant' });
  });

  it('a co-host mutes anyone else, kicks only participants, changes no role', () => {
    expect(moderationOf(co, guest)).toEqual({ mute: true, kick: true, setRole: null });
    expect(moderationOf(co, co2)).toEqual({ mute: true, kick: false, setRole: null });
    expect(moderationOf(co, host)).toEqual({ mute: true, kick: false, setRole: null });
  });

  it('a participant does nothing to others, and nobody acts on themselves', () => {
    const none = { mute: false, kick: false, setRole: null };
    expect(moderationOf(guest, guest2)).toEqual(none);
    expect(moderationOf(guest, host)).toEqual(none);
    expect(moderationOf(host, host)).toEqual(none);
    expect(moderationOf(co, { ...co })).toEqual(none);
    expect(moderationOf(null, guest)).toEqual(none);
  });

  it('the room’s host user is the host even in another role, by the room’s hostUserId', () => {
    const room = { hostUserId: 'u-co' } as Room;
    expect(moderationOf(guest2, co, room)).toEqual({ mute: false, kick: false, setRole: null });
    expect(moderationOf(co, guest, room)).toEqual({ mute: true, kick: true, setRole: 'co_host' });
    expect(moderationOf(host, co, room)).toEqual({ mute: true, kick: false, setRole: null });
  });
});
