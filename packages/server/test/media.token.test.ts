import { createHmac } from 'node:crypto';
import type { Participant, ParticipantRole } from '@videoconf/protocol';
import { AccessToken, TrackSource, type VideoGrant } from 'livekit-server-sdk';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hmacSha256, mediaTokenClaims, mediaTokenSigner } from '../src/media/livekit';
import { LIVEKIT_KEY, LIVEKIT_SECRET, verifyLivekitToken } from './support/livekit';

const IDENTITY = '5b8d2f52-6b0e-4d1b-8d6e-2f7f1d9b7c11';
const METADATA = JSON.stringify({ participantId: 'p1', role: 'participant' });
const sign = mediaTokenSigner(LIVEKIT_KEY, LIVEKIT_SECRET);

const video = (extra: Partial<VideoGrant> = {}): VideoGrant => ({
  room: 'vc-room',
  roomJoin: true,
  canPublish: true,
  canSubscribe: true,
  canPublishData: true,
  canPublishSources: [TrackSource.CAMERA, TrackSource.MICROPHONE],
  canUpdateOwnMetadata: false,
  hidden: false,
  roomAdmin: false,
  ...extra,
});

/** The same token through the SDK. */
const sdkToken = (name: string, grant: VideoGrant, metadata = METADATA) => {
  const token = new AccessToken(LIVEKIT_KEY, LIVEKIT_SECRET, {
    identity: IDENTITY,
    name,
    ttl: 600,
    metadata,
  });
  token.addGrant(grant);
  return token.toJwt();
};

const participant = (displayName: string, role: ParticipantRole = 'participant') =>
  ({ id: 'p1', userId: IDENTITY, displayName, role }) as Participant;

/** Ours: the claims `livekitMedia` gives a participant, signed. */
const ours = (
  name: string,
  { canShareScreen = true, roomAdmin = false, role = 'participant' as ParticipantRole } = {},
) =>
  sign(
    IDENTITY,
    mediaTokenClaims({
      roomName: 'vc-room',
      participant: participant(name, role),
      canShareScreen,
      roomAdmin,
    }),
    600,
  );

describe('LiveKit media tokens', () => {
  afterEach(() => vi.useRealTimers());

  it('are the bytes AccessToken.toJwt() makes', async () => {
    vi.useFakeTimers({ now: new Date('2030-06-01T12:00:00.250Z'), toFake: ['Date'] });
    const all = [
      TrackSource.CAMERA,
      TrackSource.MICROPHONE,
      TrackSource.SCREEN_SHARE,
      TrackSource.SCREEN_SHARE_AUDIO,
    ];
    const cases: Array<[string, Parameters<typeof ours>[1], VideoGrant, string?]> = [
      ['Alice «Ünïcødé» 🎥 "quoted" \\ \u0007', {}, video({ canPublishSources: all })],
      ['Bob', { roomAdmin: true }, video({ canPublishSources: all, roomAdmin: true })],
      ['Carol', { canShareScreen: false }, video()],
      [
        'Dan',
        { role: 'co_host' },
        video({ canPublishSources: all }),
        JSON.stringify({ participantId: 'p1', role: 'co_host' }),
      ],
    ];
    for (const [name, input, grant, metadata] of cases) {
      const signed = ours(name, input);
      expect(signed.jwt).toBe(await sdkToken(name, grant, metadata));
      expect(signed.exp).toBe(Date.parse('2030-06-01T12:10:00Z') / 1000);
    }
  });

  it('are signed with the HMAC of createHmac, for keys shorter and longer than a block', () => {
    for (const secret of ['k', 'x'.repeat(64), 'y'.repeat(65), 'ünïcødé-'.repeat(20)]) {
      const key = Buffer.from(secret, 'utf8');
      const hmac = hmacSha256(key);
      // Texts longer than the signer's buffer grow it; shorter ones after must not see the rest.
      for (const text of ['', 'a', 'é'.repeat(100), 'z'.repeat(1000), '€'.repeat(3000), 'b']) {
        expect(hmac(text)).toBe(createHmac('sha256', key).update(text).digest('base64url'));
      }
    }
  });

  it('verify with the SDK', async () => {
    const { jwt, exp } = ours('Alice', { canShareScreen: false });
    const claims = await verifyLivekitToken(jwt);
    expect(claims.sub).toBe(IDENTITY);
    expect(claims.name).toBe('Alice');
    expect(claims.metadata).toBe(METADATA);
    expect(claims.video?.canPublishSources).toEqual(['camera', 'microphone']);
    expect(claims.exp).toBe(exp);
  });
});
