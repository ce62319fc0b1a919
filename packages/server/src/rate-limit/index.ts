import rateLimit, {
  type FastifyRateLimitStore,
  type FastifyRateLimitStoreCtor,
  normalizeIP,
  type RateLimitOptions,
} from '@fastify/rate-limit';
import type { RateLimitRule, RateLimitScope } from '@videoconf/protocol';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { ConferenceContext } from '../context';
import { ConferenceError } from '../errors';
import type { App } from '../http/types';
import type { RedisClient } from '../options';
import { type LoginThrottle, loginThrottle } from './accounts';
import { rateLimited, scriptCommand, storeUnavailable } from './refusal';

/** The limits that apply when `rateLimit` names none. */
export const RATE_LIMIT_DEFAULTS = {
  anonymousPerMinute: 300,
  userPerMinute: 1200,
  authPerMinute: 20,
  /** The per-account login budget (`./accounts`). */
  loginFailuresPerAccount: 10,
  loginFailureWindowSeconds: 15 * 60,
} as const;

/** Prefix of every rate-limit counter in Redis. */
export const RATE_LIMIT_NAMESPACE = 'videoconf-rl:';

/** How often the rules of `rate_limit_rules` are re-read, so every instance sees changes. */
export const RULES_REFRESH_MS = 30_000;

const MINUTE = 60_000;
const WINDOWS = [
  { field: 'perMinute', name: 'minute', ms: MINUTE },
  { field: 'perHour', name: 'hour', ms: 60 * MINUTE },
  { field: 'perDay', name: 'day', ms: 24 * 60 * MINUTE },
] as const;

/** A route with a room id: `/rooms/:id…`, `/ws/rooms/:id`, `/ws/chat/:id`. */
const ROOM_ROUTE = /\/(?:rooms|chat)\/:id(?:\/|$)/;

const ipKey = (request: FastifyRequest) => `ip:${normalizeIP(request.ip)}`;

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

/** With `exemptLoopback`, per-IP budgets do not apply to callers on this machine. */
const loopbackAllowList =
  (exempt: boolean) =>
  (request: FastifyRequest, key: string): boolean =>
    exempt && key.startsWith('ip:') && LOOPBACK.test(request.ip);

/** The caller: its user when authenticated (the auth hook ran before), else its IP. */
const callerKey = (request: FastifyRequest) => {
  const principal = request.videoconf?.principal;
  return principal ? `user:${principal.user.id}` : ipKey(request);
};

/** What `@fastify/rate-limit` throws on a refusal; the error handler writes the body. */
const errorResponseBuilder: RateLimitOptions['errorResponseBuilder'] = (_request, { after }) =>
  new ConferenceError('RATE_LIMITED', `Too many requests, retry in ${after}`);

/**
 * Rate limiting of the API scope, with `@fastify/rate-limit`:
 * - every route: per user when authenticated, per IP otherwise, a minute window;
 * - routes with `config.rateLimitGroup: 'credentials'`: a stricter per-IP budget of their own;
 * - the enabled rules of `rate_limit_rules` on top, cached in memory.
 *
 * With Redis the counters are shared by every instance. When Redis fails, credential routes
 * answer 503 `SERVICE_UNAVAILABLE` and the other routes go unlimited.
 *
 * Must be called after the auth `onRequest` hook is added: our checks run as route-level
 * `onRequest` hooks, which Fastify runs after every instance-level one, and need the principal.
 */
