import { ERROR_STATUS, type ErrorCode } from '@videoconf/protocol';

/** The default human message of every stable error code. */
export const ERROR_MESSAGES: Record<ErrorCode, string> = {
  VALIDATION_ERROR: 'Request is invalid',
  UNAUTHORIZED: 'Authentication required',
  INVALID_CREDENTIALS: 'Invalid email or password',
  INVALID_TOKEN: 'Token is invalid',
  TOKEN_EXPIRED: 'Token has expired',
  TOKEN_REUSED: 'Refresh token was already used; every session of this login is revoked',
  FORBIDDEN: 'You are not allowed to do this',
  NOT_A_PARTICIPANT: 'You are not an active participant of this room',
  ROOM_LOCKED: 'Room is locked',
  ROOM_PASSWORD_REQUIRED: 'Room password required',
  INVALID_ROOM_PASSWORD: 'Room password is wrong',
  PARTICIPANT_KICKED: 'You were removed from this room',
  CHAT_DISABLED: 'Chat is disabled in this room',
  NOT_FOUND: 'Not found',
  ROOM_NOT_FOUND: 'Room not found',
  PARTICIPANT_NOT_FOUND: 'Participant not found',
  MESSAGE_NOT_FOUND: 'Message not found',
  INVITE_NOT_FOUND: 'Invite not found',
  ENTRY_NOT_FOUND: 'Waiting room entry not found',
  USER_NOT_FOUND: 'User not found',
  RULE_NOT_FOUND: 'Rate-limit rule not found',
  METHOD_NOT_ALLOWED: 'Method not allowed',
  NOT_ACCEPTABLE: 'Not acceptable',
  EMAIL_TAKEN: 'Email is already registered',
  ROOM_FULL: 'Room is full',
  ENTRY_NOT_PENDING: 'Waiting room entry was already decided',
  CONFLICT: 'Conflict',
  ROOM_ENDED: 'Room has ended',
  INVITE_EXPIRED: 'Invite has expired',
  INVITE_EXHAUSTED: 'Invite has no uses left',
  PAYLOAD_TOO_LARGE: 'Request body is too large',
  UNSUPPORTED_MEDIA_TYPE: 'Unsupported content type',
  RATE_LIMITED: 'Too many requests',
  HEADERS_TOO_LARGE: 'Request line and headers are too large',
  INTERNAL: 'Internal server error',
  SERVICE_UNAVAILABLE: 'Service unavailable',
  MEDIA_UNAVAILABLE: 'Media server is not configured',
};

/**
 * Marks every `ConferenceError`, whichever copy of this module created it. A program can hold
 * several copies of the class (the ESM and the CommonJS build both loaded, a bundler that inlines
 * the package twice), and an error raised by one copy must still be recognised by the others.
 */
const BRAND = Symbol.for('@videoconf/server/ConferenceError');

/** An error with a stable code of the contract; the error handler turns it into a response. */
export class ConferenceError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;

  static {
    Object.defineProperty(ConferenceError.prototype, BRAND, { value: true });
  }

  /**
   * `instanceof ConferenceError` holds for the errors of every copy of the class (see BRAND).
   * Subclasses would share this check: the codes are the contract, not the classes.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? ERROR_MESSAGES[code], options);
    this.name = 'ConferenceError';
    this.code = code;
    this.statusCode = ERROR_STATUS[code];
  }
}

export const isConferenceError = (error: unknown): error is ConferenceError =>
  error instanceof ConferenceError;

export { ERROR_STATUS, type ErrorCode };
