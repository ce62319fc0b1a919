// Media tokens against a real LiveKit server (the pinned binary, test/support/livekit-server.ts):
// LiveKit itself says whether it lets a token in, at its `/rtc/validate` endpoint, which checks
// a token exactly as a client's signalling connection does before it joins.
import jwt from 'jsonwebtoken';
import { AccessToken } from 'livekit-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import {
  admitToMedia,
  createRoomAs,
  joinAs,
  type QuickUser,
  quickUser,
  testServer,
} from './support/app';
import {
  type LivekitServer,
  livekitBinary,
  livekitOptionsOf,
  livekitVerdict,
  startLivekit,
} from './support/livekit-server';
import { storages } from './support/storages';

const binary = livekitBinary();

describe.skipIf(!binary)('media tokens checked by a real LiveKit server', () => {
  let livekit: LivekitServer;
  beforeAll(async () => {
    livekit = await startLivekit(binary!);
  });
  afterAll(() => livekit?.close());

  describe.each(storages())('on %s storage', (_name, storage) => {
    let app: App;
    let host: QuickUser;
    beforeAll(async () => {
      app = testServer({
        storage: storage(),
        livekit: livekitOptionsOf(livekit),
      });
      host = await quickUser(app, { displayName: 'Hana Host' });
    });
    afterAll(() => app?.close());

    const mediaToken = async () => {
      const room = await createRoomAs(app, host, { title: 'Real media' });
      return admitToMedia(app, room.id, host);
    };

    it('LiveKit accepts the media token of an admitted participant, at the URL we give', async () => {
      const { token, url } = await mediaToken();
      expect(url).toBe(livekit.url);
      expect(await livekitVerdict(livekit.httpUrl, token)).toBe(200);
    });

    it("LiveKit accepts the media token of a join's answer", async () => {
      const room = await createRoomAs(app, host, { title: 'Real media' });
      const { media } = await joinAs(app, room.id, host);
      expect(media.url).toBe(livekit.url);
      expect(await livekitVerdict(livekit.httpUrl, media.token)).toBe(200);
    });

    it('LiveKit refuses a token signed with another secret, and an expired one', async () => {
      const forged = new AccessToken(livekit.apiKey, 'another-secret-of-at-least-32-chars!!', {
        identity: host.id,
      });
      forged.addGrant({ room: 'vc-any', roomJoin: true });
      expect(await livekitVerdict(livekit.httpUrl, await forged.toJwt())).toBe(401);

      // LiveKit allows a minute of clock skew (protocol auth/verifier.go `tokenLeeway`): this
      // token expired two minutes ago.
      const now = Math.floor(Date.now() / 1000);
      const expired = jwt.sign(
        {
          sub: host.id,
          video: { room: 'vc-any', roomJoin: true },
          nbf: now - 600,
          exp: now - 120,
        },
        livekit.apiSecret,
        { issuer: livekit.apiKey },
      );
      expect(await livekitVerdict(livekit.httpUrl, expired)).toBe(401);
    });
  });
});
