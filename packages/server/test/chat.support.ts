import type { Participant, RoomSettings } from '@videoconf/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { App } from '../src/http/types';

/**
 * Fixtures shared by the chat, stats and audit tests: the storages to run on (memory and a
 * PostgreSQL database of this test file) and a room set up the way users do it.
 */

export { storages } from './support/storages';

export type Caller = { auth: { authorization: string } } | null;
type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `call(who, method, '/rooms/…', body)` against `/api/v1`. */
export function caller(app: () => App) {
  return (who: Caller, method: Method, url: string, payload?: object) =>
    app().inject({
      method,
      url: `/api/v1${url}`,
      headers: who ? who.auth : {},
      ...(payload !== undefined && { payload }),
    });
}

export function expectStatus(res: LightMyRequestResponse, status: number) {
  expect(res.statusCode, res.body).toBe(status);
  return res.statusCode === 204 ? null : res.json();
}

type Member = { id: string; auth: { authorization: string } };

/** Rooms and participants set up through the API, as users do. */
export function rooms(app: () => App) {
  const call = caller(app);
  const hosts = new Map<string, Member>();
  const ok = async (res: Promise<LightMyRequestResponse>, what: string) => {
    const answer = await res;
    if (answer.statusCode >= 300) {
      throw new Error(`fixture: ${what} answered ${answer.statusCode} ${answer.body}`);
    }
    return answer.statusCode === 204 ? null : answer.json();
  };
  return {
    async create(
      host: Member,
      options: { settings?: Partial<RoomSettings>; password?: string } = {},
    ): Promise<string> {
      const room = await ok(
        call(host, 'POST', '/rooms', { title: 'Standup', ...options }),
        'create room',
      );
      hosts.set(room.id, host);
      return room.id as string;
    },

    /** Joins (the room has no waiting room); `co_host` is then granted by the room's host. */
    async join(
      who: Member,
      roomId: string,
      displayName: string,
      role: 'participant' | 'co_host' = 'participant',
    ): Promise<Participant> {
      const joined = await ok(call(who, 'POST', `/rooms/${roomId}/join`, { displayName }), 'join');
      if (joined.status !== 'joined') throw new Error(`fixture: join answered ${joined.status}`);
      if (role === 'participant') return joined.participant;
      const path = `/rooms/${roomId}/participants/${joined.participant.id}/role`;
      return ok(call(hosts.get(roomId) ?? null, 'PUT', path, { role }), 'promote');
    },

    async kick(host: Member, roomId: string, participantId: string) {
      await ok(
        call(host, 'POST', `/rooms/${roomId}/participants/${participantId}/kick`, {}),
        'kick',
      );
    },

    async leave(who: Member, roomId: string) {
      await ok(call(who, 'POST', `/rooms/${roomId}/leave`), 'leave');
    },

    async end(host: Member, roomId: string) {
      await ok(call(host, 'POST', `/rooms/${roomId}/end`), 'end');
    },

    async setChatEnabled(host: Member, roomId: string, chatEnabled: boolean) {
      await ok(
        call(host, 'PUT', `/rooms/${roomId}`, { settings: { chatEnabled } }),
        'chat setting',
      );
    },
  };
}
