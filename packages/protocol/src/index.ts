export {
  CreateRateLimitRuleBody,
  RateLimitRule,
  RateLimitScope,
  RuleParams,
  UpdateRateLimitRuleBody,
} from './admin';
export { AdminAuditQuery, AuditEntry, AuditQuery } from './audit';
export {
  Email,
  LoginBody,
  LoginResponse,
  Password,
  RefreshTokenBody,
  RegisterBody,
  TokenPair,
  UserResponse,
} from './auth';
export {
  ChatMessage,
  EditMessageBody,
  HistoryQuery,
  MAX_MESSAGE_LENGTH,
  MessageContent,
  MessagePage,
  MessageParams,
  MessageType,
  messageLength,
  SendMessageBody,
} from './chat';
export {
  Count,
  FORMATS,
  IdParams,
  ItemList,
  isTimestamp,
  isUuid,
  MAX_INTEGER,
  Nullable,
  NullableTimestamp,
  Page,
  PageQuery,
  Timestamp,
  Uuid,
} from './common';
export { ERROR_CODES, ERROR_STATUS, ErrorBody, type ErrorCode } from './errors';
export {
  AuthFrame,
  ChatAckFrame,
  ChatSendFrame,
  CLOSE_CODES,
  ClientFrame,
  ErrorFrame,
  PingFrame,
  PongFrame,
  ReadyFrame,
  ROOM_EVENT_TYPES,
  RoomEvent,
  type RoomEventData,
  type RoomEventType,
  ServerFrame,
} from './events';
export { CheckStatus, HealthResponse, HealthStatus } from './health';
export {
  CreateInviteBody,
  Invite,
  InviteParams,
  InviteTokenParams,
  RedeemInviteBody,
  RedeemInviteResponse,
} from './invites';
export { MediaToken } from './media';
export {
  DisplayName,
  isVisibleName,
  VISIBLE_NAME_FORMAT,
  VisibleName,
} from './names';
export {
  ChangeRoleBody,
  KickBody,
  MuteBody,
  Participant,
  ParticipantList,
  ParticipantParams,
  ParticipantRole,
} from './participants';
export {
  CreateRoomBody,
  DEFAULT_ROOM_SETTINGS,
  JoinedResponse,
  type JoinResponse,
  JoinRoomBody,
  Room,
  RoomListQuery,
  RoomPage,
  RoomSettings,
  RoomSettingsPatch,
  RoomStatus,
  ScreenSharePolicy,
  UpdateRoomBody,
  WaitingResponse,
} from './rooms';
export { ParticipantStatsSummary, RoomStats, StatsReportBody, StatsSample } from './stats';
export {
  AvatarUrl,
  BackgroundType,
  CreateVideoProfileBody,
  GlobalRole,
  NoiseSuppressionLevel,
  Theme,
  UpdateMeBody,
  UpdateSettingsBody,
  User,
  UserSettings,
  VideoProfile,
  VideoProfileParams,
  VideoQuality,
} from './users';
export {
  ApproveEntryResponse,
  EntryParams,
  RejectBody,
  RejectEntryResponse,
  WaitingEntry,
  WaitingStatus,
} from './waiting-room';