export async function registerRateLimit(app: App, context: ConferenceContext): Promise<void> {
  const { options, redis } = context;
  if (options.rateLimit === false) return;
  const limits = options.rateLimit ?? {};
  const settings = {
    anonymousPerMinute: limits.anonymousPerMinute ?? RATE_LIMIT_DEFAULTS.anonymousPerMinute,
    userPerMinute: limits.userPerMinute ?? RATE_LIMIT_DEFAULTS.userPerMinute,
    authPerMinute: limits.authPerMinute ?? RATE_LIMIT_DEFAULTS.authPerMinute,
    exemptLoopback: limits.exemptLoopback ?? false,
    loginFailuresPerAccount:
      limits.loginFailuresPerAccount ?? RATE_LIMIT_DEFAULTS.loginFailuresPerAccount,
    loginFailureWindowSeconds:
      limits.loginFailureWindowSeconds ?? RATE_LIMIT_DEFAULTS.loginFailureWindowSeconds,
  };

  // Per-route options are merged over the plugin's by @fastify/rate-limit, `skipOnError`
  // included: credential routes refuse when the store fails, the others let requests through.
  const credentials: RateLimitOptions = {
    max: settings.authPerMinute,
    timeWindow: MINUTE,
    keyGenerator: ipKey,
    skipOnError: false,
    allowList: loopbackAllowList(settings.exemptLoopback),
  };
  // Added before the plugin's own onRoute hook, so that it sees the route's `rateLimit`.
  app.addHook('onRoute', (route) => {
    if (route.config?.rateLimitGroup === 'credentials' && route.config.rateLimit === undefined) {
      route.config = { ...route.config, rateLimit: credentials };
    }
  });

  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: MINUTE,
    max: (request) =>
      request.videoconf?.principal ? settings.userPerMinute : settings.anonymousPerMinute,
    keyGenerator: callerKey,
    allowList: loopbackAllowList(settings.exemptLoopback),
    skipOnError: true,
    errorResponseBuilder,
    ...(redis && { store: redisStore(redis, RATE_LIMIT_NAMESPACE, app.log) }),
  });

  logins.set(
    context,
    loginThrottle(
      {
        max: settings.loginFailuresPerAccount,
        windowMs: settings.loginFailureWindowSeconds * 1000,
      },
      redis,
      app.log,
      RATE_LIMIT_NAMESPACE,
    ),
  );

  const rules = ruleLimiter(app, context);
  await rules.reload();
  reloaders.set(context, rules.reload);
  const timer = setInterval(() => {
    rules
      .reload()
      .catch((error) => app.log.warn({ err: error }, 'reloading rate-limit rules failed'));
  }, RULES_REFRESH_MS);
  timer.unref();
  app.addHook('onClose', async () => {
    clearInterval(timer);
    reloaders.delete(context);
    logins.delete(context);
  });
  app.addHook('onRequest', rules.check);
}

const reloaders = new WeakMap<ConferenceContext, () => Promise<void>>();
const logins = new WeakMap<ConferenceContext, LoginThrottle>();

/** The per-account login throttle (`./accounts`); null when limits are off. */
export const loginThrottleOf = (context: ConferenceContext): LoginThrottle | null =>
  logins.get(context) ?? null;

/** Re-reads the rate-limit rules now (after an admin change); a no-op when limits are off. */
export async function reloadRateLimitRules(context: ConferenceContext): Promise<void> {
  await reloaders.get(context)?.();
}

type Limiter = ReturnType<App['createRateLimit']>;

interface CompiledRule {
  scope: RateLimitScope;
  /** One limiter per window the rule sets. */
  limiters: Limiter[];
}

/**
 * The rules of `rate_limit_rules`: loaded into memory (never read per request), each window
 * a counter of its own in the plugin's store, through `createRateLimit`. Rules fail open.
 */
