import { type ConferenceServerOptions, listFromEnv } from './options';

/** Where the ready-made server listens. */
export interface ListenAddress {
  port: number;
  host: string;
}

/** Reads the environment of docs/configuration.md (everything but storage and logging). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): {
  options: ConferenceServerOptions;
  listen: ListenAddress;
  databaseUrl: string | null;
} {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number, got ${env.PORT}`);
  }
  const options: ConferenceServerOptions = {
    jwtSecret: env.JWT_SECRET || undefined,
    adminEmails: listFromEnv(env.ADMIN_EMAILS),
    rateLimit:
      env.RATE_LIMIT?.toLowerCase() === 'off'
        ? false
        : { exemptLoopback: env.NODE_ENV !== 'production' },
  };
  const trustProxy = parseTrustProxy(env.TRUST_PROXY);
  if (trustProxy !== undefined) options.trustProxy = trustProxy;
  const origins = listFromEnv(env.CORS_ORIGINS);
  if (origins.length > 0) options.cors = { origins };
  if (env.REDIS_URL) options.redis = { url: env.REDIS_URL };
  if (env.LIVEKIT_URL) {
    if (!env.LIVEKIT_API_KEY || !env.LIVEKIT_API_SECRET) {
      throw new Error('LIVEKIT_URL needs LIVEKIT_API_KEY and LIVEKIT_API_SECRET');
    }
    options.livekit = {
      url: env.LIVEKIT_URL,
      apiKey: env.LIVEKIT_API_KEY,
      apiSecret: env.LIVEKIT_API_SECRET,
    };
  }
  return {
    options,
    listen: { port, host: env.HOST || '127.0.0.1' },
    databaseUrl: env.DATABASE_URL || null,
  };
}

/**
 * `TRUST_PROXY`: `true`, or comma-separated addresses/CIDRs of the proxies whose
 * `X-Forwarded-For` is believed (so rate limits see client IPs behind a load balancer).
 */
function parseTrustProxy(value: string | undefined): boolean | string[] | undefined {
  if (!value) return undefined;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return listFromEnv(value);
}
