import { createSecretKey } from 'node:crypto';
import { AccessToken, type ClaimGrants, TrackSource, type VideoGrant } from 'livekit-server-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signMediaToken } from '../src/media/livekit';
import { LIVEKIT_KEY, LIVEKIT_SECRET, verifyLivekitToken } from './support/livekit';

const key = createSecretKey(Buffer.from(LIVEKIT_SECRET));
const IDENTITY = '5b8d2f52-6b0e-4d1b-8d6e-2f7f1d9b7c11';
const METADATA = JSON.stringify({ participantId: 'p1', role: 'participant' });

const video = (extra: Partial<VideoGrant> = {}): VideoGrant => ({
  room: 'vc-room',
  roomJoin: true,
  canPublish: true,
  canSubscribe: true,
  canPublishData: true,
  canPublishSources: [TrackSource.CAMERA, TrackSource.MICROPHONE, TrackSource.SCREEN_SHARE],
  canUpdateOwnMetadata: false,
  hidden: false,
  roomAdmin: false,
  ...extra,
});

/** The same token through the SDK. */
const sdkToken = (name: string, grant: VideoGrant) => {
  const token = new AccessToken(LIVEKIT_KEY, LIVEKIT_SECRET, {
    identity: IDENTITY,
    name,
    ttl: 600,
    metadata: METADATA,
  });
  token.addGrant(grant);
  return token.toJwt();
};
const ours = (name: string, grant: VideoGrant) => {
  const grants: ClaimGrants = { metadata: METADATA, name, video: grant };
  return signMediaToken(IDENTITY, grants, LIVEKIT_KEY, key, 600);
};

describe('LiveKit media tokens', () => {
  afterEach(() => vi.useRealTimers());

  it('are the bytes AccessToken.toJwt() makes', async () => {
    vi.useFakeTimers({ now: new Date('2030-06-01T12:00:00.250Z'), toFake: ['Date'] });
    const cases: Array<[string, VideoGrant]> = [
      ['Alice «Ünïcødé» 🎥 "quoted"', video()],
      ['Bob', video({ roomAdmin: true })],
      ['Carol', video({ canPublishSources: [TrackSource.CAMERA, TrackSource.MICROPHONE] })],
    ];
    for (const [name, grant] of cases) {
      const signed = ours(name, video(grant));
      expect(signed.jwt).toBe(await sdkToken(name, video(grant)));
      expect(signed.exp).toBe(Date.parse('2030-06-01T12:10:00Z') / 1000);
    }
  });

  it('verify with the SDK', async () => {
    const { jwt, exp } = ours('Alice', video());
    const claims = await verifyLivekitToken(jwt);
    expect(claims.sub).toBe(IDENTITY);
    expect(claims.name).toBe('Alice');
    expect(claims.metadata).toBe(METADATA);
    expect(claims.video?.canPublishSources).toEqual(['camera', 'microphone', 'screen_share']);
    expect(claims.exp).toBe(exp);
  });
});
