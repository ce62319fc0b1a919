import { Type } from '@sinclair/typebox';
import {
  LoginBody,
  LoginResponse,
  RefreshTokenBody,
  RegisterBody,
  TokenPair,
  UserResponse,
} from '@videoconf/protocol';
import type { FastifyRequest } from 'fastify';
import { ConferenceError, isConferenceError } from '../errors';
import { errorResponses } from '../http/schemas';
import { toUser } from '../http/serialize';
import type { App } from '../http/types';
import { loginThrottleOf } from '../rate-limit/index';
import { noStore } from './no-store';
import { normalizeEmail } from './password';
import { hashToken } from './tokens';
import type { LoginResult, PasswordFlows } from './types';

const clientInfo = (request: FastifyRequest) => ({
  ip: request.ip ?? null,
  userAgent: request.headers['user-agent']?.slice(0, 512) ?? null,
});

const config = { auth: 'none', rateLimitGroup: 'credentials' } as const;

/** `/auth/register`, `/auth/login`, `/auth/refresh`, `/auth/logout` of the password adapter. */
export async function authRoutes(app: App, { flows }: { flows: PasswordFlows }) {
  const { storage, adminEmails, control } = app.videoconf;

  app.post(
    '/auth/register',
    {
      config,
      onSend: noStore,
      schema: {
        tags: ['auth'],
        body: RegisterBody,
        response: { 201: UserResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      let user = await flows.register(request.body);
      if (adminEmails.has(user.email)) {
        user = (await storage.updateUser(user.id, { globalRole: 'technical_admin' })) ?? user;
      }
      return reply.status(201).send({ user: toUser(user) });
    },
  );

  app.post(
    '/auth/login',
    {
      config,
      onSend: noStore,
      schema: {
        tags: ['auth'],
        body: LoginBody,
        response: { 200: LoginResponse, ...errorResponses },
      },
    },
    async (request, reply) => {
      const attempt = await loginThrottleOf(app.videoconf)?.begin(
        request,
        reply,
        normalizeEmail(request.body.email),
      );
      let result: LoginResult;
      try {
        result = await flows.login({ ...request.body, ...clientInfo(request) });
      } catch (error) {
        const failed = isConferenceError(error) && error.code === 'INVALID_CREDENTIALS';
        await attempt?.settle(failed ? 'failure' : 'error');
        throw error;
      }
      await attempt?.settle('success');
      return { ...result, user: toUser(result.user) };
    },
  );

  app.post(
    '/auth/refresh',
    {
      config,
      onSend: noStore,
      schema: {
        tags: ['auth'],
        body: RefreshTokenBody,
        response: { 200: TokenPair, ...errorResponses },
      },
    },
    async (request) => flows.refresh({ ...request.body, ...clientInfo(request) }),
  );

  app.post(
    '/auth/logout',
    {
      config,
      onSend: noStore,
      schema: {
        tags: ['auth'],
        body: RefreshTokenBody,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      // Whether this logout ends a live session: a repeated logout with a spent token answers
      // 204 too, and must not close the sockets of the user's later logins.
      const before = await storage.getSessionByHash(hashToken(request.body.refreshToken));
      const session = await flows.logout(request.body);
      if (!session) throw new ConferenceError('INVALID_TOKEN');
      if (before && before.revokedAt === null) {
        // Every instance closes this user's sockets.
        await control({ type: 'user.logout', userId: session.userId });
      }
      return reply.status(204).send(null);
    },
  );
}
