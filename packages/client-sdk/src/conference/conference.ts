// The join flow of one person in one room, as a state machine over REST, the realtime
// connection and a LiveKit room (MediaSession). UI-free: UIs bind to its stores and the
// feature setups (setupChat, setupParticipants, ...), and call its actions.
import type {
  MediaToken,
  Participant,
  ParticipantRole,
  Room,
  UserSettings,
  WaitingEntry,
} from '@videoconf/protocol';
import type { Client } from '../client';
import { ApiError, isApiError } from '../errors';
import type {
  RealtimeConnection,
  RealtimeConnectionOptions,
  RealtimeEvents,
} from '../realtime/connection';
import { type Store, writable } from '../store';
import { type DeviceChoice, effectiveJoinOptions } from './join-options';
import { type MediaDeviceKindName, MediaSession, type MediaState } from './media';
import type { LiveKitParticipantState } from './participants-view';

/** Where a Conference is in its join flow. */
export type ConferenceState =
  | 'idle'
  | 'joining'
  | 'waiting'
  | 'connected'
  | 'reconnecting'
  | 'left'
  | 'kicked'
  | 'ended'
  | 'rejected'
  | 'error';

/** The states a Conference never leaves (`join()` again needs a new Conference). */
export const FINAL_STATES: readonly ConferenceState[] = [
  'left',
  'kicked',
  'ended',
  'rejected',
  'error',
];

export interface ConferenceOptions {
  /** The name others see; default: the user's own display name. */
  displayName?: string;
  /** The room's password, when it has one and the person has no redeemed invite. */
  password?: string;
  /** Microphone: on, off, or on with that device id. Default: the user's and the room's settings. */
  audio?: DeviceChoice;
  /** Camera: on, off, or on with that device id. Default: the user's and the room's settings. */
  video?: DeviceChoice;
  /** Where remote audio plays (an `audiooutput` device id). Default: the user's settings. */
  speaker?: string;
  /** Options of the realtime connection (e.g. `{ WebSocket }` from `ws` in Node 20). */
  realtime?: Omit<RealtimeConnectionOptions, 'server' | 'roomId'>;
  /** `false`: chat, lobby and participants only, no LiveKit connection. Default true. */
  media?: boolean;
  /** How often network stats are reported to `/rooms/:id/stats` while connected (default 10 s). */
  statsIntervalMs?: number;
}

/** What a Conference needs of the client: the groups of `createClient()`'s `Client` it calls. */
export type ConferenceClient = Pick<
  Client,
  'rooms' | 'users' | 'media' | 'waitingRoom' | 'participants' | 'stats' | 'chat' | 'realtime'
>;

/** The events of `conference.on()`. */
export interface ConferenceEvents {
  stateChanged: ConferenceState;
  participantJoined: Participant;
  participantLeft: Participant;
  kicked: Participant;
  ended: Room;
  error: ApiError;
}

/** The realtime events a feature setup can listen to through `conference.onRealtime()`. */
export type RealtimeEventMap = RealtimeEvents;

