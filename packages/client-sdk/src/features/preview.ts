// The pre-join preview: the person's camera and microphone before they enter a room, with the
// rules of how they will enter (the user's and the room's settings). Browser only
// (`navigator.mediaDevices`); it needs no livekit-client: plain `getUserMedia` tracks.
import type { RoomSettings, UserSettings } from '@videoconf/protocol';
import { type DeviceChoice, effectiveJoinOptions } from '../conference/join-options';
import type { MediaDeviceKindName } from '../conference/media';
import { type Store, writable } from '../store';

export interface PreviewOptions {
  /** What the caller asks for (as `ConferenceOptions.audio`); default: the settings decide. */
  audio?: DeviceChoice;
  /** What the caller asks for (as `ConferenceOptions.video`); default: the settings decide. */
  video?: DeviceChoice;
  /** The user's settings (`client.users.settings()`): `muteMicOnJoin`, `disableCameraOnJoin`, default devices. */
  user?: Partial<UserSettings> | null;
  /** The room's settings (`room.settings`): `muteOnJoin`, `cameraOffOnJoin`. */
  room?: Partial<RoomSettings> | null;
  /** How often `level` is measured (default 100 ms). */
  levelIntervalMs?: number;
}

/** The device chosen per kind (`undefined`: the browser's default). */
export interface PreviewDevices {
  audioinput?: string;
  videoinput?: string;
  audiooutput?: string;
}

export interface PreviewFeature {
  /** The live camera track while the camera is on, else `null`. */
  videoTrack: Store<MediaStreamTrack | null>;
  /** The live microphone track while the microphone is on, else `null`. */
  audioTrack: Store<MediaStreamTrack | null>;
  /** The microphone's level, 0 (silence or off) to 1, measured every `levelIntervalMs`. */
  level: Store<number>;
  /** The browser's cameras, microphones and speakers (labels once a device was opened). */
  devices: Store<MediaDeviceInfo[]>;
  /** The devices chosen (`select`), with the user's default devices to begin with. */
  selected: Store<PreviewDevices>;
  /** Whether the person enters with the camera on; starts from the settings. */
  cameraEnabled: Store<boolean>;
  /** Whether the person enters with the microphone on; starts from the settings. */
  microphoneEnabled: Store<boolean>;
  /** The last device failure (none plugged in, permission refused), else `null`. */
  error: Store<Error | null>;
  /** Whether the browser can choose where audio plays (`HTMLMediaElement.setSinkId`). */
  readonly speakerSelectable: boolean;
  /** Opens the tracks the on/off state asks for and lists the devices. */
  start(): Promise<void>;
  /** Uses another device for `kind` (re-opens that track when it is on). */
  select(kind: MediaDeviceKindName, deviceId: string): Promise<void>;
  setCameraEnabled(on: boolean): Promise<void>;
  setMicrophoneEnabled(on: boolean): Promise<void>;
  /**
   * What to pass to `client.conference(room, { audio, video })`: `false` when off, the chosen
   * device id (or `true`) when on. The room's `muteOnJoin` / `cameraOffOnJoin` still apply.
   */
  joinOptions(): { audio: DeviceChoice; video: DeviceChoice; speakerDeviceId?: string };
  /** Ends every track it opened (camera and microphone lights go out) and stops listening. */
  stop(): void;
}

/**
 * The pre-join preview of the camera and microphone. On/off start from the same rules as a join
 * (`effectiveJoinOptions`: the caller's choice, the room's `muteOnJoin` / `cameraOffOnJoin`, the
 * user's `muteMicOnJoin` / `disableCameraOnJoin`), so what the preview shows is how the person
 * enters. Call `start()`, show `videoTrack` and `level`, then `stop()` right before joining with
 * `joinOptions()`: the conference opens its own tracks.
 */
