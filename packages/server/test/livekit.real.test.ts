// LiveKit's webhooks and our RoomService calls against a real LiveKit server (the pinned binary,
// test/support/livekit-server.ts). LiveKit itself posts the webhooks, signed with its key, to
// our server listening on loopback: the test never signs or sends an event.
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { createRoomAs, joinAs, type QuickUser, quickUser, testServer } from './support/app';
import { waitUntil } from './support/browser';
import {
  freeTcpPort,
  type LivekitServer,
  livekitBinary,
  livekitOptionsOf,
  startLivekit,
} from './support/livekit-server';
import { storages } from './support/storages';

const binary = livekitBinary();

interface Room {
  id: string;
  livekitRoomName: string;
  status: string;
}

describe.skipIf(!binary)('webhooks from a real LiveKit server, and rooms acted on in it', () => {
  // Our servers' ports come first: LiveKit's config names the webhook URLs. LiveKit posts every
  // event to every URL; each server ignores the rooms it does not know.
  const ports: number[] = [];
  let livekit: LivekitServer;
  let rooms: RoomServiceClient;
  beforeAll(async () => {
    ports.push(await freeTcpPort(), await freeTcpPort());
    livekit = await startLivekit(binary!, {
      webhookUrls: ports.map((port) => `http://127.0.0.1:${port}/api/v1/livekit/webhook`),
    });
    rooms = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
  });
  afterAll(() => livekit?.close());

  const livekitRoomNames = async () => (await rooms.listRooms()).map((room) => room.name);

  describe.each(storages())('on %s storage', (name, storage) => {
    let app: App;
    let host: QuickUser;
    beforeAll(async () => {
      app = testServer({
        storage: storage(),
        livekit: livekitOptionsOf(livekit),
      });
      await app.listen({ port: ports[name === 'memory' ? 0 : 1], host: '127.0.0.1' });
      host = await quickUser(app, { displayName: 'Hana Host' });
    });
    afterAll(() => app?.close());

    /** A room created and joined by the host through our API, and its LiveKit room. */
    const openRoom = async (): Promise<Room> => {
      const room: Room = await createRoomAs(app, host, { title: 'Real webhooks' });
      await joinAs(app, room.id, host);
      // The LiveKit room of that name, as a first client connecting would create it.
      await rooms.createRoom({ name: room.livekitRoomName, emptyTimeout: 300 });
      expect(await livekitRoomNames()).toContain(room.livekitRoomName);
      return room;
    };
    const getRoom = async (id: string) => {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/rooms/${id}`,
        headers: host.auth,
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };

    it('room_finished, posted by LiveKit when its room closes, ends our room', async () => {
      const room = await openRoom();
      await rooms.deleteRoom(room.livekitRoomName);

      const ended = await waitUntil(
        () => getRoom(room.id),
        (r) => r.status === 'ended',
        `our room ending on LiveKit's room_finished (LiveKit output:\n${livekit.output()})`,
        10_000,
      );
      expect(ended.actualEndAt).not.toBeNull();
      const audit = await app.videoconf.storage.listAudit({ roomId: room.id, limit: 20 });
      expect(audit.filter((e) => e.eventType === 'room_ended')).toEqual([
        expect.objectContaining({
          actorUserId: null,
          actorRole: 'livekit',
          payload: expect.objectContaining({
            participantsLeft: 1,
            livekitEventId: expect.stringMatching(/^EV_/),
          }),
        }),
      ]);
    });

    it('ending or deleting our room closes its LiveKit room', async () => {
      const ending = await openRoom();
      const end = await app.inject({
        method: 'POST',
        url: `/api/v1/rooms/${ending.id}/end`,
        headers: host.auth,
      });
      expect(end.statusCode, end.body).toBe(200);
      expect(await livekitRoomNames()).not.toContain(ending.livekitRoomName);

      const deleting = await openRoom();
      const del = await app.inject({
        method: 'DELETE',
        url: `/api/v1/rooms/${deleting.id}`,
        headers: host.auth,
      });
      expect(del.statusCode, del.body).toBe(204);
      expect(await livekitRoomNames()).not.toContain(deleting.livekitRoomName);

      // LiveKit's room_finished for the room we ended comes back and changes nothing more.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const audit = await app.videoconf.storage.listAudit({ roomId: ending.id, limit: 20 });
      expect(audit.filter((e) => e.eventType === 'room_ended')).toEqual([
        expect.objectContaining({ actorUserId: host.id }),
      ]);
    });
  });
});
