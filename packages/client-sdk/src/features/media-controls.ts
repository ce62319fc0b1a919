import type { Conference } from '../conference/conference';
import { derived, type Store, writable } from '../store';

export interface ToggleState {
  enabled: boolean;
  /** A change is under way (the device opening, LiveKit answering). */
  pending: boolean;
}

export interface MediaControlsFeature {
  microphone: Store<ToggleState>;
  camera: Store<ToggleState>;
  screenShare: Store<ToggleState>;
  toggleMicrophone(): Promise<void>;
  toggleCamera(): Promise<void>;
  /** Rejects with `ApiError` 403 `FORBIDDEN` when the room lets only hosts share. */
  toggleScreenShare(): Promise<void>;
}

const same = (a: ToggleState, b: ToggleState) => a.enabled === b.enabled && a.pending === b.pending;

/**
 * Microphone, camera and screen share of the local person: `enabled` is what LiveKit publishes
 * (a host's remote mute shows as off), `pending` while a toggle is under way.
 */
export function setupMediaControls(conference: Conference): MediaControlsFeature {
  const pending = writable({ microphone: false, camera: false, screenShare: false });
  const local = derived([conference.mediaParticipants] as const, ([map]) =>
    [...map.values()].find((p) => p.isLocal),
  );
  type Kind = 'microphone' | 'camera' | 'screenShare';
  const enabledOf = {
    microphone: (p: ReturnType<typeof local.get>) => !!p && !p.audioMuted,
    camera: (p: ReturnType<typeof local.get>) => !!p && !p.videoMuted,
    screenShare: (p: ReturnType<typeof local.get>) => !!p?.screenTrack,
  };
  const store = (kind: Kind) =>
    derived(
      [local, pending] as const,
      ([p, busy]) => ({ enabled: enabledOf[kind](p), pending: busy[kind] }),
      same,
    );
  const stores = {
    microphone: store('microphone'),
    camera: store('camera'),
    screenShare: store('screenShare'),
  };
  const toggle = async (kind: Kind, set: (on: boolean) => Promise<void>) => {
    if (pending.get()[kind]) return;
    const on = !stores[kind].get().enabled;
    pending.update((p) => ({ ...p, [kind]: true }));
    try {
      await set(on);
    } finally {
      pending.update((p) => ({ ...p, [kind]: false }));
    }
  };
  return {
    ...stores,
    toggleMicrophone: () => toggle('microphone', (on) => conference.setMicrophoneEnabled(on)),
    toggleCamera: () => toggle('camera', (on) => conference.setCameraEnabled(on)),
    toggleScreenShare: () => toggle('screenShare', (on) => conference.setScreenShareEnabled(on)),
  };
}