export function createPreview(options: PreviewOptions = {}): PreviewFeature {
  const media = globalThis.navigator?.mediaDevices;
  const initial = effectiveJoinOptions(
    {
      ...(options.audio !== undefined && { audio: options.audio }),
      ...(options.video !== undefined && { video: options.video }),
    },
    options.user,
    options.room,
  );
  const videoTrack = writable<MediaStreamTrack | null>(null);
  const audioTrack = writable<MediaStreamTrack | null>(null);
  const level = writable(0);
  const devices = writable<MediaDeviceInfo[]>([]);
  const selected = writable<PreviewDevices>({
    ...(initial.microphone.deviceId && { audioinput: initial.microphone.deviceId }),
    ...(initial.camera.deviceId && { videoinput: initial.camera.deviceId }),
    ...(initial.speakerDeviceId && { audiooutput: initial.speakerDeviceId }),
  });
  const cameraEnabled = writable(initial.camera.enabled);
  const microphoneEnabled = writable(initial.microphone.enabled);
  const error = writable<Error | null>(null);
  let stopped = false;
  let started = false;
  /** Bumped per (re)open of a kind, so an older getUserMedia that resolves late is dropped. */
  const opening = { audio: 0, video: 0 };
  let audioContext: AudioContext | null = null;
  let levelTimer: ReturnType<typeof setInterval> | undefined;

  const refreshDevices = async () => {
    if (!media?.enumerateDevices || stopped) return;
    devices.set(await media.enumerateDevices());
  };
  const onDeviceChange = () => void refreshDevices().catch(() => undefined);

  const stopLevel = () => {
    clearInterval(levelTimer);
    levelTimer = undefined;
    void audioContext?.close().catch(() => undefined);
    audioContext = null;
    level.set(0);
  };

  const measure = (track: MediaStreamTrack) => {
    stopLevel();
    const Context = globalThis.AudioContext;
    if (!Context) return;
    const context = new Context();
    audioContext = context;
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    // A context made without a user gesture may start suspended.
    void context.resume().catch(() => undefined);
    levelTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      const rms = Math.sqrt(sum / samples.length);
      // Speech sits around 0.05–0.3 RMS: scaled so that a normal voice fills most of the meter.
      level.set(Math.min(1, Math.round(rms * 400) / 100));
    }, options.levelIntervalMs ?? 100);
  };

  const release = (kind: 'audio' | 'video') => {
    opening[kind]++;
    const store = kind === 'audio' ? audioTrack : videoTrack;
    store.get()?.stop();
    store.set(null);
    if (kind === 'audio') stopLevel();
  };

  const open = async (kind: 'audio' | 'video') => {
    release(kind);
    if (!media?.getUserMedia) {
      error.set(new Error('This browser cannot open a camera or a microphone'));
      return;
    }
    const mine = opening[kind];
    const deviceId = selected.get()[kind === 'audio' ? 'audioinput' : 'videoinput'];
    const constraints = deviceId ? { deviceId: { exact: deviceId } } : true;
    try {
      const stream = await media.getUserMedia(
        kind === 'audio' ? { audio: constraints } : { video: constraints },
      );
      const [track] = kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks();
      if (!track) return;
      if (stopped || mine !== opening[kind]) {
        track.stop();
        return;
      }
      error.set(null);
      (kind === 'audio' ? audioTrack : videoTrack).set(track);
      if (kind === 'audio') measure(track);
    } catch (cause) {
      if (stopped || mine !== opening[kind]) return;
      error.set(cause instanceof Error ? cause : new Error(String(cause)));
      return;
    }
    await refreshDevices().catch(() => undefined);
  };

  return {
    videoTrack: videoTrack.readonly,
    audioTrack: audioTrack.readonly,
    level: level.readonly,
    devices: devices.readonly,
    selected: selected.readonly,
    cameraEnabled: cameraEnabled.readonly,
    microphoneEnabled: microphoneEnabled.readonly,
    error: error.readonly,
    speakerSelectable:
      typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype,
    async start() {
      if (started || stopped) return;
      started = true;
      media?.addEventListener?.('devicechange', onDeviceChange);
      await Promise.all([
        cameraEnabled.get() ? open('video') : undefined,
        microphoneEnabled.get() ? open('audio') : undefined,
      ]);
      await refreshDevices().catch(() => undefined);
    },
    async select(kind, deviceId) {
      selected.update((s) => ({ ...s, [kind]: deviceId }));
      if (!started || stopped) return;
      if (kind === 'videoinput' && cameraEnabled.get()) await open('video');
      if (kind === 'audioinput' && microphoneEnabled.get()) await open('audio');
    },
    async setCameraEnabled(on) {
      cameraEnabled.set(on);
      if (!started || stopped) return;
      if (on) await open('video');
      else release('video');
    },
    async setMicrophoneEnabled(on) {
      microphoneEnabled.set(on);
      if (!started || stopped) return;
      if (on) await open('audio');
      else release('audio');
    },
    joinOptions() {
      const chosen = selected.get();
      return {
        audio: microphoneEnabled.get() ? chosen.audioinput || true : false,
        video: cameraEnabled.get() ? chosen.videoinput || true : false,
        ...(chosen.audiooutput && { speakerDeviceId: chosen.audiooutput }),
      };
    },
    stop() {
      if (stopped) return;
      stopped = true;
      media?.removeEventListener?.('devicechange', onDeviceChange);
      release('audio');
      release('video');
    },
  };
}
