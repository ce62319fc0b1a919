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
export type { BackoffOptions } from './realtime/backoff';
export {
  RealtimeConnection,
  type RealtimeConnectionOptions,
  type RealtimeEvents,
  type RealtimeEventType,
  type RealtimeState,
  type WebSocketConstructor,
  type WebSocketLike,
} from './realtime/connection';
export type { Store } from './store';
