export { createConferenceServer } from './server';
export { conferencePlugin, type ConferencePluginOptions } from './plugin';
export type {
  ConferenceOptions,
  ConferenceServerOptions,
  LivekitOptions,
  RateLimitSettings,
} from './options';
export type { ConferenceContext } from './context';
export { ConferenceError, ERROR_MESSAGES, ERROR_STATUS, type ErrorCode } from './errors';
export { memoryStorage } from './storage/memory';
export type * from './storage/types';
export { passwordAuth, type PasswordAuthOptions } from './auth/password';
export { customAuth, type CustomAuthOptions, type ExternalIdentity } from './auth/custom';
export type {
  AuthAdapter,
  AuthContext,
  AuthHandler,
  AuthRequest,
  PasswordFlows,
  Principal,
} from './auth/types';
export type { TokenService } from './auth/tokens';
export { DEFAULT_USER_SETTINGS } from './users/routes';
