// The media layer of a Conference: one LiveKit `Room`, its local tracks, the participants' media
// state and the periodic network stats. livekit-client is loaded only here, and only when a
// session connects (a dynamic import): REST and realtime users never load it.
import type { StatsReportBody } from '@videoconf/protocol';
import type {
  AudioCaptureOptions,
  LocalTrackPublication,
  Room,
  VideoCaptureOptions,
} from 'livekit-client';
import { ApiError } from '../errors';
import { type Store, writable } from '../store';
import { type MediaJoinOptions, VIDEO_QUALITY_RESOLUTION } from './join-options';
import {
  type LiveKitParticipantState,
  participantsOf,
  sameParticipants,
} from './participants-view';
import { networkScoreOf, StatsSampler } from './stats';

/** The media state a Conference shows (`unavailable`: the server has no media, or it failed). */
export type MediaState = 'connecting' | 'connected' | 'reconnecting' | 'off' | 'unavailable';

export type MediaDeviceKindName = 'audioinput' | 'videoinput' | 'audiooutput';

export interface MediaSessionOptions {
  /** Called with a `/rooms/:id/stats` body every `statsIntervalMs` while connected. */
  report?: (body: StatsReportBody) => unknown;
  /** Default 10 s. */
  statsIntervalMs?: number;
  /** A stats report that failed, or any other failure that is not the caller's own call. */
  onError?: (error: unknown) => void;
  /**
   * LiveKit ended the session (not on `disconnect()`): livekit-client's `DisconnectReason` name,
   * e.g. `PARTICIPANT_REMOVED` (kicked), `ROOM_DELETED` (ended), `DUPLICATE_IDENTITY`.
   */
  onDisconnected?: (reason: string) => void;
  /** A hook for tests: the `Room` right after it is created, before it connects. */
  onRoom?: (room: Room) => void;
}

type LiveKit = typeof import('livekit-client');

/**
 * One person's media in one room: connects a LiveKit `Room` with a media token
 * (`POST /rooms/:id/media/token`'s `url` and `token`), publishes the local tracks as
 * `MediaJoinOptions` says, and keeps `state` and `participants` up to date. LiveKit's own
 * reconnection brings the media back after a network loss (`state` goes `reconnecting`, then
 * `connected`) with the same token: no new REST join.
 */
