import cors from '@fastify/cors';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { adminRateLimitRoutes } from './admin/rate-limit-routes';
import { auditRoutes } from './audit/routes';
import { authRoutes } from './auth/routes';
import { chatRoutes } from './chat/routes';
import { type ConferenceContext, createContext } from './context';
import { ConferenceError } from './errors';
import { embedRoutes } from './http/embed';
import { errorHandler, notFoundHandler } from './http/errors';
import { registerJsonBodyParser } from './http/json-body';
import { setSecurityHeaders } from './http/security-headers';
import type { App } from './http/types';
import { formatValidationErrors, unstorableText, validatorCompiler } from './http/validation';
import { inviteRoutes } from './invites/routes';
import { livekitWebhookRoutes } from './livekit/routes';
import { mediaRoutes } from './media/routes';
import { moderationRoutes } from './moderation/routes';
import { operationsRoutes } from './operations/routes';
import { closingRefusal, trackClosing } from './operations/shutdown';
import { type ConferenceOptions, DEFAULT_BODY_LIMIT } from './options';
import { registerRateLimit } from './rate-limit/index';
import { registerRealtime } from './realtime/gateway';
import { roomRoutes } from './rooms/routes';
import { statsRoutes } from './stats/routes';
import { userRoutes } from './users/routes';
import { waitingRoomRoutes } from './waiting-room/routes';

export interface ConferencePluginOptions extends ConferenceOptions {
  /** Path prefix of every videoconf route, e.g. `/videoconf`. Default: none. */
  prefix?: string;
}

const API_PREFIX = '/api/v1';

/**
 * A route schema as documented: without fast-json-stringify's `unsafe` string format, a hint to
 * the serialiser (write the string without escaping it) that is no part of the contract.
 */
function documentedSchema<T>(schema: T): T {
  if (Array.isArray(schema)) return schema.map(documentedSchema) as T;
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'format' && value === 'unsafe') continue;
    out[key] = documentedSchema(value);
  }
  return out as T;
}

