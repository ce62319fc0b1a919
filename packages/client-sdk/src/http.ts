import { ApiError, type ApiErrorCode } from './errors';

/** The last argument of every REST method. */
export interface RequestOptions {
  /** Aborts the request; the method then rejects with an `ApiError` of code `ABORTED`. */
  signal?: AbortSignal;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** A query string: `undefined` values are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

export interface HttpRequest {
  method: Method;
  /** The full URL, query string included. */
  url: string;
  body?: unknown;
  token?: string | null;
  signal?: AbortSignal | undefined;
}

/** The code of an error answer without a contract body (a proxy's 502 page, a CDN's 404). */
function fallbackCode(status: number): ApiErrorCode {
  if (status === 400) return 'VALIDATION_ERROR';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  return 'INTERNAL';
}

/** `path` under `base` with the query string of `query`. */
export function urlOf(base: string, path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.set(key, String(value));
  }
  const search = params.toString();
  return `${base}${path}${search ? `?${search}` : ''}`;
}

/** `encodeURIComponent` for each `${…}` of a path template. */
export function path(strings: TemplateStringsArray, ...values: string[]): string {
  return strings.reduce(
    (out, part, i) =>
      out + part + (i < values.length ? encodeURIComponent(values[i] as string) : ''),
    '',
  );
}

/** The failure of a `fetch` that got no answer: `ABORTED` when `signal` fired, else `NETWORK_ERROR`. */
function noAnswer(error: unknown, signal: AbortSignal | undefined): ApiError {
  if (signal?.aborted) {
    return new ApiError(0, 'ABORTED', 'The request was aborted', { cause: signal.reason ?? error });
  }
  const reason = error instanceof Error ? error.message : String(error);
  return new ApiError(0, 'NETWORK_ERROR', `The server could not be reached: ${reason}`, {
    cause: error,
  });
}

/**
 * One HTTP exchange: sends JSON, returns the parsed JSON answer (`undefined` for 204), and turns
 * every failure into an `ApiError`. `accept` lets a caller take a non-2xx answer as a result
 * (the 503 of `/health` carries a health report).
 */
export async function send<T>(
  fetchFn: typeof fetch,
  request: HttpRequest,
  accept?: (status: number, body: unknown) => boolean,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  if (request.token) headers.authorization = `Bearer ${request.token}`;
  const { signal } = request;
  if (signal?.aborted) throw noAnswer(signal.reason, signal);
  let response: Response;
  let text: string;
  try {
    response = await fetchFn(request.url, {
      method: request.method,
      headers,
      ...(request.body !== undefined && { body: JSON.stringify(request.body) }),
      ...(signal && { signal }),
    });
    text = await response.text();
  } catch (error) {
    throw noAnswer(error, signal);
  }
  let body: unknown;
  if (text !== '') {
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
  }
  if (response.ok || accept?.(response.status, body)) {
    if (text !== '' && body === undefined) {
      throw new ApiError(
        response.status,
        'INTERNAL',
        'The server answered with a body that is not JSON',
      );
    }
    return body as T;
  }
  const error = body as { code?: unknown; message?: unknown } | undefined;
  const code = typeof error?.code === 'string' ? error.code : fallbackCode(response.status);
  const message =
    typeof error?.message === 'string'
      ? error.message
      : `${response.status} ${response.statusText}`.trim();
  throw new ApiError(response.status, code, message);
}
