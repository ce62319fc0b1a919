import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ClaimGrants, TokenVerifier } from 'livekit-server-sdk';
import type { LivekitOptions } from '../../src/options';

/** The credentials every LiveKit test uses (a real `livekit-server --dev` uses devkey/secret). */
export const LIVEKIT_KEY = 'devkey';
export const LIVEKIT_SECRET = 'secret-of-at-least-32-characters-long!!';

export const livekitOptions = (
  url: string,
  extra: Partial<LivekitOptions> = {},
): LivekitOptions => ({ url, apiKey: LIVEKIT_KEY, apiSecret: LIVEKIT_SECRET, ...extra });

/** Verifies a LiveKit JWT (a media token or a RoomService bearer) with the test secret. */
export const verifyLivekitToken = (token: string): Promise<ClaimGrants> =>
  new TokenVerifier(LIVEKIT_KEY, LIVEKIT_SECRET).verify(token);

/** One Twirp request the fake received. */
export interface LivekitCall {
  /** e.g. `RemoveParticipant`. */
  method: string;
  /** e.g. `/twirp/livekit.RoomService/RemoveParticipant`. */
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: the JSON body as LiveKit's Twirp clients send it.
  body: any;
  /** The bearer token of the `Authorization` header, without `Bearer `. */
  bearer: string | null;
}

export interface FakeTrack {
  sid: string;
  type: 'AUDIO' | 'VIDEO';
  source?: 'CAMERA' | 'MICROPHONE' | 'SCREEN_SHARE' | 'SCREEN_SHARE_AUDIO';
  muted?: boolean;
}

export interface FakeLivekit {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  calls: LivekitCall[];
  callsTo(method: string): LivekitCall[];
  /** Makes `identity` a connected participant of `room` with these published tracks. */
  connect(room: string, identity: string, tracks?: FakeTrack[]): void;
  /** Whether `identity` is connected to `room`. */
  isConnected(room: string, identity: string): boolean;
  /** The tracks of a connected participant (to check which ones were muted). */
  tracksOf(room: string, identity: string): FakeTrack[];
  close(): Promise<void>;
}

interface FakeParticipant {
  identity: string;
  metadata: string;
  tracks: FakeTrack[];
  /** LiveKit's ParticipantPermission as JSON, once UpdateParticipant set it. */
  permission: Record<string, unknown> | null;
}

/**
 * A local HTTP server that answers LiveKit's RoomService Twirp API the way LiveKit does (JSON
 * bodies; `{code, msg}` errors with 404 `not_found`) and records every request it receives.
 * `mode: 'hang'` accepts requests and never answers, like a media server that stopped
 * responding.
 */
export async function startFakeLivekit(
  options: { mode?: 'answer' | 'hang' } = {},
): Promise<FakeLivekit> {
  const rooms = new Map<string, Map<string, FakeParticipant>>();
  const calls: LivekitCall[] = [];
  const room = (name: string) => {
    let participants = rooms.get(name);
    if (!participants) {
      participants = new Map();
      rooms.set(name, participants);
    }
    return participants;
  };
  const info = (p: FakeParticipant) => ({
    sid: `PA_${p.identity.slice(0, 8)}`,
    identity: p.identity,
    state: 'ACTIVE',
    metadata: p.metadata,
    tracks: p.tracks.map((t) => ({
      sid: t.sid,
      type: t.type,
      source: t.source ?? (t.type === 'AUDIO' ? 'MICROPHONE' : 'CAMERA'),
      muted: t.muted ?? false,
    })),
    ...(p.permission && { permission: p.permission }),
  });

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse, what: string) =>
    send(res, 404, { code: 'not_found', msg: `${what} not found` });

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const method = req.url?.split('/').pop() ?? '';
    const body = raw ? JSON.parse(raw) : {};
    const authorization = req.headers.authorization ?? null;
    calls.push({
      method,
      path: req.url ?? '',
      body,
      bearer: authorization?.startsWith('Bearer ') ? authorization.slice(7) : null,
    });
    if (options.mode === 'hang') return; // never answers
    if (!req.url?.startsWith('/twirp/livekit.RoomService/')) {
      send(res, 404, { code: 'bad_route', msg: 'no handler' });
      return;
    }
    const participant = rooms.get(body.room)?.get(body.identity);
    switch (method) {
      case 'DeleteRoom':
        rooms.delete(body.room);
        send(res, 200, {});
        return;
      case 'RemoveParticipant':
        if (!participant) return notFound(res, 'participant');
        rooms.get(body.room)?.delete(body.identity);
        send(res, 200, {});
        return;
      case 'GetParticipant':
        if (!participant) return notFound(res, 'participant');
        send(res, 200, info(participant));
        return;
      case 'MutePublishedTrack': {
        const track = participant?.tracks.find((t) => t.sid === body.trackSid);
        if (!participant || !track) return notFound(res, 'track');
        track.muted = body.muted === true;
        send(res, 200, { track: info(participant).tracks.find((t) => t.sid === track.sid) });
        return;
      }
      case 'UpdateParticipant':
        if (!participant) return notFound(res, 'participant');
        if (typeof body.metadata === 'string') participant.metadata = body.metadata;
        if (body.permission) participant.permission = body.permission;
        send(res, 200, info(participant));
        return;
      default:
        send(res, 404, { code: 'bad_route', msg: `no handler for ${method}` });
    }
  };

  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => handle(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    callsTo: (method) => calls.filter((call) => call.method === method),
    connect(name, identity, tracks = []) {
      room(name).set(identity, { identity, metadata: '', tracks, permission: null });
    },
    isConnected: (name, identity) => rooms.get(name)?.has(identity) ?? false,
    tracksOf: (name, identity) => rooms.get(name)?.get(identity)?.tracks ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A local port where nothing listens (connections are refused at once). */
export async function unusedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
