import type { RoomSettings, UserSettings, VideoQuality } from '@videoconf/protocol';

/** `audio` / `video` as a caller gives them: on, off, or on with that device. */
export type DeviceChoice = boolean | string;

/** What a person asks for when joining; unset fields come from the settings. */
export interface MediaJoinRequest {
  audio?: DeviceChoice;
  video?: DeviceChoice;
}

/** What the media layer publishes when it connects. */
export interface MediaJoinOptions {
  /** Publish the microphone at once (false: joins muted; it can be enabled later). */
  microphone: { enabled: boolean; deviceId?: string };
  /** Publish the camera at once (false: joins with the camera off). */
  camera: { enabled: boolean; deviceId?: string; quality: VideoQuality };
  /** Where remote audio plays, from the user's settings. */
  speakerDeviceId?: string;
}

/**
 * The effective media options of a join, from the user's settings, the room's settings and what
 * the caller asked for, in this order of precedence:
 *
 * 1. `false` from the caller: off.
 * 2. The room's `muteOnJoin` / `cameraOffOnJoin` (the host's rule for everyone entering): off.
 *    It only decides how one enters; the person may turn it on right after.
 * 3. `true` or a device id from the caller: on (with that device).
 * 4. The user's `muteMicOnJoin` / `disableCameraOnJoin`: off; otherwise on.
 *
 * The device is the caller's id when given, else the user's default device, else the browser's
 * default; it is kept when the track starts off, for when it is turned on.
 */
export function effectiveJoinOptions(
  request: MediaJoinRequest = {},
  user?: Partial<UserSettings> | null,
  room?: Partial<RoomSettings> | null,
): MediaJoinOptions {
  const pick = (
    choice: DeviceChoice | undefined,
    roomOff: boolean | undefined,
    userOff: boolean | undefined,
    userDevice: string | null | undefined,
  ) => {
    const enabled =
      choice === false ? false : roomOff ? false : choice !== undefined ? true : !userOff;
    const deviceId = typeof choice === 'string' ? choice : (userDevice ?? undefined);
    return { enabled, ...(deviceId && { deviceId }) };
  };
  const speakerDeviceId = user?.defaultSpeakerDeviceId ?? undefined;
  return {
    microphone: pick(
      request.audio,
      room?.muteOnJoin,
      user?.muteMicOnJoin,
      user?.defaultMicrophoneDeviceId,
    ),
    camera: {
      ...pick(
        request.video,
        room?.cameraOffOnJoin,
        user?.disableCameraOnJoin,
        user?.defaultCameraDeviceId,
      ),
      quality: user?.preferredVideoQuality ?? 'auto',
    },
    ...(speakerDeviceId && { speakerDeviceId }),
  };
}

/** Capture size and frame rate per preferred quality; `auto` leaves it to livekit-client (720p). */
export const VIDEO_QUALITY_RESOLUTION: Record<
  Exclude<VideoQuality, 'auto'>,
  { width: number; height: number; frameRate: number }
> = {
  '1080p': { width: 1920, height: 1080, frameRate: 30 },
  '720p': { width: 1280, height: 720, frameRate: 30 },
  '480p': { width: 854, height: 480, frameRate: 30 },
  '360p': { width: 640, height: 360, frameRate: 30 },
};
