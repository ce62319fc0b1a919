import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ConferenceError, ERROR_MESSAGES, ERROR_STATUS, type ErrorCode } from '../errors';
import { closingRefusal } from '../operations/shutdown';
import { SECURITY_HEADERS, setSecurityHeaders } from './security-headers';

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
  FST_ERR_BAD_URL: 'VALIDATION_ERROR',
  FST_ERR_MAX_PARAM_LENGTH: 'VALIDATION_ERROR',
};

/** Fixed messages of refusals whose Fastify message would echo the URL back. */
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_BAD_URL: 'URL is not valid (malformed percent-encoding)',
  FST_ERR_MAX_PARAM_LENGTH: 'A path parameter is too long',
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
export const RETRY_AFTER: Partial<Record<ErrorCode, string>> = {
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
  if (known) {
    const message = FASTIFY_MESSAGES[fastifyError.code] ?? error.message;
    return new ConferenceError(known, known === 'VALIDATION_ERROR' ? message : undefined);
  }
  // JSON syntax errors and prototype-poisoning refusals from the body parser.
  if (error instanceof SyntaxError) {
    return new ConferenceError('VALIDATION_ERROR', 'Request body is not valid JSON');
  }
  const status = fastifyError.statusCode;
  if (status && status >= 400 && status < 500) {
    const code = BY_STATUS[status] ?? 'VALIDATION_ERROR';
    return new ConferenceError(code, status === 400 ? error.message : ERROR_MESSAGES[code]);
  }
  if (status === 503)
    return new ConferenceError('SERVICE_UNAVAILABLE', undefined, { cause: error });
  return new ConferenceError('INTERNAL', undefined, { cause: error });
}

export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const mapped = toConferenceError(error);
  // A refusal of our own without an underlying error (the server is shutting down) is
  // expected, not a failure to report.
  const deliberate = mapped.code === 'SERVICE_UNAVAILABLE' && mapped.cause === undefined;
  if (mapped.statusCode >= 500 && !deliberate) {
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

/**
 * Unknown routes: `404 NOT_FOUND`, or `503 SERVICE_UNAVAILABLE` while the server closes. As
 * the host's not-found handler (`createConferenceServer`, no prefix) it runs none of our
 * scope's hooks, so it sets the security headers itself.
 */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply) {
  setSecurityHeaders(reply);
  const error = closingRefusal(request) ?? new ConferenceError('NOT_FOUND', 'Route not found');
  return errorHandler(error as FastifyError, request, reply);
}

/**
 * Fastify's `frameworkErrors`: a URL the router cannot decode (bad percent-encoding) or a path
 * parameter over `maxParamLength` answers `400 VALIDATION_ERROR` in our error body.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  setSecurityHeaders(reply);
  return errorHandler(error, request, reply);
}

/** Node's HTTP parser refusals that have a code of their own; any other is `400 VALIDATION_ERROR`. */
const PARSER_REFUSALS: Record<string, ErrorCode> = {
  HPE_INVALID_METHOD: 'METHOD_NOT_ALLOWED',
  HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE',
};

const PARSER_MESSAGES: Partial<Record<ErrorCode, string>> = {
  METHOD_NOT_ALLOWED: 'HTTP method is not supported',
  VALIDATION_ERROR: 'Request is not valid HTTP',
};

/**
 * Fastify's `clientErrorHandler`: a request that Node's HTTP parser refuses before Fastify
 * sees it (a method Node does not know, a request line and headers over `maxHeaderSize`, bytes
 * that are not HTTP) answers our error body with its code and the security headers, then the
 * connection closes; a client too slow to send its request gets no answer.
 * `createConferenceServer()` sets it; a host app passes it to `Fastify({ clientErrorHandler })`
 * (docs/errors.md).
 */
export function clientErrorHandler(
  this: FastifyInstance,
  error: Error & { code?: string },
  socket: Socket,
): void {
  // A reset connection is gone: nothing to answer (as Fastify's default handler).
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // A client too slow to send its request (slowloris, or a broken one) gets no answer: the
  // connection closes, as nginx does on its header timeout.
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.destroy();
    return;
  }
  const code = PARSER_REFUSALS[error.code ?? ''] ?? 'VALIDATION_ERROR';
  const status = ERROR_STATUS[code];
  const body = JSON.stringify(
    errorBody(status, code, PARSER_MESSAGES[code] ?? ERROR_MESSAGES[code]),
  );
  this.log.debug({ err: error, code }, 'client error');
  if (socket.writable) {
    const headers = [
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
      'content-type: application/json; charset=utf-8',
      `content-length: ${Buffer.byteLength(body)}`,
      'connection: close',
      ...SECURITY_HEADERS.map(([name, value]) => `${name}: ${value}`),
    ];
    socket.end(`${headers.join('\r\n')}\r\n\r\n${body}`);
  } else {
    socket.destroy();
  }
}
