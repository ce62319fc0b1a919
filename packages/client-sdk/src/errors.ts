import type { ErrorCode } from '@videoconf/protocol';

/**
 * The codes an `ApiError` can carry: every stable code of the server's contract, plus the
 * client's own: `NETWORK_ERROR` (no answer: offline, DNS, CORS, connection reset; `status` 0)
 * and `ABORTED` (the caller's `AbortSignal` fired; `status` 0).
 */
export type ApiErrorCode = ErrorCode | 'NETWORK_ERROR' | 'ABORTED';

/**
 * Marks every `ApiError`, whichever copy of this module created it (the ESM and the CommonJS
 * build can both be loaded in one program, and a bundler may inline the SDK twice).
 */
const BRAND = Symbol.for('@videoconf/client-sdk/ApiError');

/** Every failure of the SDK: an error answer of the server, a network failure, an abort. */
export class ApiError extends Error {
  /** The HTTP status; 0 when there was no answer (`NETWORK_ERROR`, `ABORTED`). */
  readonly status: number;
  /** The contract's stable code, e.g. `ROOM_FULL`; see docs/errors.md. */
  readonly code: ApiErrorCode | (string & {});

  static {
    Object.defineProperty(ApiError.prototype, BRAND, { value: true });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return (
      typeof value === 'object' &&
      value !== null &&
      (value as Record<symbol, unknown>)[BRAND] === true
    );
  }

  constructor(
    status: number,
    code: ApiErrorCode | (string & {}),
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

/** True when `error` is an `ApiError` (of `code`, when given). */
export function isApiError(error: unknown, code?: ApiErrorCode): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}