/** A handler that throws must not break the state machine (nor the other handlers). */
function safely<A>(fn: (arg: A) => void, arg: A): void {
  try {
    fn(arg);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

const asApiError = (error: unknown): ApiError =>
  isApiError(error)
    ? error
    : new ApiError(0, 'INTERNAL', error instanceof Error ? error.message : String(error), {
        cause: error,
      });

/**
 * One person in one room. `join()` runs the flow: the room and the user's settings are read,
 * `POST /rooms/:id/join` answers joined or waiting, the realtime connection opens, and once
 * admitted the media connects (unless `media: false`, or the server has none: then `media` is
 * `unavailable` and everything else works). Losing the network moves `state` to `reconnecting`
 * and back without a new REST join.
 */
export class Conference {
  readonly #state = writable<ConferenceState>('idle');
  readonly #self = writable<Participant | null>(null);
  readonly #room = writable<Room | null>(null);
  readonly #entry = writable<WaitingEntry | null>(null);
  readonly #participants = writable<Participant[]>([]);
  readonly #media = writable<MediaState>('off');
  readonly #mediaParticipants = writable<ReadonlyMap<string, LiveKitParticipantState>>(new Map());
  readonly #handlers = new Map<string, Set<(value: never) => void>>();
  readonly #realtimeHandlers = new Map<string, Set<(event: never) => void>>();
  #realtime: RealtimeConnection | null = null;
  readonly #wired = new Set<string>();
  #session: MediaSession | null = null;
  #settings: UserSettings | null = null;
  #error: ApiError | null = null;
  #stops: (() => void)[] = [];
  /** The subscriptions to the current media session's stores. */
  #sessionStops: (() => void)[] = [];
  #mediaRetries = 0;
  /** LiveKit dropped the session and a new one is on its way. */
  #mediaRecovering = false;
  #mediaTimer: ReturnType<typeof setTimeout> | undefined;
  #realtimeState: 'connecting' | 'open' | 'reconnecting' | 'closed' = 'closed';

  /** Where the join flow is; see `ConferenceState`. */
  readonly state: Store<ConferenceState> = this.#state.readonly;
  /** The person's participant once admitted. */
  readonly self: Store<Participant | null> = this.#self.readonly;
  /** The room, kept up to date by realtime events. */
  readonly room: Store<Room | null> = this.#room.readonly;
  /** The person's own waiting-room entry while in the lobby (then `null`). */
  readonly entry: Store<WaitingEntry | null> = this.#entry.readonly;
  /** The room's active participants (the contract's), kept up to date by realtime events. */
  readonly participants: Store<Participant[]> = this.#participants.readonly;
  /** The media connection: `unavailable` when the server has no media or it failed. */
  readonly media: Store<MediaState> = this.#media.readonly;
  /** Everyone in the LiveKit room by identity (= user id), the local participant included. */
  readonly mediaParticipants: Store<ReadonlyMap<string, LiveKitParticipantState>> =
    this.#mediaParticipants.readonly;

  constructor(
    /** The client this conference calls. */
    readonly client: ConferenceClient,
    readonly roomId: string,
    readonly options: ConferenceOptions = {},
  ) {}

  /** The failure that put the conference in `error`, or the last one reported by `error` events. */
  get error(): ApiError | null {
    return this.#error;
  }

  /** The realtime connection, once `join()` opened it (chat sends go through it). */
  get realtime(): RealtimeConnection | null {
    return this.#realtime;
  }

  /**
   * The media session while media is connected. Internal: left out of the published
   * declarations, which name no livekit-client type (so an app type-checks without
   * livekit-client's declarations and their own dependencies).
   * @internal
   */
  get mediaSession(): MediaSession | null {
    return this.#session;
  }

  /** Whether the person may moderate (host or co-host). */
  get isModerator(): boolean {
    const role = this.#self.get()?.role;
    return role === 'host' || role === 'co_host';
  }

  /** Subscribes to a conference event; returns the function that unsubscribes. */
  on<E extends keyof ConferenceEvents>(
    event: E,
    handler: (value: ConferenceEvents[E]) => void,
  ): () => void {
    return this.#subscribe(this.#handlers, event, handler);
  }

  /**
   * Subscribes to a realtime event of this room (`ready` included), across reconnects and before
   * the connection exists: what the feature setups build on.
   */
  onRealtime<T extends keyof RealtimeEventMap>(
    type: T,
    handler: (event: RealtimeEventMap[T]) => void,
  ): () => void {
    const stop = this.#subscribe(this.#realtimeHandlers, type, handler);
    this.#wire(type);
    return stop;
  }

  /** Runs the join flow. Resolves when admitted (`connected`) or in a final state. */
  async join(): Promise<void> {
    if (this.#state.get() !== 'idle') throw new Error('Conference.join: already joined once');
    this.#setState('joining');
    try {
      const [room, settings] = await Promise.all([
        this.client.rooms.get(this.roomId),
        // A user without settings (or a host app's principal) joins with the defaults.
        this.client.users.settings().catch(() => null),
      ]);
      this.#room.set(room);
      this.#settings = settings;
      const body = {
        ...(this.options.displayName !== undefined && { displayName: this.options.displayName }),
        ...(this.options.password !== undefined && { password: this.options.password }),
      };
      const answer = await this.client.rooms.join(this.roomId, body);
      if (this.#isFinal()) return;
      this.#connectRealtime();
      if (answer.status === 'waiting') {
        this.#entry.set(answer.entry);
        this.#setState('waiting');
        return;
      }
      await this.#admitted(answer.participant, answer.media);
    } catch (error) {
      this.#fail(error);
    }
  }

  /** Leaves the room (or the lobby), disconnects media and closes the realtime connection. */
  async leave(): Promise<void> {
    if (this.#isFinal()) return;
    const wasJoined = this.#self.get() !== null;
    this.#setState('left');
    await this.#teardown();
    if (wasJoined) {
      await this.client.rooms.leave(this.roomId).catch((error) => {
        // Already gone (kicked, the room ended, left from another tab): nothing to undo.
        if (!isApiError(error) || error.status >= 500 || error.status === 0) this.#report(error);
      });
    }
  }

  /** Ends the room for everyone (host). */
  async end(): Promise<void> {
    const room = await this.client.rooms.end(this.roomId);
    this.#ended(room);
  }

  /** Admits a person from the waiting room (host, co-host). */
  admit(entryId: string): Promise<unknown> {
    return this.client.waitingRoom.approve(this.roomId, entryId);
  }

  /** Turns a person in the waiting room away (host, co-host). */
  reject(entryId: string, reason?: string): Promise<unknown> {
    return this.client.waitingRoom.reject(this.roomId, entryId, reason ? { reason } : {});
  }

  /** Removes a participant from the room and its media (host, co-host). */
  kick(participantId: string, reason?: string): Promise<unknown> {
    return this.client.participants.kick(this.roomId, participantId, reason ? { reason } : {});
  }

  /** Mutes a participant's microphone or camera through LiveKit (host, co-host). */
  mute(participantId: string, kind: 'audio' | 'video'): Promise<unknown> {
    return this.client.participants.mute(this.roomId, participantId, { kind });
  }

  /** Makes a participant a co-host or a participant again (host). */
  setRole(participantId: string, role: Exclude<ParticipantRole, 'host'>): Promise<unknown> {
    return this.client.participants.setRole(this.roomId, participantId, { role });
  }

  /** Locks the room: nobody new may join (host, co-host). */
  async lock(): Promise<void> {
    this.#room.set(await this.client.rooms.lock(this.roomId));
  }

  /** Unlocks the room (host, co-host). */
  async unlock(): Promise<void> {
    this.#room.set(await this.client.rooms.unlock(this.roomId));
  }

  setMicrophoneEnabled(on: boolean): Promise<void> {
    return this.#requireSession().setMicrophoneEnabled(on);
  }

  setCameraEnabled(on: boolean): Promise<void> {
    return this.#requireSession().setCameraEnabled(on);
  }

  /** Shares the screen; refused with `ApiError` 403 `FORBIDDEN` when the room allows hosts only. */
  setScreenShareEnabled(on: boolean): Promise<void> {
    return this.#requireSession().setScreenShareEnabled(on);
  }

  switchDevice(kind: MediaDeviceKindName, deviceId: string): Promise<void> {
    return this.#requireSession().switchDevice(kind, deviceId);
  }

  // --- the flow ---

  /** `media`: the media token the join answered with (when the server has media). */
  async #admitted(participant: Participant, media?: MediaToken): Promise<void> {
    this.#entry.set(null);
    this.#self.set(participant);
    this.#upsertParticipant(participant);
    this.#setState('connected');
    this.#refreshParticipants();
    if (this.options.media === false) {
      this.#media.set('off');
      return;
    }
    // The join answers with a media token exactly when the server has a media server: without
    // one, asking `POST /media/token` would only hear `503 MEDIA_UNAVAILABLE` (a red line in
    // every embedding page's console).
    if (!media) {
      this.#media.set('unavailable');
      this.#syncReconnecting();
      return;
    }
    await this.#connectMedia(media);
  }

  /**
   * Connects the media with the join's token, or a new one. `retry`: LiveKit ended the previous
   * session (it gave up reconnecting after a long outage, or removed it): a refusal of the new
   * token (not a participant any more, the room ended) stops there, anything else is tried again.
   */
  async #connectMedia(answered?: MediaToken, retry = false): Promise<void> {
    this.#media.set(retry ? 'reconnecting' : 'connecting');
    this.#syncReconnecting();
    let token: MediaToken;
    try {
      // The join's answer carries the token when the server has media; else ask (it may say
      // MEDIA_UNAVAILABLE).
      token = answered ?? (await this.client.media.token(this.roomId));
    } catch (error) {
      if (this.#isFinal()) return;
      if (retry && (!isApiError(error) || error.status === 0 || error.status >= 500)) {
        this.#retryMedia();
        return;
      }
      this.#media.set(retry ? 'off' : 'unavailable');
      this.#mediaRecovering = false;
      this.#syncReconnecting();
      // No media backend is a configuration, not a failure to report.
      if (!isApiError(error, 'MEDIA_UNAVAILABLE')) this.#report(error);
      return;
    }
    if (this.#isFinal()) return;
    for (const stop of this.#sessionStops.splice(0)) stop();
    const session: MediaSession = new MediaSession({
      report: (body) => this.client.stats.report(this.roomId, body),
      ...(this.options.statsIntervalMs !== undefined && {
        statsIntervalMs: this.options.statsIntervalMs,
      }),
      onError: (error) => this.#report(error),
      onDisconnected: (reason) => this.#mediaLost(session, reason),
    });
    this.#session = session;
    this.#sessionStops.push(
      session.state.subscribe((state) => {
        this.#media.set(state);
        if (state === 'connected') {
          this.#mediaRetries = 0;
          this.#mediaRecovering = false;
        }
        this.#syncReconnecting();
      }),
      session.participants.subscribe((map) => this.#mediaParticipants.set(map)),
    );
    const join = retry
      ? this.#rejoinOptions()
      : effectiveJoinOptions(
          {
            ...(this.options.audio !== undefined && { audio: this.options.audio }),
            ...(this.options.video !== undefined && { video: this.options.video }),
          },
          this.#settings,
          this.#room.get()?.settings,
        );
    if (this.options.speaker) join.speakerDeviceId = this.options.speaker;
    try {
      await session.connect(token.url, token.token, join);
    } catch (error) {
      if (this.#isFinal() || session !== this.#session) return;
      if (retry) this.#retryMedia();
      else this.#report(error);
    }
  }

  /** LiveKit ended the media session on its own (not `leave()`): connect it again. */
  #mediaLost(session: MediaSession, reason: string): void {
    if (this.#isFinal() || session !== this.#session) return;
    if (reason === 'DUPLICATE_IDENTITY') {
      // The same person joined the media from another tab or device: that one keeps it.
      this.#media.set('off');
      this.#syncReconnecting();
      this.#report(new ApiError(409, 'CONFLICT', 'The media joined from another tab or device'));
      return;
    }
    // Kicked or ended: the realtime event usually arrives first; otherwise the new token says so.
    this.#mediaRecovering = true;
    this.#media.set('reconnecting');
    this.#syncReconnecting();
    this.#retryMedia();
  }

  /** The next media attempt, after 1 s, 2 s, 4 s ... up to 30 s. */
  #retryMedia(): void {
    if (this.#isFinal()) return;
    const delay = Math.min(30_000, 1000 * 2 ** this.#mediaRetries++);
    clearTimeout(this.#mediaTimer);
    this.#mediaTimer = setTimeout(() => void this.#connectMedia(undefined, true), delay);
  }

  /** Media options when connecting again: what the person had on, not the join's defaults. */
  #rejoinOptions() {
    const self = [...this.#mediaParticipants.get().values()].find((p) => p.isLocal);
    const first = effectiveJoinOptions(
      {
        ...(this.options.audio !== undefined && { audio: this.options.audio }),
        ...(this.options.video !== undefined && { video: this.options.video }),
      },
      this.#settings,
      this.#room.get()?.settings,
    );
    if (!self) return first;
    return {
      ...first,
      microphone: { ...first.microphone, enabled: !self.audioMuted },
      camera: { ...first.camera, enabled: !self.videoMuted },
    };
  }

  #connectRealtime(): void {
    const realtime = this.client.realtime(this.roomId, this.options.realtime);
    this.#realtime = realtime;
    this.#wired.clear();
    // The setups' handlers, registered before the connection existed.
    for (const type of this.#realtimeHandlers.keys()) this.#wire(type as keyof RealtimeEventMap);
    const on = <T extends keyof RealtimeEventMap>(
      type: T,
      handler: (event: RealtimeEventMap[T]) => void,
    ) => this.#stops.push(realtime.on(type, handler));

    on('ready', (ready) => {
      if (this.#state.get() === 'waiting') {
        // Decided before this socket was ready (or while it was away): the event was missed.
        if (ready.participant) this.#approved();
        else if (!ready.entry) this.#decidedWhileAway();
        return;
      }
      // After a reconnect: what may have changed while away.
      if (ready.participant) {
        this.#self.set(ready.participant);
        this.#refreshParticipants();
      }
    });
    on('participant.joined', ({ data }) => {
      this.#upsertParticipant(data.participant);
      this.#emit('participantJoined', data.participant);
    });
    on('participant.role_changed', ({ data }) => {
      this.#upsertParticipant(data.participant);
      if (data.participant.id === this.#self.get()?.id) this.#self.set(data.participant);
    });
    on('participant.left', ({ data }) => {
      this.#removeParticipant(data.participant);
      this.#emit('participantLeft', data.participant);
      // Left from another tab or device: this one is out too.
      if (data.participant.id === this.#self.get()?.id && !this.#isFinal()) {
        this.#setState('left');
        void this.#teardown();
      }
    });
    on('participant.kicked', ({ data }) => {
      this.#removeParticipant(data.participant);
      this.#emit('participantLeft', data.participant);
      if (data.participant.id === this.#self.get()?.id && !this.#isFinal()) {
        this.#setState('kicked');
        this.#emit('kicked', data.participant);
        void this.#teardown();
      }
    });
    on('waiting.approved', ({ data }) => {
      if (data.entry.id === this.#entry.get()?.id) this.#approved();
    });
    on('waiting.rejected', ({ data }) => {
      if (data.entry.id !== this.#entry.get()?.id || this.#isFinal()) return;
      this.#entry.set(data.entry);
      this.#setState('rejected');
      void this.#teardown();
    });
    for (const type of ['room.updated', 'room.locked', 'room.unlocked'] as const) {
      on(type, ({ data }) => this.#room.set(data.room));
    }
    on('room.ended', ({ data }) => this.#ended(data.room));

    this.#stops.push(
      realtime.state.subscribe((state) => {
        this.#realtimeState = state;
        if (state === 'closed') this.#realtimeClosed(realtime.closeCode);
        else this.#syncReconnecting();
      }),
    );
  }

  /** The connection stopped for good: the close code says why (docs/realtime.md). */
  /** Admitted from the lobby: joining again returns the participant the approval created. */
  #approved(): void {
    if (this.#state.get() !== 'waiting') return;
    this.#setState('joining');
    const body = this.options.displayName ? { displayName: this.options.displayName } : {};
    this.client.rooms
      .join(this.roomId, body)
      .then((answer) => {
        if (this.#isFinal()) return;
        if (answer.status === 'joined') return this.#admitted(answer.participant, answer.media);
        this.#entry.set(answer.entry);
        this.#setState('waiting');
      })
      .catch((error) => this.#fail(error));
  }

  /** The socket of a waiting person is ready without a pending entry: read what was decided. */
  #decidedWhileAway(): void {
    const entry = this.#entry.get();
    if (!entry) return;
    this.client.waitingRoom.get(this.roomId, entry.id).then(
      (decided) => {
        if (this.#state.get() !== 'waiting') return;
        this.#entry.set(decided);
        if (decided.status === 'approved') this.#approved();
        else if (decided.status !== 'pending') {
          this.#setState('rejected');
          void this.#teardown();
        }
      },
      (error) => this.#fail(error),
    );
  }

  /**
   * Turned away from the lobby without the `waiting.rejected` event reaching us: the decided
   * entry is read first, so that `entry` carries the host's reason as when the event arrives.
   */
  async #rejectedWhileAway(): Promise<void> {
    const entry = this.#entry.get();
    if (entry?.status === 'pending') {
      const decided = await this.client.waitingRoom.get(this.roomId, entry.id).catch(() => null);
      if (this.#isFinal()) return;
      if (decided?.status === 'rejected') this.#entry.set(decided);
    }
    this.#setState('rejected');
    void this.#teardown();
  }

  /** One dispatcher per event type on the current connection, calling the setups' handlers. */
  #wire(type: keyof RealtimeEventMap): void {
    const realtime = this.#realtime;
    if (!realtime || this.#wired.has(type)) return;
    this.#wired.add(type);
    this.#stops.push(
      realtime.on(type, (event) => {
        for (const handler of [...(this.#realtimeHandlers.get(type) ?? [])]) {
          safely(handler as (event: unknown) => void, event);
        }
      }),
    );
  }

  #realtimeClosed(code: number | null): void {
    if (this.#isFinal()) return;
    if (code === 4410) {
      // The room ended without its event reaching us (it ended while this socket was away).
      const room = this.#room.get();
      this.#ended(room && { ...room, status: 'ended' });
      return;
    }
    if (code === 4403) {
      // Kicked or rejected without the event reaching us (it was missed while away).
      const self = this.#self.get();
      if (this.#state.get() === 'waiting' || !self) {
        void this.#rejectedWhileAway();
        return;
      }
      this.#setState('kicked');
      this.#emit('kicked', self);
      void this.#teardown();
      return;
    }
    if (code === 4404) {
      this.#fail(new ApiError(404, 'ROOM_NOT_FOUND', 'The room was deleted'));
      return;
    }
    this.#fail(new ApiError(401, 'UNAUTHORIZED', `The realtime connection closed (${code})`));
  }

  #ended(room: Room | null): void {
    if (room) this.#room.set(room);
    if (this.#isFinal()) return;
    this.#setState('ended');
    if (room) this.#emit('ended', room);
    void this.#teardown();
  }

  /** `connected` ⇄ `reconnecting`, from the realtime connection and the media. */
  #syncReconnecting(): void {
    const state = this.#state.get();
    if (state !== 'connected' && state !== 'reconnecting') return;
    const away =
      this.#realtimeState === 'reconnecting' ||
      this.#media.get() === 'reconnecting' ||
      this.#mediaRecovering;
    this.#setState(away ? 'reconnecting' : 'connected');
  }

  #refreshParticipants(): void {
    this.client.participants.list(this.roomId).then(
      ({ items }) => {
        if (!this.#isFinal()) this.#participants.set(items);
      },
      (error) => this.#report(error),
    );
  }

  #upsertParticipant(participant: Participant): void {
    this.#participants.update((list) => {
      const at = list.findIndex((p) => p.id === participant.id);
      if (at === -1) return [...list, participant];
      const next = [...list];
      next[at] = participant;
      return next;
    });
  }

  #removeParticipant(participant: Participant): void {
    this.#participants.update((list) => list.filter((p) => p.id !== participant.id));
  }

  async #teardown(): Promise<void> {
    clearTimeout(this.#mediaTimer);
    for (const stop of this.#stops.splice(0)) stop();
    for (const stop of this.#sessionStops.splice(0)) stop();
    this.#realtime?.close();
    const session = this.#session;
    if (session) await session.disconnect().catch(() => undefined);
    this.#media.set(this.#media.get() === 'unavailable' ? 'unavailable' : 'off');
    this.#mediaParticipants.set(new Map());
  }

  #fail(error: unknown): void {
    if (this.#isFinal()) return;
    const apiError = asApiError(error);
    this.#error = apiError;
    this.#emit('error', apiError);
    // The refusals that say where the person stands get their own state.
    if (apiError.code === 'ROOM_ENDED') this.#setState('ended');
    else if (apiError.code === 'PARTICIPANT_KICKED') this.#setState('kicked');
    else this.#setState('error');
    void this.#teardown();
  }

  #report(error: unknown): void {
    const apiError = asApiError(error);
    this.#error = apiError;
    this.#emit('error', apiError);
  }

  #setState(state: ConferenceState): void {
    if (this.#state.get() === state) return;
    this.#state.set(state);
    this.#emit('stateChanged', state);
  }

  #isFinal(): boolean {
    return FINAL_STATES.includes(this.#state.get());
  }

  #requireSession(): MediaSession {
    if (!this.#session) {
      throw new ApiError(503, 'MEDIA_UNAVAILABLE', 'Media is not connected in this conference');
    }
    return this.#session;
  }

  #emit<E extends keyof ConferenceEvents>(event: E, value: ConferenceEvents[E]): void {
    for (const handler of [...(this.#handlers.get(event) ?? [])]) {
      safely(handler as (value: ConferenceEvents[E]) => void, value);
    }
  }

  #subscribe<H>(map: Map<string, Set<H>>, key: string, handler: unknown): () => void {
    const set = map.get(key) ?? new Set<H>();
    map.set(key, set);
    set.add(handler as H);
    return () => {
      set.delete(handler as H);
    };
  }
}