/** The API scope: encapsulated so that our hooks and handlers never touch the host's routes. */
async function api(
  app: App,
  { context, ownNotFound }: { context: ConferenceContext; ownNotFound: boolean },
) {
  const { options } = context;
  app.setValidatorCompiler(validatorCompiler);
  app.setSchemaErrorFormatter(formatValidationErrors);
  app.setErrorHandler(errorHandler);
  registerJsonBodyParser(app);
  // Fastify allows one not-found handler per prefix: without a prefix it is the host's.
  if (ownNotFound) app.setNotFoundHandler(notFoundHandler);

  const bodyLimit = options.bodyLimit ?? DEFAULT_BODY_LIMIT;
  app.addHook('onRoute', (route) => {
    route.bodyLimit ??= bodyLimit;
  });

  // One hook on every request: helmet's default headers, computed once
  // (http/security-headers.ts), and from app.close() on 503 SERVICE_UNAVAILABLE, /health
  // "shutting_down" (operations/shutdown.ts).
  trackClosing(app);
  app.addHook('onRequest', (request, reply, done) => {
    setSecurityHeaders(reply);
    done(closingRefusal(request));
  });
  // Bodies are JSON: Fastify's default text/plain parser would hand a string to the schema
  // (400); here text/plain is an unsupported media type (415), like any other.
  app.removeContentTypeParser('text/plain');
  // Without allowed origins the API is same-origin only: no CORS headers, and preflights get
  // the 404 that @fastify/cors with `origin: false` would give. Not registering it then saves
  // its hook on every request.
  const origins = options.cors?.origins ?? [];
  if (origins.length > 0) await registerCors(app, origins);

  if (options.docs !== false) {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'videoconf',
          description: 'Rooms, waiting room, moderation, chat and media tokens',
          version: '1',
        },
        components: {
          securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
        security: [{ bearer: [] }],
      },
      transform: ({ schema, url }) => ({ schema: documentedSchema(schema), url }),
    });
    await app.register(async (docs) => {
      // The documentation is public.
      docs.addHook('onRoute', (route) => {
        route.config = { ...route.config, auth: 'none' };
      });
      // The page at `…/docs` (no trailing slash) links its assets by absolute path, built from
      // `indexPrefix` + `routePrefix`: `indexPrefix` is where this scope is mounted (the plugin's
      // `prefix` and any prefix of the host's own), or the assets would be asked at `/docs/…`.
      await docs.register(swaggerUi, {
        routePrefix: '/docs',
        indexPrefix: docs.prefix,
        staticCSP: true,
      });
    });
  }

  // The hooks that do not wait for anything take a callback: an async hook costs a promise and
  // a microtask turn on every request (bench `http.me`, docs/benchmarks.md).
  const { httpDuration } = context.metrics;
  app.addHook('onResponse', (request, reply, done) => {
    httpDuration.observe(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });

  app.decorateRequest('videoconf', null as unknown as { principal: null; authError: null });
  // Authentication runs first so the rate limiter can key by user; a refusal is raised only
  // after the limiter (preParsing), so that requests with bad credentials are counted too.
  app.addHook('onRequest', async (request) => {
    request.videoconf = { principal: null, authError: null };
    const mode = request.routeOptions.config?.auth ?? 'required';
    if (request.is404 || mode === 'none' || request.method === 'OPTIONS') return;
    try {
      const principal = await context.auth.authenticate(request);
      if (!principal) {
        if (mode === 'required') throw new ConferenceError('UNAUTHORIZED');
        return;
      }
      const { user } = principal;
      if (context.adminEmails.has(user.email) && user.globalRole === 'user') {
        principal.user =
          (await context.storage.updateUser(user.id, { globalRole: 'technical_admin' })) ?? user;
      }
      // A guest token acts on the room of its invite only.
      const params = request.params as { id?: string } | undefined;
      if (principal.roomId && params?.id && params.id !== principal.roomId) {
        throw new ConferenceError('FORBIDDEN', 'Guests may only act on the room of their invite');
      }
      request.videoconf.principal = principal;
    } catch (error) {
      request.videoconf.authError = error as Error;
    }
  });
  app.addHook('preParsing', (request, _reply, _payload, done) => {
    done(request.videoconf.authError ?? undefined);
  });

  await registerRateLimit(app, context);
  await registerRealtime(app, context);

  app.addHook('preValidation', (request, _reply, done) => {
    const problem =
      unstorableText(request.body) ??
      unstorableText(request.query) ??
      unstorableText(request.params);
    done(problem ? new ConferenceError('VALIDATION_ERROR', problem) : undefined);
  });

  await app.register(operationsRoutes);
  if (options.embed) await app.register(embedRoutes, options.embed);
  await app.register(
    async (v1: App) => {
      if (context.auth.password) {
        await v1.register(authRoutes, { flows: context.auth.password });
      }
      await v1.register(userRoutes);
      await v1.register(roomRoutes);
      await v1.register(moderationRoutes);
      await v1.register(mediaRoutes);
      await v1.register(livekitWebhookRoutes);
      await v1.register(inviteRoutes);
      await v1.register(waitingRoomRoutes);
      await v1.register(chatRoutes);
      await v1.register(statsRoutes);
      await v1.register(auditRoutes);
      await v1.register(adminRateLimitRoutes);
    },
    { prefix: API_PREFIX },
  );
}

const plugin: FastifyPluginAsync<ConferencePluginOptions> = async (app, { prefix, ...options }) => {
  const context = await createContext(options, app.log);
  app.decorate('videoconf', context);
  app.addHook('onClose', async () => context.close());
  await app
    .withTypeProvider<TypeBoxTypeProvider>()
    .register(api, { context, prefix: prefix ?? '', ownNotFound: Boolean(prefix) });
};

/**
 * Mounts videoconf into a host Fastify app (5.x): its routes under `prefix`, `app.videoconf`
 * for the host's own code. Our error handler, validation and hooks stay inside our routes.
 */
export const conferencePlugin = fp(plugin, { fastify: '5.x', name: '@videoconf/server' });

export type { FastifyInstance };

async function registerCors(app: FastifyInstance, origins: string[]): Promise<void> {
  await app.register(cors, {
    origin: origins,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS'],
    exposedHeaders: [
      'retry-after',
      'x-ratelimit-limit',
      'x-ratelimit-remaining',
      'x-ratelimit-reset',
    ],
  });
}
