// The embed script (`embed: { script }`, src/http/embed.ts): what a page on another origin gets at
// /embed/videoconf.js, its hashed twin, revalidation, and the start that fails on a bad path.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveEmbedScript } from '../src/http/embed-resolve';
import { conferencePlugin } from '../src/plugin';
import { TEST_SECRET, testServer } from './support/app';

const script = fileURLToPath(new URL('./fixtures/embed/videoconf.js', import.meta.url));
const content = readFileSync(script);
const hash = createHash('sha256').update(content).digest('hex').slice(0, 16);

describe('the embed script', () => {
  const app = testServer({ embed: { script }, cors: { origins: ['http://allowed.example'] } });
  afterAll(() => app.close());

  it('is served to a page of any origin as JavaScript, with a content ETag', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/embed/videoconf.js',
      headers: { origin: 'http://elsewhere.example', 'accept-encoding': 'identity' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.equals(content)).toBe(true);
    expect(res.headers).toMatchObject({
      'content-type': 'text/javascript; charset=utf-8',
      'cross-origin-resource-policy': 'cross-origin',
      // A module script is fetched in CORS mode, without credentials.
      'access-control-allow-origin': '*',
      'cache-control': 'public, max-age=300, stale-while-revalidate=86400',
      etag: `"${hash}"`,
      link: `</embed/videoconf.${hash}.js>; rel="canonical"`,
      'content-length': String(content.length),
    });
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['content-encoding']).toBeUndefined();
  });

  it('gives an allowed API origin the same public answer', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/embed/videoconf.js',
      headers: { origin: 'http://allowed.example' },
    });
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers 304 to a revalidation with its ETag, 200 to a stale one', async () => {
    const fresh = await app.inject({
      method: 'GET',
      url: '/embed/videoconf.js',
      headers: { 'if-none-match': `"${hash}"` },
    });
    expect(fresh.statusCode).toBe(304);
    expect(fresh.body).toBe('');
    expect(fresh.headers.etag).toBeDefined();
    expect(fresh.headers['cache-control']).toContain('max-age=300');
    const stale = await app.inject({
      method: 'GET',
      url: '/embed/videoconf.js',
      headers: { 'if-none-match': '"0000000000000000"' },
    });
    expect(stale.statusCode).toBe(200);
  });

  it('is compressed for clients that accept it, with an ETag of its own', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/embed/videoconf.js',
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/accept-encoding/i);
    expect(res.headers.etag).not.toBe(`"${hash}"`);
    expect(gunzipSync(res.rawPayload).equals(content)).toBe(true);
    const br = await app.inject({
      method: 'GET',
      url: '/embed/videoconf.js',
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(br.headers['content-encoding']).toBe('br');
  });

  it('is served immutable at its content-hashed URL', async () => {
    const res = await app.inject({ method: 'GET', url: `/embed/videoconf.${hash}.js` });
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({
      'cache-control': 'public, max-age=31536000, immutable',
      'cross-origin-resource-policy': 'cross-origin',
      'access-control-allow-origin': '*',
      etag: `"${hash}"`,
    });
    const other = await app.inject({ method: 'GET', url: '/embed/videoconf.0123456789abcdef.js' });
    expect(other.statusCode).toBe(404);
    expect(other.json().code).toBe('NOT_FOUND');
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/embed/videoconf.js' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers.etag).toBe(`"${hash}"`);
  });
});

describe('the embed option', () => {
  it('serves the script under the plugin prefix', async () => {
    const host = Fastify({ logger: false });
    await host.register(conferencePlugin, {
      prefix: '/videoconf',
      jwtSecret: TEST_SECRET,
      rateLimit: false,
      embed: { script },
    });
    try {
      const res = await host.inject({ method: 'GET', url: '/videoconf/embed/videoconf.js' });
      expect(res.statusCode).toBe(200);
      expect(res.headers.link).toBe(`</videoconf/embed/videoconf.${hash}.js>; rel="canonical"`);
      const hashed = await host.inject({
        method: 'GET',
        url: `/videoconf/embed/videoconf.${hash}.js`,
      });
      expect(hashed.statusCode).toBe(200);
      expect((await host.inject({ method: 'GET', url: '/embed/videoconf.js' })).statusCode).toBe(
        404,
      );
    } finally {
      await host.close();
    }
  });

  it('off, the script is not served (404 NOT_FOUND)', async () => {
    const off = testServer();
    try {
      const res = await off.inject({ method: 'GET', url: '/embed/videoconf.js' });
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    } finally {
      await off.close();
    }
  });

  it('fails the start when the file cannot be read, naming it', async () => {
    const missing = join(tmpdir(), 'no-such-dir-videoconf', 'videoconf.js');
    const app = testServer({ embed: { script: missing } });
    await expect(app.ready()).rejects.toThrow(`embed.script: cannot read ${missing} (ENOENT)`);
    await app.close().catch(() => {});
  });
});

/**
 * Runs `fn` with Node's resolution as an installed app has it. pnpm's bin shims (`vitest`) set
 * NODE_PATH to the workspace's hoisted packages, and through it `require.resolve` from any folder
 * finds this workspace's own build of @videoconf/web-components (the root depends on it).
 */
function withoutNodePath<T>(fn: () => T): T {
  const modules = Module as unknown as { _initPaths(): void };
  const saved = process.env.NODE_PATH;
  delete process.env.NODE_PATH;
  modules._initPaths();
  try {
    return fn();
  } finally {
    if (saved !== undefined) process.env.NODE_PATH = saved;
    modules._initPaths();
  }
}

describe('videoconf serve finding @videoconf/web-components', () => {
  it('finds the workspace package from the repository root and from the server (pnpm start)', () => {
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const own = join(root, 'packages', 'web-components', 'package.json');
    withoutNodePath(() => {
      for (const base of [join(root, 'noop.js'), fileURLToPath(import.meta.url)]) {
        const found = createRequire(base).resolve('@videoconf/web-components/package.json');
        expect(realpathSync(found)).toBe(own);
      }
    });
    const manifest = JSON.parse(readFileSync(own, 'utf8'));
    expect(manifest.exports['./videoconf.js']).toBe('./dist/videoconf.js');
    expect(manifest.publishConfig.exports['./videoconf.js']).toBe('./dist/videoconf.js');
  });

  it('finds the installed package’s ./videoconf.js export', () => {
    const dir = mkdtempSync(join(tmpdir(), 'videoconf-embed-'));
    const pkg = join(dir, 'node_modules', '@videoconf', 'web-components');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    writeFileSync(
      join(pkg, 'package.json'),
      JSON.stringify({
        name: '@videoconf/web-components',
        type: 'module',
        exports: { './videoconf.js': './dist/videoconf.js' },
      }),
    );
    writeFileSync(join(pkg, 'dist', 'videoconf.js'), 'export {};\n');
    const empty = mkdtempSync(join(tmpdir(), 'videoconf-empty-'));
    const from = pathToFileURL(join(empty, 'cli.js')).href;
    // From the working directory (the app's own install), then from the server package.
    withoutNodePath(() => {
      expect(resolveEmbedScript(dir, from)).toBe(join(pkg, 'dist', 'videoconf.js'));
      expect(resolveEmbedScript(empty, pathToFileURL(join(dir, 'cli.js')).href)).toBe(
        join(pkg, 'dist', 'videoconf.js'),
      );
      expect(resolveEmbedScript(empty, from)).toBeNull();
    });
  });
});
