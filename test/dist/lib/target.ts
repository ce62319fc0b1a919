import { randomBytes } from 'node:crypto';

/** The target under test, as the harness names it (test/dist/README.md). */
function baseUrl(): string {
  const value = process.env.VIDEOCONF_BASE_URL;
  if (!value) {
    throw new Error(
      'VIDEOCONF_BASE_URL is not set: run this suite through `pnpm test:dist`, or point it at a running server (see test/dist/README.md)',
    );
  }
  return value.replace(/\/+$/, '');
}

export const BASE = baseUrl();
export const WS_BASE = BASE.replace(/^http/, 'ws');
export const TARGET = process.env.VIDEOCONF_TARGET ?? BASE;
/**
 * `pnpm start` (`start:*`): the HTTP server is ours. In the plugin targets the host app owns it,
 * and with it the answers of Node's HTTP parser.
 */
export const STORAGE = process.env.VIDEOCONF_STORAGE ?? 'memory';
/** The target's own database, for `postgres` targets. */
export const DATABASE_URL = process.env.VIDEOCONF_DATABASE_URL;

/** Settings every target is started with (test/dist/README.md). */
export const ADMIN_EMAIL = 'admin@e2e.test';
export const JWT_SECRET = 'e2e-only-secret-0123456789abcdef0123456789';

/** Unique per run, so that the suite can run twice against one target. */
export const RUN = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

export const uniqueEmail = (name: string) => `${name}-${RUN}@e2e.test`;
export const uniqueTitle = (name: string) => `${name} ${RUN}`;