export class MediaSession {
  readonly #state = writable<MediaState>('off');
  readonly #participants = writable<Map<string, LiveKitParticipantState>>(
    new Map(),
    sameParticipants,
  );
  #livekit: LiveKit | undefined;
  #room: Room | undefined;
  #stats: StatsSampler | undefined;
  #closing = false;

  /** `connecting` → `connected` ⇄ `reconnecting`; `off` after `disconnect()` or when LiveKit ends it. */
  readonly state: Store<MediaState> = this.#state.readonly;
  /** Everyone in the LiveKit room by identity (= our user id), the local participant included. */
  readonly participants: Store<Map<string, LiveKitParticipantState>> = this.#participants.readonly;

  constructor(private readonly options: MediaSessionOptions = {}) {}

  /** The LiveKit room, once `connect` was called. */
  get room(): Room | undefined {
    return this.#room;
  }

  /**
   * Connects with `url` and `token` and publishes the local tracks as `join` says. A failure to
   * connect leaves `state` `unavailable` and rejects; a device that cannot be opened (no camera,
   * permission refused) does not fail the connection: it is reported to `onError`.
   */
  async connect(url: string, token: string, join: MediaJoinOptions): Promise<void> {
    if (this.#room) throw new Error('MediaSession.connect: already connected once');
    this.#state.set('connecting');
    const livekit = await import('livekit-client');
    if (this.#closing) {
      // `disconnect()` came while livekit-client was loading: nothing was opened.
      this.#state.set('off');
      return;
    }
    this.#livekit = livekit;
    const { Room, RoomEvent, ConnectionState, DisconnectReason } = livekit;
    const resolution =
      join.camera.quality === 'auto' ? undefined : VIDEO_QUALITY_RESOLUTION[join.camera.quality];
    const room = new Room({
      // The tracks are handed out as `MediaStreamTrack`s, which an app may show without
      // livekit-client's `attach()`: adaptive streaming would then see no element and pause them.
      adaptiveStream: false,
      // Simulcast layers nobody watches are not sent.
      dynacast: true,
      audioCaptureDefaults: {
        ...(join.microphone.deviceId && { deviceId: join.microphone.deviceId }),
      },
      videoCaptureDefaults: {
        ...(join.camera.deviceId && { deviceId: join.camera.deviceId }),
        ...(resolution && { resolution }),
      },
      ...(join.speakerDeviceId && {
        audioOutput: { deviceId: join.speakerDeviceId },
      }),
      // Local tracks end with the session (camera and microphone lights go out).
      stopLocalTrackOnUnpublish: true,
    });
    this.#room = room;
    this.options.onRoom?.(room);

    const refresh = () => this.#participants.set(participantsOf(room));
    const mapped = (state: string): MediaState =>
      state === ConnectionState.Connected
        ? 'connected'
        : state === ConnectionState.Connecting
          ? 'connecting'
          : state === ConnectionState.Disconnected
            ? 'off'
            : 'reconnecting';
    room.on(RoomEvent.ConnectionStateChanged, (state) => {
      this.#state.set(mapped(state));
      if (state === ConnectionState.Connected) this.#stats?.start();
      else this.#stats?.stop();
    });
    room.on(RoomEvent.Disconnected, (reason) => {
      this.#stats?.stop();
      refresh();
      if (!this.#closing) {
        this.#releaseLocalTracks();
        this.options.onDisconnected?.(
          reason === undefined ? 'UNKNOWN_REASON' : (DisconnectReason[reason] ?? String(reason)),
        );
      }
    });
    for (const event of [
      RoomEvent.ParticipantConnected,
      RoomEvent.ParticipantDisconnected,
      RoomEvent.TrackPublished,
      RoomEvent.TrackUnpublished,
      RoomEvent.TrackSubscribed,
      RoomEvent.TrackUnsubscribed,
      RoomEvent.TrackMuted,
      RoomEvent.TrackUnmuted,
      RoomEvent.LocalTrackPublished,
      RoomEvent.LocalTrackUnpublished,
      RoomEvent.ActiveSpeakersChanged,
      RoomEvent.ConnectionQualityChanged,
      RoomEvent.Reconnected,
    ] as const) {
      room.on(event, refresh);
    }

    if (this.options.report) {
      this.#stats = new StatsSampler({
        collect: () => this.#peerStats(),
        networkScore: () => networkScoreOf(room.localParticipant.connectionQuality),
        report: this.options.report,
        onError: (error) => this.options.onError?.(error),
        ...(this.options.statsIntervalMs !== undefined && {
          intervalMs: this.options.statsIntervalMs,
        }),
      });
    }

    try {
      await room.connect(url, token);
    } catch (error) {
      this.#stats?.stop();
      // Cancelled by `disconnect()`: the caller left, nothing failed.
      if (this.#closing) return;
      this.#state.set('unavailable');
      throw error;
    }
    if (room.state === ConnectionState.Connected) {
      this.#state.set('connected');
      this.#stats?.start();
    }
    refresh();
    if (this.#closing) return;
    // One device that fails (none plugged in, permission refused) leaves the other working.
    const results = await Promise.allSettled([
      join.microphone.enabled ? this.setMicrophoneEnabled(true) : undefined,
      join.camera.enabled ? this.setCameraEnabled(true) : undefined,
    ]);
    for (const result of results) {
      if (result.status === 'rejected') this.options.onError?.(result.reason);
    }
    refresh();
  }

  /** Publishes (or mutes) the microphone. */
  async setMicrophoneEnabled(on: boolean, options?: AudioCaptureOptions): Promise<void> {
    await this.#publish('microphone', () =>
      this.#requireRoom().localParticipant.setMicrophoneEnabled(on, options),
    );
  }

  /** Publishes the camera, or stops it (the camera light goes out). */
  async setCameraEnabled(on: boolean, options?: VideoCaptureOptions): Promise<void> {
    await this.#publish('camera', () =>
      this.#requireRoom().localParticipant.setCameraEnabled(on, options),
    );
  }

  /**
   * Starts or stops sharing the screen. Where the room allows screen sharing to hosts only,
   * LiveKit refuses the others: that rejects with an `ApiError` `FORBIDDEN` (status 403) the
   * app can show. The user cancelling the browser's picker rejects with its `NotAllowedError`.
   */
  async setScreenShareEnabled(on: boolean): Promise<void> {
    await this.#publish('screen share', () =>
      this.#requireRoom().localParticipant.setScreenShareEnabled(on, { audio: false }),
    );
  }

  /** Uses another device; `audiooutput` changes where remote audio plays. */
  async switchDevice(kind: MediaDeviceKindName, deviceId: string): Promise<void> {
    const ok = await this.#requireRoom().switchActiveDevice(kind, deviceId, true);
    if (!ok) throw new Error(`could not switch the ${kind} to ${deviceId}`);
  }

  /**
   * Leaves the LiveKit room and stops every local track (camera and microphone released).
   * `state` becomes `off`; the session cannot connect again (make a new one).
   */
  async disconnect(): Promise<void> {
    this.#closing = true;
    this.#stats?.stop();
    const room = this.#room;
    if (!room) return;
    const tracks = this.#localPublications().flatMap((p) => (p.track ? [p.track] : []));
    await room.disconnect(true);
    for (const track of tracks) track.stop();
    this.#state.set('off');
    this.#participants.set(new Map());
  }

  /** The peer connections' stats (publisher and subscriber). */
  async #peerStats(): Promise<RTCStatsReport[]> {
    const pcManager = this.#room?.engine.pcManager;
    if (!pcManager) return [];
    const reports = await Promise.all(
      [pcManager.publisher, pcManager.subscriber].map((pc) => pc?.getStats()),
    );
    return reports.filter((r): r is RTCStatsReport => r !== undefined);
  }

  #localPublications(): LocalTrackPublication[] {
    return [...(this.#room?.localParticipant.trackPublications.values() ?? [])];
  }

  #releaseLocalTracks(): void {
    for (const publication of this.#localPublications()) publication.track?.stop();
  }

  #requireRoom(): Room {
    if (!this.#room || this.#closing) throw new Error('the media session is not connected');
    return this.#room;
  }

  async #publish(what: string, action: () => Promise<unknown>): Promise<void> {
    try {
      await action();
    } catch (error) {
      const livekit = this.#livekit;
      if (
        livekit &&
        error instanceof livekit.PublishTrackError &&
        (error as { status?: number }).status === 403
      ) {
        throw new ApiError(403, 'FORBIDDEN', `${what}: not allowed in this room`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}
