export type { ClientEvents, Session, SignedOutReason } from './auth';
export {
  type AdminApi,
  type AuditApi,
  type AuthApi,
  type ChatApi,
  type Client,
  type ClientOptions,
  createClient,
  type InvitesApi,
  type MediaApi,
  type ParticipantsApi,
  type RateLimitsApi,
  type RoomsApi,
  type StatsApi,
  type UsersApi,
  type WaitingRoomApi,
} from './client';
export {
  Conference,
  type ConferenceClient,
  type ConferenceEvents,
  type ConferenceOptions,
  type ConferenceState,
  type RealtimeEventMap,
} from './conference/conference';
export type {
  DeviceChoice,
  MediaJoinOptions,
  MediaJoinRequest,
} from './conference/join-options';
export type { MediaDeviceKindName, MediaState } from './conference/media';
export { type ModerationActions, moderationOf } from './conference/moderation';
export type {
  ConnectionQuality,
  LiveKitParticipantState,
  ParticipantView,
} from './conference/participants-view';
export { ApiError, type ApiErrorCode, isApiError } from './errors';
export { type ChatFeature, setupChat } from './features/chat';
export {
  type ActiveDevices,
  type DevicesFeature,
  setupDevices,
} from './features/devices';
export {
  type MediaControlsFeature,
  setupMediaControls,
  type ToggleState,
} from './features/media-controls';
export { type ParticipantsFeature, setupParticipants } from './features/participants';
export { setupWaitingRoom, type WaitingRoomFeature } from './features/waiting-room';
export type { RequestOptions } from './http';
// The contract's types of what the client's methods take and answer.
export type {
  AdminAuditQuery,
  ApproveEntryResponse,
  AuditEntry,
  AuditQuery,
  ChangeRoleBody,
  ChatMessage,
  CreateInviteBody,
  CreateRateLimitRuleBody,
  CreateRoomBody,
  CreateVideoProfileBody,
  EditMessageBody,
  HealthResponse,
  HistoryQuery,
  Invite,
  ItemList,
  JoinedResponse,
  JoinResponse,
  JoinRoomBody,
  KickBody,
  LoginBody,
  LoginResponse,
  MediaToken,
  MessagePage,
  MuteBody,
  Participant,
  ParticipantList,
  ParticipantRole,
  RateLimitRule,
  RedeemInviteBody,
  RedeemInviteResponse,
  RegisterBody,
  RejectBody,
  RejectEntryResponse,
  Room,
  RoomListQuery,
  RoomPage,
  RoomSettings,
  RoomStats,
  SendMessageBody,
  StatsReportBody,
  StatsSample,
  TokenPair,
  UpdateMeBody,
  UpdateRateLimitRuleBody,
  UpdateRoomBody,
  UpdateSettingsBody,
  User,
  UserResponse,
  UserSettings,
  VideoProfile,
  WaitingEntry,
  WaitingResponse,
} from './protocol-types';
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
