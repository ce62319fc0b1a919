// The in-page half of the SDK's browser tests (test/support/sdk-browser.ts bundles it with the
// SDK's source and serves it to the test page). It runs a real `MediaSession` and exposes
// `globalThis.sdkTest` for `page.evaluate`; it reports media states and stats bodies through the
// `sdkEvent` binding the harness installs before the page loads.
import type { RoomSettings, StatsReportBody, UserSettings } from '@videoconf/protocol';
import type { Room } from 'livekit-client';
import { routeMediaThrough } from '../../../server/test/support/route-media.mjs';
import type { Conference, ConferenceOptions } from '../../src/conference/conference';
import { effectiveJoinOptions, type MediaJoinRequest } from '../../src/conference/join-options';
import { MediaSession } from '../../src/conference/media';
import { ApiError } from '../../src/errors';
import {
  type ChatFeature,
  type Client,
  createClient,
  type MediaControlsFeature,
  type ParticipantsFeature,
  setupChat,
  setupMediaControls,
  setupParticipants,
  setupWaitingRoom,
  type WaitingRoomFeature,
} from '../../src/index';

export type SdkEvent =
  | { type: 'state'; at: number; state: string }
  | { type: 'stats'; at: number; body: StatsReportBody }
  | { type: 'disconnected'; at: number; reason: string }
  | { type: 'error'; at: number; message: string }
  /** The Conference's own state (`state` events are its media's, as for a bare MediaSession). */
  | { type: 'conference'; at: number; state: string };

/** A whole Conference in the page: `createClient`, `client.conference()`, the feature setups. */
export interface ConferenceArgs {
  /** Our server's base URL as the page reaches it. */
  server: string;
  /** The person's access token. */
  token: string;
  roomId: string;
  options?: Omit<ConferenceOptions, 'realtime'>;
  /** Media through the test's cuttable link (`networkLink`)... */
  mediaPort?: number;
  /** ...and LiveKit's signalling too: every WebSocket and fetch to a key's origin goes to its value. */
  rewrite?: Record<string, string>;
}

export interface ConnectArgs {
  url: string;
  token: string;
  /** Media through the test's cuttable link (`networkLink`). */
  mediaPort?: number;
  request?: MediaJoinRequest;
  user?: Partial<UserSettings>;
  room?: Partial<RoomSettings>;
  statsIntervalMs?: number;
}

/** A participant as the page's store holds it, with tracks described (tracks do not serialise). */
export interface ParticipantRecord {
  identity: string;
  isLocal: boolean;
  isSpeaking: boolean;
  audioMuted: boolean;
  videoMuted: boolean;
  connectionQuality: string;
  videoTrack: { kind: string; readyState: string } | null;
  screenTrack: { kind: string; readyState: string } | null;
}

export interface InboundVideoRecord {
  identity: string;
  source: string;
  framesDecoded: number;
  frameWidth: number;
  frameHeight: number;
}

/** A failure as the test sees it. */
export interface Failure {
  error: { name: string; message: string; status?: number; code?: string };
}

const report = (event: SdkEvent) =>
  (globalThis as unknown as { sdkEvent?: (e: SdkEvent) => void }).sdkEvent?.(event);

let session: MediaSession | undefined;

/** The page's Conference and its setups (`conference()`). */
let conf:
  | {
      client: Client;
      conference: Conference;
      chat: ChatFeature;
      participants: ParticipantsFeature;
      waitingRoom: WaitingRoomFeature;
      controls: MediaControlsFeature;
      /** `POST /rooms/:id/join` requests the page's client made. */
      joins: number;
    }
  | undefined;

const outcome = async (action: () => Promise<unknown>): Promise<{ ok: true } | Failure> => {
  try {
    await action();
    return { ok: true };
  } catch (error) {
    const e = error as Error;
    return {
      error: {
        name: e.name,
        message: e.message,
        ...(error instanceof ApiError && { status: error.status, code: error.code }),
      },
    };
  }
};

const describeTrack = (track: MediaStreamTrack | null) =>
  track && { kind: track.kind, readyState: track.readyState };

