// Our webhooks and moderation against a real LiveKit room with real participants: Chromium
// pages (fake camera and microphone, test/support/browser.ts) admitted through our REST API and
// connected with our media tokens to the pinned LiveKit binary, which posts its own webhooks to
// our server listening on loopback. What a participant sees is read from the other page.
import type { Participant as RoomParticipant } from '@videoconf/protocol';
import { RoomServiceClient, TrackSource } from 'livekit-server-sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { type QuickUser, quickUser, testServer } from './support/app';
import {
  chromiumBinary,
  launchBrowser,
  type NetworkLink,
  networkLink,
  openParticipant,
  type Participant,
  type TestBrowser,
  waitUntil,
} from './support/browser';
import {
  freeTcpPort,
  type LivekitServer,
  livekitBinary,
  livekitOptionsOf,
  startLivekit,
} from './support/livekit-server';
import { storages } from './support/storages';

const binary = livekitBinary();
const chromium = chromiumBinary();

interface Room {
  id: string;
  livekitRoomName: string;
}

describe.skipIf(!binary || !chromium)(
  'moderation on a real LiveKit room, seen by real browsers',
  () => {
    // Our servers' ports come first: LiveKit's config names the webhook URLs (each server ignores
    // the rooms of the other).
    const ports: number[] = [];
    let livekit: LivekitServer;
    let rooms: RoomServiceClient;
    let browser: TestBrowser;
    beforeAll(async () => {
      ports.push(await freeTcpPort(), await freeTcpPort());
      [livekit, browser] = await Promise.all([
        startLivekit(binary!, {
          webhookUrls: ports.map((port) => `http://127.0.0.1:${port}/api/v1/livekit/webhook`),
        }),
        launchBrowser(chromium!),
      ]);
      rooms = new RoomServiceClient(livekit.httpUrl, livekit.apiKey, livekit.apiSecret);
    });
    afterAll(async () => {
      await browser?.close();
      await livekit?.close();
    });

    describe.each(storages())('on %s storage', (name, storage) => {
      let app: App;
      let host: QuickUser;
      let alice: QuickUser;
      const open: Participant[] = [];
      beforeAll(async () => {
        app = testServer({
          storage: storage(),
          livekit: livekitOptionsOf(livekit),
        });
        await app.listen({ port: ports[name === 'memory' ? 0 : 1], host: '127.0.0.1' });
        [host, alice] = await Promise.all([
          quickUser(app, { displayName: 'Hana Host' }),
          quickUser(app, { displayName: 'Alice' }),
        ]);
      });
      afterEach(async () => {
        for (const page of open.splice(0)) await page.close();
      });
      afterAll(() => app?.close());

      const api = async (
        user: QuickUser,
        method: 'GET' | 'POST' | 'PUT',
        url: string,
        body?: object,
      ) =>
        app.inject({
          method,
          url: `/api/v1${url}`,
          headers: user.auth,
          ...(body !== undefined && { payload: body }),
        });

      /** A room with the host and Alice admitted through our API. */
      const roomWithAlice = async (
        settings: object = {},
      ): Promise<{ room: Room; aliceP: RoomParticipant }> => {
        const created = await api(host, 'POST', '/rooms', { title: 'Moderation', settings });
        expect(created.statusCode, created.body).toBe(201);
        const room: Room = created.json();
        for (const user of [host, alice]) {
          const join = await api(user, 'POST', `/rooms/${room.id}/join`);
          expect(join.statusCode, join.body).toBe(200);
        }
        const listed = await api(host, 'GET', `/rooms/${room.id}/participants`);
        const aliceP = listed.json().items.find((p: RoomParticipant) => p.userId === alice.id);
        return { room, aliceP };
      };
      const mediaToken = async (user: QuickUser, room: Room): Promise<string> => {
        const res = await api(user, 'POST', `/rooms/${room.id}/media/token`);
        expect(res.statusCode, res.body).toBe(200);
        return res.json().token;
      };
      /** A page connected to the room's LiveKit room with `token`, publishing camera and mic. */
      const connect = async (token: string): Promise<Participant> => {
        const page = await openParticipant(browser, { livekitUrl: livekit.url, token });
        open.push(page);
        return page;
      };
      const livekitIdentities = async (room: Room) =>
        (await rooms.listParticipants(room.livekitRoomName)).map((p) => p.identity);

      it('participant_joined records the LiveKit sid; leftAt is set when the media connection goes', async () => {
        const { room, aliceP } = await roomWithAlice();
        await connect(await mediaToken(host, room));
        const alicePage = await connect(await mediaToken(alice, room));

        const sid = (await rooms.getParticipant(room.livekitRoomName, alice.id)).sid;
        expect(sid).toMatch(/^PA_/);
        await waitUntil(
          async () => (await app.videoconf.storage.getParticipant(aliceP.id))?.livekitSid,
          (stored) => stored === sid,
          "Alice's livekitSid from LiveKit's participant_joined",
          10_000,
        );

        await alicePage.close();
        const left = await waitUntil(
          () => app.videoconf.storage.getParticipant(aliceP.id),
          (stored) => stored?.leftAt != null,
          "Alice's leftAt from LiveKit's participant_left",
          10_000,
        );
        expect(left).toMatchObject({
          leaveReason: 'disconnected',
          isKicked: false,
          livekitSid: sid,
        });
        const listed = await api(host, 'GET', `/rooms/${room.id}/participants`);
        expect(listed.json().items.map((p: RoomParticipant) => p.userId)).toEqual([host.id]);
      });

      it('kick disconnects the media participant, and a reconnect with its old token is removed within seconds', async () => {
        const { room, aliceP } = await roomWithAlice();
        const hostPage = await connect(await mediaToken(host, room));
        const oldToken = await mediaToken(alice, room);
        const alicePage = await connect(oldToken);
        const firstSession = (await rooms.getParticipant(room.livekitRoomName, alice.id)).sid;
        // Her first session is known to us (its participant_joined came) before the kick.
        await waitUntil(
          async () => (await app.videoconf.storage.getParticipant(aliceP.id))?.livekitSid,
          (sid) => sid === firstSession,
          "Alice's first session from LiveKit's participant_joined",
          10_000,
        );

        const kick = await api(host, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/kick`);
        expect(kick.statusCode, kick.body).toBe(204);
        await alicePage.waitForEvent(
          (e) => e.type === 'disconnected' && e.reason === 'PARTICIPANT_REMOVED',
          { what: 'removal by the kick', timeoutMs: 10_000 },
        );
        expect(await livekitIdentities(room)).toEqual([host.id]);

        // Open-source LiveKit does not revoke tokens: the old one still gets in, as a new
        // session. Its participant_joined reaches our server, which removes it again, so fast
        // (tens of ms here) that the host's page may never see it. LiveKit's own reports tell:
        // the join and the leave of that session, delivered to our webhook.
        const reconnecting = Date.now();
        // Not awaited: the removal comes while the page still sets up, and its publish then
        // fails only after livekit-client's own timeout. A page that fails closes itself.
        void connect(oldToken).catch(() => undefined);
        const removed = await waitUntil(
          async () =>
            (await app.videoconf.storage.listAudit({ roomId: room.id, limit: 50 })).filter(
              (e) => e.eventType === 'media_participant_removed',
            ),
          (entries) => entries.length > 0,
          `the reconnected session's removal (LiveKit output:\n${livekit.output().slice(-3000)})`,
          10_000,
        );
        const removedAfter = Date.now() - reconnecting;
        expect(removed).toEqual([
          expect.objectContaining({
            actorUserId: null,
            actorRole: 'livekit',
            payload: expect.objectContaining({ userId: alice.id, reason: 'kicked' }),
          }),
        ]);
        const session = removed[0]!.payload.livekitSid as string;
        expect(session).toMatch(/^PA_/);
        expect(session).not.toBe(firstSession);
        // LiveKit admitted that session (its participant_joined), then reported it gone.
        const { storage } = app.videoconf;
        const joined = await storage.findWebhookEvent({
          event: 'participant_joined',
          participantSid: session,
        });
        const left = await waitUntil(
          () => storage.findWebhookEvent({ event: 'participant_left', participantSid: session }),
          (event) => event !== null,
          "LiveKit's participant_left of the removed session",
          5_000,
        );
        expect(joined).not.toBeNull();
        // LiveKit's times are whole seconds.
        expect(Date.parse(left!.createdAt) - Date.parse(joined!.createdAt)).toBeLessThanOrEqual(
          2_000,
        );
        console.log(
          `[${name}] a kicked participant reconnecting with its old token was removed ` +
            `${removedAfter} ms after it started connecting`,
        );
        expect(await livekitIdentities(room)).toEqual([host.id]);
        // The host's page, if it saw the session at all, sees it go.
        await waitUntil(
          () => hostPage.state(),
          (state) => state.remote.length === 0,
          "the host's page without Alice",
          5_000,
        );
        // The kicked participant stays kicked, without the intruding session's sid.
        expect(await storage.getParticipant(aliceP.id)).toMatchObject({
          isKicked: true,
          leaveReason: 'kicked',
          livekitSid: firstSession,
        });
      });

      it('mute mutes the track as the other participant sees it', async () => {
        const { room, aliceP } = await roomWithAlice();
        const hostPage = await connect(await mediaToken(host, room));
        await connect(await mediaToken(alice, room));
        for (const kind of ['audio', 'video'] as const) {
          await hostPage.waitForEvent(
            (e) => e.type === 'trackSubscribed' && e.identity === alice.id && e.kind === kind,
            { what: `Alice's ${kind} track` },
          );
        }

        const since = Date.now();
        const mute = await api(host, 'POST', `/rooms/${room.id}/participants/${aliceP.id}/mute`, {
          kind: 'audio',
        });
        expect(mute.statusCode, mute.body).toBe(204);
        const muted = await hostPage.waitForEvent(
          (e) => e.type === 'trackMuted' && e.identity === alice.id,
          { since, what: "Alice's microphone muted", timeoutMs: 10_000 },
        );
        expect(muted).toMatchObject({ kind: 'audio', source: 'microphone' });
        const info = await rooms.getParticipant(room.livekitRoomName, alice.id);
        expect(info.tracks.map((t) => [t.source, t.muted])).toEqual(
          expect.arrayContaining([
            [TrackSource.MICROPHONE, true],
            [TrackSource.CAMERA, false],
          ]),
        );
        // Her camera goes on.
        expect(
          hostPage.events.filter(
            (e) => e.type === 'trackMuted' && e.identity === alice.id && e.kind === 'video',
          ),
        ).toEqual([]);
        const audit = await app.videoconf.storage.listAudit({ roomId: room.id, limit: 50 });
        expect(audit.find((e) => e.eventType === 'participant_muted')?.payload).toMatchObject({
          kind: 'audio',
          tracks: 1,
        });
      });

      it('screenShare "hosts": LiveKit does not let a participant share its screen until it is a co-host', async () => {
        const { room, aliceP } = await roomWithAlice({ screenShare: 'hosts' });
        const hostPage = await connect(await mediaToken(host, room));
        const alicePage = await connect(await mediaToken(alice, room));

        // The permission LiveKit holds for her, from our token: camera and microphone only.
        const before = await rooms.getParticipant(room.livekitRoomName, alice.id);
        expect(before.permission?.canPublishSources).toEqual([
          TrackSource.CAMERA,
          TrackSource.MICROPHONE,
        ]);
        await expect(alicePage.setScreenShare(true)).rejects.toThrow(/insufficient permissions/);
        // The host may.
        await hostPage.setScreenShare(true);
        await alicePage.waitForEvent(
          (e) =>
            e.type === 'trackSubscribed' && e.identity === host.id && e.source === 'screen_share',
          { what: "the host's screen share" },
        );
        const sources = async () =>
          (await rooms.getParticipant(room.livekitRoomName, alice.id)).tracks.map((t) => t.source);
        expect(await sources()).not.toContain(TrackSource.SCREEN_SHARE);

        // Made a co-host, she gets the permission from LiveKit at once, and shares.
        const role = await api(host, 'PUT', `/rooms/${room.id}/participants/${aliceP.id}/role`, {
          role: 'co_host',
        });
        expect(role.statusCode, role.body).toBe(200);
        await waitUntil(
          async () =>
            (await rooms.getParticipant(room.livekitRoomName, alice.id)).permission
              ?.canPublishSources ?? [],
          (allowed) => allowed.includes(TrackSource.SCREEN_SHARE),
          "LiveKit granting Alice's screen share",
          5_000,
        );
        await waitUntil(
          () =>
            alicePage.setScreenShare(true).then(
              () => true,
              () => false,
            ),
          (done) => done,
          'Alice sharing her screen as a co-host',
          5_000,
        );
        await hostPage.waitForEvent(
          (e) =>
            e.type === 'trackSubscribed' && e.identity === alice.id && e.source === 'screen_share',
          { what: "Alice's screen share" },
        );
        expect(await sources()).toContain(TrackSource.SCREEN_SHARE);
      });

      it('screenShare "hosts": a modified client that skips its own check is refused by the LiveKit server', async () => {
        const { room } = await roomWithAlice({ screenShare: 'hosts' });
        const hostPage = await connect(await mediaToken(host, room));
        const alicePage = await connect(await mediaToken(alice, room));
        // livekit-client's check skipped: the publish request reaches LiveKit, which answers
        // NOT_ALLOWED from the grants of our token.
        expect(await alicePage.screenShareIgnoringPermissions()).toEqual({ reason: 'NOT_ALLOWED' });
        const tracks = await rooms.getParticipant(room.livekitRoomName, alice.id);
        expect(tracks.tracks.map((t) => t.source)).not.toContain(TrackSource.SCREEN_SHARE);
        expect(
          hostPage.events.filter(
            (e) => e.type === 'trackSubscribed' && e.source === 'screen_share',
          ),
        ).toEqual([]);
      });

      // LiveKit's webhooks in the loop of a reconnection: the participant_left of a dropped
      // connection would make the participant leave, and then its next session would be
      // removed. A cut of a few seconds is resumed within the same session: nothing of that
      // happens. (Storage plays no part here: once is enough.)
      if (name !== 'memory') return;
      it('a participant whose network goes for a few seconds stays admitted and is not removed', async () => {
        const { room, aliceP } = await roomWithAlice();
        const hostPage = await connect(await mediaToken(host, room));
        const network: NetworkLink = await networkLink(livekit);
        try {
          const alicePage = await openParticipant(browser, {
            livekitUrl: livekit.url,
            token: await mediaToken(alice, room),
            network,
          });
          open.push(alicePage);
          const sid = (await rooms.getParticipant(room.livekitRoomName, alice.id)).sid;
          await waitUntil(
            async () => (await app.videoconf.storage.getParticipant(aliceP.id))?.livekitSid,
            (stored) => stored === sid,
            "Alice's session from LiveKit's participant_joined",
            10_000,
          );

          const cutAt = Date.now();
          network.cut();
          await alicePage.waitForEvent(
            (e) => e.type === 'signalReconnecting' || e.type === 'reconnecting',
            { since: cutAt, what: 'a reconnection attempt' },
          );
          await new Promise((resolve) => setTimeout(resolve, 4_000));
          network.restore();
          await alicePage.waitForEvent((e) => e.type === 'reconnected', {
            since: cutAt,
            timeoutMs: 20_000,
            what: 'its reconnection',
          });
          // Time for any webhook of the reconnection to arrive and be applied.
          await new Promise((resolve) => setTimeout(resolve, 2_000));
          expect(await app.videoconf.storage.getParticipant(aliceP.id)).toMatchObject({
            leftAt: null,
          });
          expect((await livekitIdentities(room)).sort()).toEqual([host.id, alice.id].sort());
          expect((await hostPage.state()).remote).toEqual([alice.id]);
          const audit = await app.videoconf.storage.listAudit({ roomId: room.id, limit: 50 });
          expect(audit.filter((e) => e.eventType === 'media_participant_removed')).toEqual([]);
        } finally {
          await network.close();
        }
      });
    });
  },
);
