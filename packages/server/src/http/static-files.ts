// `videoconf serve --static <prefix>=<dir>`: the CLI's opt-in to serve a directory of files (an
// example page, a front end's build) next to the API, e.g. `pnpm start` serves
// examples/client-only at /examples/client-only/. Not part of the library: a host app serves
// its own files its own way.
import { resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export interface StaticMount {
  /** URL prefix, with a leading and a trailing slash, e.g. `/examples/client-only/`. */
  prefix: string;
  /** The directory served under it (`index.html` for the prefix itself). */
  root: string;
}

/** Parses `--static` values: `<prefix>=<dir>`, the prefix normalised to `/…/`. */
export function parseStaticMounts(values: readonly string[], cwd = process.cwd()): StaticMount[] {
  return values.map((value) => {
    const at = value.indexOf('=');
    if (at <= 0 || at === value.length - 1) {
      throw new Error(`--static expects <url prefix>=<directory>, got ${value}`);
    }
    const trimmed = value.slice(0, at).replace(/^\/+|\/+$/g, '');
    const first = trimmed.split('/')[0];
    if (['api', 'ws', 'docs', 'embed', 'health', 'metrics'].includes(first ?? '')) {
      throw new Error(`--static: ${value.slice(0, at)} is not a prefix of its own`);
    }
    // `/` is the site's root (`pnpm start` serves the meeting page there): only the files
    // of the directory are served, and every route of the server keeps its path.
    return { prefix: trimmed ? `/${trimmed}/` : '/', root: resolve(cwd, value.slice(at + 1)) };
  });
}

/**
 * The Content-Security-Policy of the served pages: scripts and styles from this server only,
 * connections to this server and to the media server (LiveKit's WebSocket and its HTTP check),
 * camera and microphone streams as media. No `upgrade-insecure-requests`: a dev LiveKit on
 * `ws://127.0.0.1` must stay reachable from an http page.
 */
export function staticCsp(mediaUrl?: string): string {
  const connect = ["'self'"];
  if (mediaUrl) {
    const url = new URL(mediaUrl);
    const secure = url.protocol === 'wss:' || url.protocol === 'https:';
    connect.push(
      `${secure ? 'wss' : 'ws'}://${url.host}`,
      `${secure ? 'https' : 'http'}://${url.host}`,
    );
  }
  return [
    "default-src 'self'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    "object-src 'none'",
    "script-src 'self'",
    "script-src-attr 'none'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src ${connect.join(' ')}`,
  ].join(';');
}

/**
 * Serves each mount with `@fastify/static`, with the CSP above and no referrer (invite links).
 * The root mount (`/`) gets one route per file found at start (no wildcard): the API, `/ws`,
 * `/docs`, `/embed`, `/health` and `/metrics` keep theirs, and an unknown path still gets the
 * server's own `404 NOT_FOUND`. A file whose path is a route of the server fails the start.
 */
export async function registerStaticMounts(
  app: FastifyInstance,
  mounts: readonly StaticMount[],
  { mediaUrl }: { mediaUrl?: string } = {},
): Promise<void> {
  const csp = staticCsp(mediaUrl);
  for (const { prefix, root } of mounts) {
    await app.register(fastifyStatic, {
      root,
      prefix,
      // Several mounts in one app: the reply decorators come once (none is used here).
      decorateReply: false,
      index: 'index.html',
      wildcard: prefix !== '/',
      setHeaders(res) {
        res.setHeader('content-security-policy', csp);
        // An invite link's token is in the page's URL: it must not leave in a Referer header.
        res.setHeader('referrer-policy', 'no-referrer');
        res.setHeader('x-content-type-options', 'nosniff');
      },
    });
    if (prefix === '/') continue;
    // `/examples/client-only` → `/examples/client-only/`, so that the page's relative URLs resolve.
    app.get(prefix.slice(0, -1), (request, reply) => {
      const query = request.url.indexOf('?');
      return reply.redirect(prefix + (query === -1 ? '' : request.url.slice(query)), 301);
    });
  }
}
