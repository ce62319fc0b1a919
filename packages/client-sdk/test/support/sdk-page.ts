// The in-page half of the SDK's browser tests (test/support/sdk-browser.ts bundles it with the
// SDK's source and serves it to the test page). It runs a real `MediaSession` and exposes
// `globalThis.sdkTest` for `page.evaluate`; it reports media states and stats bodies through the
// `sdkEvent` binding the harness installs before the page loads.
import type { RoomSettings, StatsReportBody, UserSettings } from '@videoconf/protocol';
import { routeMediaThrough } from '../../../server/test/support/route-media.mjs';
import { effectiveJoinOptions, type MediaJoinRequest } from '../../src/conference/join-options';
import { MediaSession } from '../../src/conference/media';
import { ApiError } from '../../src/errors';

export type SdkEvent =
  | { type: 'state'; at: number; state: string }
  | { type: 'stats'; at: number; body: StatsReportBody }
  | { type: 'disconnected'; at: number; reason: string }
  | { type: 'error'; at: number; message: string };

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

const api = {
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
  async inboundVideo(): Promise<InboundVideoRecord[]> {
    const result: InboundVideoRecord[] = [];
    for (const participant of session?.room?.remoteParticipants.values() ?? []) {
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
  },

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
