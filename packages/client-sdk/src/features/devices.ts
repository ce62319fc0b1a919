import type { Conference } from '../conference/conference';
import type { MediaDeviceKindName } from '../conference/media';
import { type Store, writable } from '../store';

export interface ActiveDevices {
  audioinput?: string;
  videoinput?: string;
  audiooutput?: string;
}

export interface DevicesFeature {
  /** The browser's cameras, microphones and speakers (labels once permission was given). */
  devices: Store<MediaDeviceInfo[]>;
  /** The device id in use per kind, when known. */
  active: Store<ActiveDevices>;
  /** Switches to a device; the conference keeps using it for the rest of the call. */
  select(kind: MediaDeviceKindName, deviceId: string): Promise<void>;
  /** Lists the devices again (also done on every `devicechange`). */
  refresh(): Promise<void>;
  /** Stops listening to device changes. */
  dispose(): void;
}

/** Device lists and selection; in a browser only (`navigator.mediaDevices`). */
export function setupDevices(conference: Conference): DevicesFeature {
  const devices = writable<MediaDeviceInfo[]>([]);
  const active = writable<ActiveDevices>({});
  const media = globalThis.navigator?.mediaDevices;

  const readActive = () => {
    const room = conference.mediaSession?.room;
    if (!room) return;
    const next: ActiveDevices = {};
    for (const kind of ['audioinput', 'videoinput', 'audiooutput'] as const) {
      const id = room.getActiveDevice(kind);
      if (id) next[kind] = id;
    }
    active.set(next);
  };
  const refresh = async () => {
    if (!media?.enumerateDevices) return;
    devices.set(await media.enumerateDevices());
    readActive();
  };
  const onChange = () => void refresh().catch(() => undefined);
  media?.addEventListener?.('devicechange', onChange);
  const stop = conference.media.subscribe((state) => {
    if (state === 'connected') onChange();
  });

  return {
    devices: devices.readonly,
    active: active.readonly,
    async select(kind, deviceId) {
      await conference.switchDevice(kind, deviceId);
      active.update((a) => ({ ...a, [kind]: deviceId }));
    },
    refresh,
    dispose() {
      media?.removeEventListener?.('devicechange', onChange);
      stop();
    },
  };
}