/** Inbound video per remote track of `room`, from its receiver's `getStats()`. */
async function inboundVideoOf(room: Room | undefined): Promise<InboundVideoRecord[]> {
  const result: InboundVideoRecord[] = [];
  for (const participant of room?.remoteParticipants.values() ?? []) {
    for (const publication of participant.trackPublications.values()) {
      if (publication.kind !== 'video' || !publication.track) continue;
      const stats = await publication.track.getRTCStatsReport();
      let inbound: Record<string, number> | undefined;
      for (const stat of stats?.values() ?? []) if (stat.type === 'inbound-rtp') inbound = stat;
      result.push({
        identity: participant.identity,
        source: publication.source,
        framesDecoded: inbound?.framesDecoded ?? 0,
        frameWidth: inbound?.frameWidth ?? 0,
        frameHeight: inbound?.frameHeight ?? 0,
      });
    }
  }
  return result;
}

/** Sends every WebSocket and fetch to an origin of `map` to its value instead. */
function rewriteOrigins(map: Record<string, string>): void {
  const rewrite = (url: string) => {
    for (const [from, to] of Object.entries(map)) {
      if (url.startsWith(from)) return to + url.slice(from.length);
    }
    return url;
  };
  const NativeWebSocket = globalThis.WebSocket;
  globalThis.WebSocket = class extends NativeWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(rewrite(String(url)), protocols);
    }
  };
  const nativeFetch = globalThis.fetch;
  globalThis.fetch = (input, init) =>
    nativeFetch(
      typeof input === 'string' || input instanceof URL ? rewrite(String(input)) : input,
      init,
    );
}

const requireConf = () => {
  if (!conf) throw new Error('no conference in this page: call conference() first');
  return conf;
};

