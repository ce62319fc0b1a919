import type { RoomSettings, UserSettings } from '@videoconf/protocol';
import { DEFAULT_ROOM_SETTINGS } from '@videoconf/protocol';
import { describe, expect, it } from 'vitest';
import { effectiveJoinOptions } from '../src/conference/join-options';

const user: UserSettings = {
  defaultCameraDeviceId: null,
  defaultMicrophoneDeviceId: null,
  defaultSpeakerDeviceId: null,
  preferredVideoQuality: 'auto',
  preferredTheme: 'system',
  muteMicOnJoin: false,
  disableCameraOnJoin: false,
  languageCode: 'en',
};
const room: RoomSettings = DEFAULT_ROOM_SETTINGS;

describe('effectiveJoinOptions', () => {
  it('turns both on with the default devices when nothing says otherwise', () => {
    expect(effectiveJoinOptions({}, user, room)).toEqual({
      microphone: { enabled: true },
      camera: { enabled: true, quality: 'auto' },
    });
    expect(effectiveJoinOptions()).toEqual(effectiveJoinOptions({}, user, room));
  });

  it('follows the user: muted microphone, camera off, default devices and quality', () => {
    const settings: UserSettings = {
      ...user,
      muteMicOnJoin: true,
      disableCameraOnJoin: true,
      defaultMicrophoneDeviceId: 'mic-1',
      defaultCameraDeviceId: 'cam-1',
      defaultSpeakerDeviceId: 'spk-1',
      preferredVideoQuality: '480p',
    };
    expect(effectiveJoinOptions({}, settings, room)).toEqual({
      microphone: { enabled: false, deviceId: 'mic-1' },
      camera: { enabled: false, deviceId: 'cam-1', quality: '480p' },
      speakerDeviceId: 'spk-1',
    });
  });

  it('lets the caller override the user: true or a device id turns it on, false off', () => {
    const settings = { ...user, muteMicOnJoin: true, disableCameraOnJoin: true };
    expect(effectiveJoinOptions({ audio: true, video: 'cam-2' }, settings, room)).toEqual({
      microphone: { enabled: true },
      camera: { enabled: true, deviceId: 'cam-2', quality: 'auto' },
    });
    expect(effectiveJoinOptions({ audio: false, video: false }, user, room)).toMatchObject({
      microphone: { enabled: false },
      camera: { enabled: false },
    });
  });

  it('lets the room turn both off on join, whatever the caller asked; the device is kept for later', () => {
    const strict = { ...room, muteOnJoin: true, cameraOffOnJoin: true };
    expect(effectiveJoinOptions({ audio: 'mic-2', video: true }, user, strict)).toEqual({
      microphone: { enabled: false, deviceId: 'mic-2' },
      camera: { enabled: false, quality: 'auto' },
    });
    expect(effectiveJoinOptions({}, user, { ...room, muteOnJoin: true }).camera.enabled).toBe(true);
  });
});
