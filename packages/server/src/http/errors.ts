import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { ConferenceError, ERROR_MESSAGES, type ErrorCode } from '../errors';

/** The error body of the contract: Fastify's shape with a stable code. */
export function errorBody(statusCode: number, code: string, message: string) {
  return { statusCode, code, error: STATUS_CODES[statusCode] ?? 'Error', message };
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_ERROR',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_ERROR',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_ERROR',
  FST_ERR_VALIDATION: 'VALIDATION_ERROR',
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * `retry-after` (seconds) of refusals that a client should retry later, unless the code that
 * refused set its own: a rate limit, and a dependency that is down or a server that is
 * shutting down (`SERVICE_UNAVAILABLE`: another instance, or this one a moment later).
 */
const RETRY_AFTER: Partial<Record<ErrorCode, string>> = {
  RATE_LIMITED: '60',
  SERVICE_UNAVAILABLE: '5',
};

/** Maps any thrown error to a contract error; 5xx bodies never carry internals. */
export function toConferenceError(error: FastifyError | Error): ConferenceError {
  if (error instanceof ConferenceError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    return new ConferenceError('VALIDATION_ERROR', error.message);
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known)
    return new ConferenceError(known, known === 'VALIDATION_ERROR' ? error.message : undefined);
  // JSON syntax errors and prototype-poisoning refusals from the body parser.
  if (error instanceof SyntaxError) {
    return new ConferenceError('VALIDATION_ERROR', 'Request body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    const code = BY_STATUS[status] ?? 'VALIDATION_ERROR';
    return new ConferenceError(code, status === 400 ? error.message : ERROR_MESSAGES[code]);
  }
  if (status === 503) return new ConferenceError('SERVICE_UNAVAILABLE');
  return new ConferenceError('INTERNAL', undefined, { cause: error });
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toConferenceError(error);
  if (mapped.statusCode >= 500) {
    request.log.error({ err: error }, 'request failed');
  } else if (mapped.code !== error.code) {
    request.log.debug({ err: error, code: mapped.code }, 'request refused');
  }
  if (!reply.hasHeader('retry-after')) {
    const retryAfter = RETRY_AFTER[mapped.code];
    if (retryAfter) reply.header('retry-after', retryAfter);
  }
  return reply
    .status(mapped.statusCode)
    .send(errorBody(mapped.statusCode, mapped.code, mapped.message));
}

export function notFoundHandler(_request: FastifyRequest, reply: FastifyReply) {
  return reply.status(404).send(errorBody(404, 'NOT_FOUND', `Route not found`));
}
