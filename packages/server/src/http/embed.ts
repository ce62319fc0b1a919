// The embed script: `dist/videoconf.js` of `@videoconf/web-components`, one self-contained ES
// module that a page on any origin loads with `<script type="module" src=…/embed/videoconf.js>`.
// Read, hashed and compressed once at start; every answer comes from memory.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { App } from './types';

/** `ConferenceOptions.embed`. */
export interface EmbedOptions {
  /** Absolute path of the built script (`dist/videoconf.js` of `@videoconf/web-components`). */
  script: string;
}

/** The path of the plain URL, under the plugin's prefix. */
export const EMBED_PATH = '/embed/videoconf.js';

/** The plain URL is what site owners paste: cached briefly, then revalidated by ETag. */
const PLAIN_CACHE = 'public, max-age=300, stale-while-revalidate=86400';
/** The hashed URL names one content for ever. */
const HASHED_CACHE = 'public, max-age=31536000, immutable';

interface Variant {
  body: Buffer;
  etag: string;
}

interface EmbedScript {
  hash: string;
  hashedPath: string;
  identity: Variant;
  gzip: Variant;
  br: Variant;
}

/**
 * Reads the script and prepares its answers. Throws, with the path and the reason, when the file
 * cannot be read or is empty: a misconfigured server fails at start, not with a 500 later.
 */
export async function loadEmbedScript(path: string): Promise<EmbedScript> {
  let body: Buffer;
  try {
    body = await readFile(path);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`embed.script: cannot read ${path} (${reason})`, { cause: error });
  }
  if (body.length === 0) throw new Error(`embed.script: ${path} is empty`);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  // On libuv's thread pool, side by side: for 1.4 MB of JavaScript, brotli at quality 9 takes
  // about 0.3 s and gzip at level 9 0.4 s (quality 11 would take 4.7 s for 10% less).
  const [gzipped, brotli] = await Promise.all([
    promisify(gzip)(body, { level: 9 }),
    promisify(brotliCompress)(body, {
      params: {
        [zlib.BROTLI_PARAM_QUALITY]: 9,
        [zlib.BROTLI_PARAM_SIZE_HINT]: body.length,
        [zlib.BROTLI_PARAM_MODE]: zlib.BROTLI_MODE_TEXT,
      },
    }),
  ]);
  return {
    hash,
    hashedPath: `/embed/videoconf.${hash}.js`,
    identity: { body, etag: `"${hash}"` },
    gzip: { body: gzipped, etag: `"${hash}-gzip"` },
    br: { body: brotli, etag: `"${hash}-br"` },
  };
}

/** The encoding to answer with: brotli, then gzip, when the client accepts them. */
function pick(script: EmbedScript, acceptEncoding: string | undefined): [string | null, Variant] {
  const accepted = new Set(
    (acceptEncoding ?? '')
      .split(',')
      .map((item) => item.trim().split(';'))
      .filter(([, q]) => !q || !/^\s*q\s*=\s*0(\.0*)?\s*$/.test(q))
      .map(([name]) => name!.trim().toLowerCase()),
  );
  if (accepted.has('br')) return ['br', script.br];
  if (accepted.has('gzip')) return ['gzip', script.gzip];
  return [null, script.identity];
}

/** Whether `If-None-Match` names this content (weak comparison, any encoding of it). */
function notModified(script: EmbedScript, ifNoneMatch: string | undefined): boolean {
  if (!ifNoneMatch) return false;
  if (ifNoneMatch.trim() === '*') return true;
  const ours = new Set([script.identity.etag, script.gzip.etag, script.br.etag]);
  return ifNoneMatch.split(',').some((tag) => ours.has(tag.trim().replace(/^W\//, '')));
}

/**
 * Serves the script at `/embed/videoconf.js` (cached 5 minutes, then revalidated: the URL stays
 * while the content changes with each release) and at `/embed/videoconf.<hash>.js` (immutable
 * for a year), both readable by pages of any origin: `Access-Control-Allow-Origin: *` (a module
 * script is fetched in CORS mode) and `Cross-Origin-Resource-Policy: cross-origin`.
 */
export async function embedRoutes(app: App, { script: path }: EmbedOptions): Promise<void> {
  const script = await loadEmbedScript(path);
  const linkPath = `${app.prefix}${script.hashedPath}`;
  const answer =
    (cacheControl: string, withLink: boolean) => (request: FastifyRequest, reply: FastifyReply) => {
      const [encoding, variant] = pick(script, request.headers['accept-encoding']);
      reply
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('access-control-allow-origin', '*')
        .header('cache-control', cacheControl)
        .header('vary', 'accept-encoding')
        .header('etag', variant.etag);
      if (withLink) reply.header('link', `<${linkPath}>; rel="canonical"`);
      if (notModified(script, request.headers['if-none-match'])) {
        return reply.code(304).send();
      }
      if (encoding) reply.header('content-encoding', encoding);
      return reply
        .type('text/javascript; charset=utf-8')
        .header('content-length', variant.body.length)
        .send(variant.body);
    };
  // Public, and outside the CORS policy of the API: the script carries no credentials, and any
  // page may load it. Rate limits stay (a browser asks once, then revalidates every 5 minutes).
  const config = { auth: 'none' as const, cors: false };
  const schema = { hide: true };
  app.get(EMBED_PATH, { config, schema }, answer(PLAIN_CACHE, true));
  app.get(script.hashedPath, { config, schema }, answer(HASHED_CACHE, false));
  app.log.debug({ script: path, hash: script.hash }, 'embed script served');
}