const api = {
  /** Creates the client, its Conference and every setup (not joined yet: `join()`). */
  conference(args: ConferenceArgs): { ok: true } {
    if (args.rewrite) rewriteOrigins(args.rewrite);
    if (args.mediaPort) routeMediaThrough(args.mediaPort);
    const client = createClient({
      server: args.server,
      token: args.token,
      fetch: (input, init) => {
        const url = String(input instanceof Request ? input.url : input);
        const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
        if (method === 'POST' && url.endsWith(`/rooms/${args.roomId}/join`) && conf) conf.joins++;
        return fetch(input, init);
      },
    });
    const conference = client.conference(args.roomId, {
      ...args.options,
      // A browser comes back within a second of the network (the default backoff is longer).
      realtime: { backoff: { initialMs: 100, maxMs: 1_000 } },
    });
    conference.state.subscribe((state) => report({ type: 'conference', at: Date.now(), state }));
    conference.media.subscribe((state) => report({ type: 'state', at: Date.now(), state }));
    conference.on('error', (error) =>
      report({ type: 'error', at: Date.now(), message: `${error.code}: ${error.message}` }),
    );
    conf = {
      client,
      conference,
      chat: setupChat(conference),
      participants: setupParticipants(conference),
      waitingRoom: setupWaitingRoom(conference),
      controls: setupMediaControls(conference),
      joins: 0,
    };
    return { ok: true };
  },

  /** `conference.join()`; resolves with the state it ended in. */
  async join(): Promise<string> {
    const { conference } = requireConf();
    await conference.join();
    return conference.state.get();
  },

  /** The Conference's state, its media, its error code, its own participant and entry ids. */
  conferenceState() {
    const { conference, joins } = requireConf();
    return {
      state: conference.state.get(),
      media: conference.media.get(),
      error: conference.error?.code ?? null,
      selfId: conference.self.get()?.id ?? null,
      entryStatus: conference.entry.get()?.status ?? null,
      joins,
    };
  },

  /** setupParticipants' list, tracks described. */
  participantList() {
    return requireConf()
      .participants.participants.get()
      .map((p) => ({
        id: p.id,
        userId: p.userId,
        displayName: p.displayName,
        isLocal: p.isLocal,
        audioMuted: p.audioMuted,
        videoMuted: p.videoMuted,
        videoTrack: describeTrack(p.videoTrack),
        audioTrack: describeTrack(p.audioTrack),
      }));
  },

  conferenceVideo: () => inboundVideoOf(requireConf().conference.mediaSession?.room),

  /** The connection state of the page's LiveKit room (`none` before media connected once). */
  mediaConnection: () => requireConf().conference.mediaSession?.room?.state ?? 'none',

  waitingEntries: () =>
    requireConf()
      .waitingRoom.entries.get()
      .map((e) => ({ id: e.id, displayName: e.displayName })),
  admit: (entryId: string) => outcome(() => requireConf().waitingRoom.admit(entryId)),
  reject: (entryId: string, reason?: string) =>
    outcome(() => requireConf().waitingRoom.reject(entryId, reason)),
  kick: (participantId: string) => outcome(() => requireConf().conference.kick(participantId)),
  end: () => outcome(() => requireConf().conference.end()),
  leave: () => outcome(() => requireConf().conference.leave()),

  microphone: () => requireConf().controls.microphone.get(),
  toggleMicrophone: () => outcome(() => requireConf().controls.toggleMicrophone()),

  /** setupChat's list. */
  chatMessages: () =>
    requireConf()
      .chat.messages.get()
      .map((m) => ({ id: m.id, seq: m.seq, content: m.content })),
  sendChat: (content: string) => outcome(() => requireConf().chat.send(content)),

  async connect(args: ConnectArgs): Promise<{ identity: string }> {
    if (args.mediaPort) routeMediaThrough(args.mediaPort);
    session = new MediaSession({
      report: (body) => report({ type: 'stats', at: Date.now(), body }),
      ...(args.statsIntervalMs !== undefined && { statsIntervalMs: args.statsIntervalMs }),
      onError: (error) =>
        report({ type: 'error', at: Date.now(), message: String((error as Error)?.message) }),
      onDisconnected: (reason) => report({ type: 'disconnected', at: Date.now(), reason }),
    });
    session.state.subscribe((state) => report({ type: 'state', at: Date.now(), state }));
    await session.connect(
      args.url,
      args.token,
      effectiveJoinOptions(args.request, args.user, args.room),
    );
    return { identity: session.room!.localParticipant.identity };
  },

  media: () => session?.state.get() ?? 'none',

  participants(): ParticipantRecord[] {
    return [...(session?.participants.get().values() ?? [])].map((p) => ({
      ...p,
      videoTrack: describeTrack(p.videoTrack),
      screenTrack: describeTrack(p.screenTrack),
    }));
  },

  /** Inbound video per remote track, from its receiver's `getStats()`. */
  inboundVideo: () => inboundVideoOf(session?.room),

  /** Every camera, microphone and screen track the page opened (see `opened`), and its state. */
  localTracks(): {
    kind: string;
    deviceId?: string;
    readyState: string;
    width?: number;
    height?: number;
  }[] {
    return opened.map((t) => {
      const { width, height, deviceId } = t.getSettings();
      return {
        kind: t.kind,
        deviceId,
        readyState: t.readyState,
        ...(t.kind === 'video' && { width, height }),
      };
    });
  },

  /** The capture devices the browser lists (Chromium's fake ones under the harness's flags). */
  async devices(): Promise<{ kind: string; deviceId: string; label: string }[]> {
    return (await navigator.mediaDevices.enumerateDevices()).map(({ kind, deviceId, label }) => ({
      kind,
      deviceId,
      label,
    }));
  },

  setMicrophoneEnabled: (on: boolean) => outcome(() => session!.setMicrophoneEnabled(on)),
  setCameraEnabled: (on: boolean) => outcome(() => session!.setCameraEnabled(on)),
  setScreenShareEnabled: (on: boolean) => outcome(() => session!.setScreenShareEnabled(on)),
  switchDevice: (kind: 'audioinput' | 'videoinput', deviceId: string) =>
    outcome(() => session!.switchDevice(kind, deviceId)),

  async disconnect(): Promise<void> {
    await session?.disconnect();
  },
};

/**
 * Every track the page got from the browser's capture APIs, whoever asked (livekit-client,
 * the SDK): so a test sees whether each one was released, not only those the SDK still knows.
 */
const opened: MediaStreamTrack[] = [];
for (const name of ['getUserMedia', 'getDisplayMedia'] as const) {
  const devices = navigator.mediaDevices;
  const original = devices[name].bind(devices);
  devices[name] = async (constraints?: MediaStreamConstraints) => {
    const stream = await original(constraints);
    opened.push(...stream.getTracks());
    return stream;
  };
}

export type SdkPage = typeof api;
(globalThis as unknown as { sdkTest: SdkPage }).sdkTest = api;
