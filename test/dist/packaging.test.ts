// Black-box checks of what users install (test/dist/README.md): error codes raised inside the
// storage adapter must reach the client. The built package once bundled one ConferenceError per
// entry point, so on PostgreSQL (`@videoconf/server/sequelize`) the error handler of the main
// entry did not recognise the adapter's errors: EMAIL_TAKEN came out as CONFLICT, a spent invite
// as VALIDATION_ERROR, and concurrent joins overfilled a room.
import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { api } from './lib/http';
import { TARGET, uniqueEmail } from './lib/target';
import { newUser, PASSWORD } from './lib/users';
import { RoomSocket } from './lib/ws';

/** One request to the API of the target (`/api/v1…`). */
const call = (method: string, path: string, body?: unknown, token?: string) =>
  api(method, `/api/v1${path}`, { body, token });

describe(`packaging (${TARGET})`, () => {
  let host: string;

  beforeAll(async () => {
    host = (await newUser('packaging-host', 'Packaging host')).accessToken;
  });

  it('answers 409 EMAIL_TAKEN when an email registers twice', async () => {
    const address = uniqueEmail('packaging-twice');
    const body = { email: address, password: PASSWORD, displayName: 'Twice' };
    expect((await call('POST', '/auth/register', body)).status).toBe(201);
    const again = await call('POST', '/auth/register', { ...body, email: address.toUpperCase() });
    expect(again).toMatchObject({ status: 409, body: { code: 'EMAIL_TAKEN' } });
  });

  it('answers 404 INVITE_NOT_FOUND and 410 INVITE_EXHAUSTED for invites', async () => {
    const room = await call('POST', '/rooms', { title: 'Invites' }, host);
    expect(room.status).toBe(201);
    const invite = await call('POST', `/rooms/${room.body.id}/invite`, { maxUses: 1 }, host);
    expect(invite.status).toBe(201);
    const token = invite.body.token as string;
    expect((await call('POST', `/invites/${token}/redeem`, { displayName: 'One' })).status).toBe(
      200,
    );
    expect(await call('POST', `/invites/${token}/redeem`, { displayName: 'Two' })).toMatchObject({
      status: 410,
      body: { code: 'INVITE_EXHAUSTED' },
    });
    expect(
      await call('POST', `/invites/${randomBytes(24).toString('base64url')}/redeem`, {
        displayName: 'Nobody',
      }),
    ).toMatchObject({ status: 404, body: { code: 'INVITE_NOT_FOUND' } });
  });

  it('admits 5 of 20 concurrent joins into a room of 5 and refuses 15 with ROOM_FULL', async () => {
    const room = await call(
      'POST',
      '/rooms',
      { title: 'Five places', maxParticipants: 5, waitingRoomEnabled: false },
      host,
    );
    expect(room.status).toBe(201);
    const invite = await call('POST', `/rooms/${room.body.id}/invite`, { maxUses: 20 }, host);
    expect(invite.status).toBe(201);
    const guests: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const redeemed = await call('POST', `/invites/${invite.body.token}/redeem`, {
        displayName: `Guest ${i}`,
      });
      expect(redeemed.status).toBe(200);
      guests.push(redeemed.body.accessToken as string);
    }

    const answers = await Promise.all(
      guests.map((guest) => call('POST', `/rooms/${room.body.id}/join`, {}, guest)),
    );
    const tally: Record<string, number> = {};
    for (const { status, body } of answers) {
      const key = `${status} ${body.code ?? body.status}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    expect(tally).toEqual({ '200 joined': 5, '409 ROOM_FULL': 15 });
  });

  it('refuses chat in a room whose chat is off with CHAT_DISABLED, over REST and WebSocket', async () => {
    const room = await call(
      'POST',
      '/rooms',
      { title: 'Quiet', waitingRoomEnabled: false, settings: { chatEnabled: false } },
      host,
    );
    expect(room.status).toBe(201);
    const invite = await call('POST', `/rooms/${room.body.id}/invite`, { maxUses: 1 }, host);
    const redeemed = await call('POST', `/invites/${invite.body.token}/redeem`, {
      displayName: 'Quiet guest',
    });
    const guest = redeemed.body.accessToken as string;
    expect((await call('POST', `/rooms/${room.body.id}/join`, {}, guest)).status).toBe(200);

    const rest = await call(
      'POST',
      `/rooms/${room.body.id}/chat/messages`,
      { content: 'hi' },
      guest,
    );
    expect(rest).toMatchObject({ status: 403, body: { code: 'CHAT_DISABLED' } });

    const socket = await RoomSocket.open(room.body.id, guest);
    try {
      socket.send({ type: 'chat.send', clientMessageId: 'quiet-1', content: 'hi' });
      expect(await socket.event('error', 10_000)).toMatchObject({
        code: 'CHAT_DISABLED',
        clientMessageId: 'quiet-1',
      });
    } finally {
      socket.close();
    }
  });
});
