import { type Static, Type } from '@sinclair/typebox';

/** Every stable error code of the contract, with its HTTP status. */
export const ERROR_STATUS = {
  VALIDATION_ERROR: 400,
  UNAUTHORIZED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  TOKEN_EXPIRED: 401,
  TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  NOT_A_PARTICIPANT: 403,
  ROOM_LOCKED: 403,
  ROOM_PASSWORD_REQUIRED: 403,
  INVALID_ROOM_PASSWORD: 403,
  PARTICIPANT_KICKED: 403,
  CHAT_DISABLED: 403,
  NOT_FOUND: 404,
  ROOM_NOT_FOUND: 404,
  PARTICIPANT_NOT_FOUND: 404,
  MESSAGE_NOT_FOUND: 404,
  INVITE_NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  USER_NOT_FOUND: 404,
  RULE_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  NOT_ACCEPTABLE: 406,
  EMAIL_TAKEN: 409,
  ROOM_FULL: 409,
  ENTRY_NOT_PENDING: 409,
  CONFLICT: 409,
  ROOM_ENDED: 410,
  INVITE_EXPIRED: 410,
  INVITE_EXHAUSTED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
  MEDIA_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];

/** The error body: Fastify's shape with a stable `code`. */
export const ErrorBody = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String(),
});
export type ErrorBody = Static<typeof ErrorBody>;