function ruleLimiter(app: App, { storage }: ConferenceContext) {
  const pluginPrefix = app.prefix;
  let allRoutes: CompiledRule[] = [];
  let byRoute = new Map<string, CompiledRule[]>();
  /** Limiters by rule, window and limit: kept across reloads so counters survive them. */
  let limiters = new Map<string, Limiter>();
  let loads = 0;
  let applied = 0;

  const scopeKey = (scope: RateLimitScope, request: FastifyRequest): string | null => {
    switch (scope) {
      case 'global':
        return 'global';
      case 'ip':
        return ipKey(request);
      case 'user': {
        const principal = request.videoconf?.principal;
        return principal ? `user:${principal.user.id}` : null;
      }
      case 'room': {
        const id = (request.params as { id?: unknown } | undefined)?.id;
        const url = request.routeOptions.url ?? '';
        return typeof id === 'string' && ROOM_ROUTE.test(url) ? `room:${id}` : null;
      }
    }
  };

  function compile(list: RateLimitRule[]) {
    const nextLimiters = new Map<string, Limiter>();
    const nextAll: CompiledRule[] = [];
    const nextByRoute = new Map<string, CompiledRule[]>();
    for (const rule of list) {
      // Disabled rules keep their limiters, so that enabling one again keeps its counters.
      const { id: ruleId, scope } = rule;
      const compiled: CompiledRule = { scope, limiters: [] };
      for (const window of WINDOWS) {
        const max = rule[window.field];
        if (max === null || max === undefined) continue;
        const id = `${ruleId}:${scope}:${window.name}:${max}`;
        const limiter =
          limiters.get(id) ??
          app.createRateLimit({
            max,
            timeWindow: window.ms,
            skipOnError: true,
            keyGenerator: (request) => `rule:${ruleId}:${window.name}:${scopeKey(scope, request)}`,
          });
        nextLimiters.set(id, limiter);
        compiled.limiters.push(limiter);
      }
      if (!rule.enabled || compiled.limiters.length === 0) continue;
      if (rule.routePattern === null) {
        nextAll.push(compiled);
      } else {
        const list = nextByRoute.get(rule.routePattern) ?? [];
        list.push(compiled);
        nextByRoute.set(rule.routePattern, list);
      }
    }
    limiters = nextLimiters;
    allRoutes = nextAll;
    byRoute = nextByRoute;
  }

  async function reload() {
    const load = ++loads;
    const list = await storage.listRateLimitRules();
    // A slower, older read never replaces a newer one.
    if (load < applied) return;
    applied = load;
    compile(list);
  }

  const matching = (url: string): CompiledRule[] => {
    if (byRoute.size === 0) return allRoutes;
    const own = byRoute.get(url) ?? [];
    // Patterns may be written with or without the plugin's prefix.
    const local =
      pluginPrefix && url.startsWith(pluginPrefix)
        ? (byRoute.get(url.slice(pluginPrefix.length)) ?? [])
        : [];
    return own.length || local.length ? [...allRoutes, ...own, ...local] : allRoutes;
  };

  async function check(request: FastifyRequest, reply: FastifyReply) {
    if (allRoutes.length === 0 && byRoute.size === 0) return;
    const url = request.routeOptions.url;
    if (request.is404 || url === undefined) return;
    const checks: ReturnType<Limiter>[] = [];
    for (const rule of matching(url)) {
      if (scopeKey(rule.scope, request) === null) continue;
      for (const limiter of rule.limiters) checks.push(limiter(request));
    }
    if (checks.length === 0) return;
    let refusal: { max: number; ttlInSeconds: number } | null = null;
    for (const result of await Promise.all(checks)) {
      if (result.isAllowed || !result.isExceeded) continue;
      if (!refusal || result.ttlInSeconds > refusal.ttlInSeconds) refusal = result;
    }
    if (!refusal) return;
    throw rateLimited(reply, refusal.max, refusal.ttlInSeconds, 'Too many requests');
  }

  return { reload, check };
}

/** INCR with the window set on the first hit (and repaired if a key lost its expiry). */
const INCR_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
local ttl = tonumber(ARGV[1])
if current == 1 then
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    ttl = tonumber(ARGV[1])
    redis.call('PEXPIRE', KEYS[1], ttl)
  end
end
return {current, ttl}
`;

const INCR_COMMAND = 'videoconfRateLimitIncr';

type CounterCommand = (key: string, windowMs: number) => Promise<[number, number]>;

/**
 * The `@fastify/rate-limit` store on the shared Redis client (the plugin's documented `store`
 * extension point). It answers a failure at once, without queueing, when the client is not
 * connected, and reports every failure as 503 `SERVICE_UNAVAILABLE`: routes with `skipOnError`
 * let the request through, credential routes refuse with that code.
 */
export function redisStore(
  redis: RedisClient,
  nameSpace: string,
  log: FastifyBaseLogger,
): FastifyRateLimitStoreCtor {
  const incr = scriptCommand<CounterCommand>(redis, INCR_COMMAND, 1, INCR_SCRIPT);
  const unavailable = storeUnavailable(
    log,
    'rate-limit store unavailable: credential routes answer 503, other routes are not limited',
  );

  class ConferenceRedisStore implements FastifyRateLimitStore {
    readonly #prefix: string;

    constructor(_options?: unknown, prefix = nameSpace) {
      this.#prefix = prefix;
    }

    incr(
      key: string,
      callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
      timeWindow: number,
    ) {
      if (redis.status !== 'ready') {
        callback(unavailable(new Error(`Redis connection is ${redis.status}`)));
        return;
      }
      incr(this.#prefix + key, timeWindow).then(
        ([current, ttl]) => callback(null, { current, ttl }),
        (error: unknown) => callback(unavailable(error)),
      );
    }

    /** Per-route counters: the plugin passes the merged route options (`routeInfo`). */
    child(routeOptions: unknown): FastifyRateLimitStore {
      const info = (routeOptions as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo;
      const route =
        typeof info?.method === 'string' && typeof info.url === 'string'
          ? `${info.method}${info.url}:`
          : '';
      return new ConferenceRedisStore(undefined, this.#prefix + route);
    }
  }
  return ConferenceRedisStore;
}
