export { type CustomAuthOptions, customAuth, type ExternalIdentity } from './auth/custom';
export { type PasswordAuthOptions, passwordAuth } from './auth/password';
export type { TokenService } from './auth/tokens';
export type {
  AuthAdapter,
  AuthContext,
  AuthHandler,
  AuthRequest,
  PasswordFlows,
  Principal,
} from './auth/types';
export type { ConferenceContext } from './context';
export { ConferenceError, ERROR_MESSAGES, ERROR_STATUS, type ErrorCode } from './errors';
export type { EmbedOptions } from './http/embed';
export { clientErrorHandler, frameworkErrors } from './http/errors';
export type {
  ConferenceOptions,
  ConferenceServerOptions,
  LivekitOptions,
  RateLimitSettings,
  RealtimeOptions,
  RedisClient,
} from './options';
export { REDACTED_LOG_PATHS } from './options';
export { type ConferencePluginOptions, conferencePlugin } from './plugin';
export {
  type ControlListener,
  type ControlMessage,
  type EventBus,
  memoryBus,
  type RoomListener,
} from './realtime/bus';
export type { RoomEvents } from './realtime/events';
export { createConferenceServer, defaultLoggerOptions, redactUrl } from './server';
export { memoryStorage } from './storage/memory';
export type * from './storage/types';
export { DEFAULT_USER_SETTINGS } from './users/routes';
