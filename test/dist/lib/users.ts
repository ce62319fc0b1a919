import { createHmac } from 'node:crypto';
import { expect } from 'vitest';
import { expectStatus, type Json, post } from './http';
import { ADMIN_EMAIL, JWT_SECRET, uniqueEmail } from './target';

export interface Session {
  user: Json;
  email: string;
  password: string;
  accessToken: string;
  refreshToken: string;
}

export const PASSWORD = 'correct horse battery staple';

/** Registers a fresh user of this run and logs it in. */
export async function newUser(name: string, displayName = name): Promise<Session> {
  const email = uniqueEmail(name);
  const registered = await post('/api/v1/auth/register', {
    email,
    password: PASSWORD,
    displayName,
  });
  expectStatus(registered, 201);
  return login(email, PASSWORD);
}

export async function login(email: string, password: string): Promise<Session> {
  const answer = await post('/api/v1/auth/login', { email, password });
  expectStatus(answer, 200);
  const { user, accessToken, refreshToken } = answer.body;
  return { user, email, password, accessToken, refreshToken };
}

/**
 * The technical admin of the target (`ADMIN_EMAILS`): registered by the first run against a
 * target, logged in by later ones.
 */
export async function adminUser(): Promise<Session> {
  const password = 'e2e admin password, same for every run';
  const registered = await post('/api/v1/auth/register', {
    email: ADMIN_EMAIL,
    password,
    displayName: 'E2E Admin',
  });
  // Already registered by an earlier run: the code itself is the business of the auth tests.
  if (registered.status !== 201) expect(registered.status, registered.text).toBe(409);
  const session = await login(ADMIN_EMAIL, password);
  expect(session.user.globalRole).toBe('technical_admin');
  return session;
}

/**
 * An access token like the server's, re-signed with the targets' JWT secret (README) after
 * `change` edits its claims: how the suite gets an expired token without waiting for one.
 */
export function resignedToken(token: string, change: (claims: Json) => Json): string {
  const [header, payload] = token.split('.');
  const claims = change(JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')));
  const body = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  const signature = createHmac('sha256', JWT_SECRET).update(body).digest('base64url');
  return `${body}.${signature}`;
}
