export type {
  DeviceChoice,
  MediaJoinOptions,
  MediaJoinRequest,
} from './conference/join-options';
export type { MediaDeviceKindName, MediaState } from './conference/media';
export type {
  ConnectionQuality,
  LiveKitParticipantState,
  ParticipantView,
} from './conference/participants-view';
export { ApiError, type ApiErrorCode, isApiError } from './errors';
export type { Store } from './store';
