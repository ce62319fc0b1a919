// `videoconf serve --static <prefix>=<dir>`: the CLI's opt-in to serve files next to the API
// (what `pnpm start` uses for examples/client-only). Without the flag nothing is served there;
// with it the files come with a CSP that lets a page reach this server and its LiveKit only.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseStaticMounts } from '../src/http/static-files';
import { serveCli } from './support/cli';

const running: ChildProcess[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
});

/** `videoconf serve` from source on a free port, with `args`; resolves with its base URL. */
async function serve(args: string[]): Promise<string> {
  const { child, url } = await serveCli({
    args,
    env: {
      DATABASE_URL: '',
      REDIS_URL: '',
      LIVEKIT_URL: 'ws://127.0.0.1:7880',
      LIVEKIT_API_KEY: 'devkey',
      LIVEKIT_API_SECRET: 'secret-of-at-least-32-characters-long',
    },
  });
  running.push(child);
  return url;
}

describe('videoconf serve --static', { timeout: 90_000 }, () => {
  it('serves a directory at a prefix, with a CSP for this server and its LiveKit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'videoconf-static-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>page</title>');
    writeFileSync(join(dir, 'app.js'), 'export {};');
    const base = await serve(['--static', `/examples/page/=${dir}`]);

    const page = await fetch(`${base}/examples/page/?invite=abc`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await page.text()).toContain('<title>page</title>');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self' ws://127.0.0.1:7880 http://127.0.0.1:7880");
    // An invite token in the page's URL never leaves in a Referer.
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await fetch(`${base}/examples/page/app.js`)).headers.get('content-type')).toMatch(
      /javascript/,
    );

    const bare = await fetch(`${base}/examples/page?room=1`, { redirect: 'manual' });
    expect(bare.status).toBe(301);
    expect(bare.headers.get('location')).toBe('/examples/page/?room=1');
    expect((await fetch(`${base}/examples/page/missing.js`)).status).toBe(404);
    expect((await fetch(`${base}/examples/page/%2e%2e/%2e%2e/etc/passwd`)).status).toBe(404);
    // The API is as it was.
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('serves nothing without the flag', async () => {
    const base = await serve([]);
    expect((await fetch(`${base}/examples/page/`)).status).toBe(404);
  });

  it('refuses a prefix that is not one of its own', () => {
    expect(() => parseStaticMounts(['/api/v1/=dist'])).toThrow(/not a prefix of its own/);
    expect(() => parseStaticMounts(['dist'])).toThrow(/<url prefix>=<directory>/);
    for (const taken of ['/docs/=dist', '/embed=dist', 'ws/x=dist', '/health/=dist']) {
      expect(() => parseStaticMounts([taken])).toThrow(/not a prefix of its own/);
    }
    // The root: `pnpm start`'s meeting page.
    expect(parseStaticMounts(['/=site'], '/srv')).toEqual([{ prefix: '/', root: '/srv/site' }]);
    expect(parseStaticMounts(['app=dist'], '/srv')).toEqual([
      { prefix: '/app/', root: '/srv/dist' },
    ]);
  });
});
