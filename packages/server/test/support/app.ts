import { randomUUID } from 'node:crypto';
import type { Room } from '@videoconf/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { passwordAuth } from '../../src/auth/password';
import type { App } from '../../src/http/types';
import type { ConferenceServerOptions } from '../../src/options';
import { createConferenceServer } from '../../src/server';

export const TEST_SECRET = 'test-secret-that-is-at-least-32-bytes-long';

/** A server for tests: quiet, fast bcrypt, no rate limits unless asked. */
export function testServer(options: ConferenceServerOptions = {}): App {
  return createConferenceServer({
    logger: false,
    jwtSecret: TEST_SECRET,
    auth: passwordAuth({ bcryptCost: 4 }),
    rateLimit: false,
    ...options,
  });
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
  auth: { authorization: string };
}

/** Registers and logs in a new user through the API. */
export async function signUp(
  app: App,
  overrides: { email?: string; displayName?: string } = {},
): Promise<TestUser> {
  const email = overrides.email ?? `user-${randomUUID()}@example.com`;
  const password = 'a good long password';
  const register = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/register',
    payload: { email, password, displayName: overrides.displayName ?? 'Test User' },
  });
  if (register.statusCode !== 201)
    throw new Error(`register: ${register.statusCode} ${register.body}`);
  const login = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/login',
    payload: { email, password },
  });
  if (login.statusCode !== 200) throw new Error(`login: ${login.statusCode} ${login.body}`);
  const body = login.json();
  return {
    id: body.user.id,
    email,
    password,
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    auth: { authorization: `Bearer ${body.accessToken}` },
  };
}

/** Asserts the error body of the contract and returns its code. */
export function errorCode(response: LightMyRequestResponse): string {
  const body = response.json();
  if (
    body.statusCode !== response.statusCode ||
    typeof body.code !== 'string' ||
    typeof body.error !== 'string' ||
    typeof body.message !== 'string'
  ) {
    throw new Error(`not an error body: ${response.statusCode} ${response.body}`);
  }
  return body.code;
}

/** Asserts an error answer: its status (showing the body when it differs), then its code. */
export function expectError(response: LightMyRequestResponse, status: number, code: string): void {
  expect(response.statusCode, response.body).toBe(status);
  expect(errorCode(response)).toBe(code);
}

export interface QuickUser {
  id: string;
  email: string;
  auth: { authorization: string };
}

/**
 * Creates a user straight in storage with a signed access token: for tests that need many
 * users (races) without paying for bcrypt. `roomId` makes a guest token scoped to that room.
 */
export async function quickUser(
  app: App,
  options: { admin?: boolean; guest?: boolean; roomId?: string; displayName?: string } = {},
): Promise<QuickUser> {
  await app.ready();
  const { storage, tokens } = app.videoconf;
  const email = `${options.guest ? 'guest' : 'quick'}-${randomUUID()}@example.com`;
  const user = await storage.createUser({
    email,
    displayName: options.displayName ?? 'Quick User',
    globalRole: options.admin ? 'technical_admin' : options.guest ? 'guest' : 'user',
    isGuest: options.guest ?? false,
  });
  const token = tokens.signAccess({
    userId: user.id,
    ...(options.roomId && { roomId: options.roomId }),
  });
  return { id: user.id, email, auth: { authorization: `Bearer ${token}` } };
}

/** POSTs as `user` and returns the JSON answer; throws unless the status is `expected`. */
async function postAs(app: App, user: QuickUser, url: string, expected: number, payload?: object) {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1${url}`,
    headers: user.auth,
    ...(payload && { payload }),
  });
  if (res.statusCode !== expected) {
    throw new Error(`POST ${url}: ${res.statusCode} (expected ${expected}) ${res.body}`);
  }
  return res.json();
}

/** A room created by `user` through the API: the room as answered. */
export function createRoomAs(
  app: App,
  user: QuickUser,
  body: object = { title: 'Test room' },
): Promise<Room> {
  return postAs(app, user, '/rooms', 201, body);
}

/** `user` joins the room through the API (200): the join answer. */
export function joinAs(app: App, roomId: string, user: QuickUser) {
  return postAs(app, user, `/rooms/${roomId}/join`, 200);
}

/** Our REST join, then our media token: what a client does before it connects to LiveKit. */
export async function admitToMedia(
  app: App,
  roomId: string,
  user: QuickUser,
): Promise<{ token: string; url: string }> {
  await joinAs(app, roomId, user);
  return postAs(app, user, `/rooms/${roomId}/media/token`, 200);
}
