import { STATUS_CODES } from 'node:http';
import { expect } from 'vitest';
import { BASE } from './target';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers are checked by the assertions.
export type Json = any;

/** Every error `code` the target answered during this run, over HTTP and WebSocket. */
export const seenCodes = new Set<string>();

/** The HTTP statuses each code came with, to check them against docs/errors.md. */
export const seenStatuses = new Map<string, Set<number>>();

export function recordCode(code: unknown, status?: number): void {
  if (typeof code !== 'string') return;
  seenCodes.add(code);
  if (status === undefined) return;
  const statuses = seenStatuses.get(code) ?? new Set<number>();
  statuses.add(status);
  seenStatuses.set(code, statuses);
}

export interface Answer<T = Json> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string | null;
  body?: unknown;
  /** A raw body sent as is (with the content-type of `headers`). */
  raw?: string | Buffer;
  headers?: Record<string, string>;
}

/** One request to `${BASE}${path}`; a JSON answer is parsed, an error's `code` recorded. */
export async function api<T = Json>(
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<Answer<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | Buffer | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
  } else if (options.body !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(options.body);
  }
  const response = await fetch(`${BASE}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: Json = text;
  if ((response.headers.get('content-type') ?? '').includes('json') && text !== '') {
    parsed = JSON.parse(text);
  }
  if (response.status >= 400 && parsed && typeof parsed === 'object')
    recordCode(parsed.code, response.status);
  return { status: response.status, headers: response.headers, body: parsed as T, text };
}

export const get = <T = Json>(path: string, token?: string | null) =>
  api<T>('GET', path, { token });
export const post = <T = Json>(path: string, body?: unknown, token?: string | null) =>
  api<T>('POST', path, { body, token });
export const put = <T = Json>(path: string, body?: unknown, token?: string | null) =>
  api<T>('PUT', path, { body, token });
export const del = <T = Json>(path: string, token?: string | null) =>
  api<T>('DELETE', path, { token });

/** The contract's error answer: `{statusCode, code, error, message}`, nothing else. */
export function expectError(answer: Answer, status: number, code: string): void {
  // One string, so that a failure reads `expected '409 CONFLICT' to be '409 EMAIL_TAKEN'`.
  expect(`${answer.status} ${answer.body?.code}`, `answer: ${answer.text.slice(0, 300)}`).toBe(
    `${status} ${code}`,
  );
  expectErrorShape(answer);
}

/** The error body of the contract, whatever its code. */
export function expectErrorShape(answer: Answer): void {
  expect(answer.headers.get('content-type'), answer.text.slice(0, 300)).toMatch(
    /^application\/json/,
  );
  expect(Object.keys(answer.body).sort(), answer.text.slice(0, 300)).toEqual([
    'code',
    'error',
    'message',
    'statusCode',
  ]);
  expect(answer.body.statusCode).toBe(answer.status);
  expect(answer.body.code).toMatch(/^[A-Z][A-Z_]+$/);
  expect(answer.body.error).toBe(STATUS_CODES[answer.status]);
  expect(typeof answer.body.message).toBe('string');
  expect(answer.body.message.length).toBeGreaterThan(0);
}

/** A 2xx answer with the expected status, showing the body when it is not. */
export function expectStatus(answer: Answer, status: number): void {
  expect(answer.status, `answer: ${answer.text.slice(0, 300)}`).toBe(status);
}
