// What `videoconf serve` prints: JSON lines or pino-pretty (LOG_FORMAT, by default pretty on a
// terminal only), and a banner on stderr once it listens: the meeting page, the API docs, the
// storage and whether video is on.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { banner, logFormat } from '../src/cli-output';
import { serveCli } from './support/cli';

const running: ChildProcess[] = [];
afterEach(async () => {
  for (const child of running.splice(0)) {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await exited;
  }
});

const NO_MEDIA = { DATABASE_URL: '', REDIS_URL: '', LIVEKIT_URL: '' };

async function serve(env: Record<string, string>, args: string[] = []) {
  const started = await serveCli({ args, env: { ...NO_MEDIA, ...env } });
  running.push(started.child);
  // The banner (stderr) and the ready line (stdout, written asynchronously) both came through.
  const deadline = Date.now() + 10_000;
  const done = () =>
    / {2}Video {9}/.test(started.output()) && started.stdout().includes('ready at');
  while (!done() && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return started;
}

describe('LOG_FORMAT', () => {
  it('is pretty on a terminal and JSON otherwise, unless set', () => {
    expect(logFormat(undefined, true)).toBe('pretty');
    expect(logFormat(undefined, false)).toBe('json');
    expect(logFormat(undefined, undefined)).toBe('json');
    expect(logFormat('', true)).toBe('pretty');
    expect(logFormat('json', true)).toBe('json');
    expect(logFormat(' Pretty ', false)).toBe('pretty');
    expect(() => logFormat('xml', false)).toThrow('LOG_FORMAT must be json or pretty, got xml');
  });

  it('json: every line of stdout is one JSON object', async () => {
    const { stdout } = await serve({ LOG_FORMAT: 'json' });
    const lines = stdout().trim().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((line) => JSON.parse(line).msg.startsWith('videoconf ready at'))).toBe(true);
  });

  it('pretty: readable lines through pino-pretty, secrets still redacted', async () => {
    const { stdout, url } = await serve({ LOG_FORMAT: 'pretty' });
    await fetch(`${url}/health`, { headers: { authorization: 'Bearer top-secret-token' } });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const text = stdout();
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\] INFO: videoconf ready at http:\/\/127\.0\.0\.1:\d+/m);
    expect(text).not.toMatch(/^\{"level"/m);
    expect(text).not.toContain('top-secret-token');
  });

  it('refuses a value it does not know', async () => {
    await expect(serveCli({ env: { ...NO_MEDIA, LOG_FORMAT: 'xml' } })).rejects.toThrow(
      /LOG_FORMAT must be json or pretty, got xml/,
    );
  });
});

describe('the banner', () => {
  it('says where the meeting page and the API docs are, the storage, and that video is off', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'videoconf-banner-'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>meeting</title>');
    const { output, stdout, url } = await serve({ LOG_FORMAT: 'json' }, ['--static', `/=${dir}`]);
    const lines = output().split('\n');
    const at = lines.indexOf(`videoconf is ready at ${url}`);
    expect(at, output()).toBeGreaterThan(-1);
    expect(lines.slice(at, at + 5)).toEqual([
      `videoconf is ready at ${url}`,
      `  Meeting       ${url}/`,
      `  API docs      ${url}/docs`,
      '  Storage       in memory (everything ends with the process; DATABASE_URL for PostgreSQL)',
      '  Video         off: no LiveKit configured (chat and the waiting room work; see docs/livekit.md)',
    ]);
    // On stderr: stdout stays JSON lines.
    expect(stdout()).not.toContain('videoconf is ready at');
    // The meeting page is there, and the API and the docs kept their paths.
    expect(await (await fetch(`${url}/`)).text()).toContain('<title>meeting</title>');
    expect((await fetch(`${url}/docs/json`)).status).toBe(200);
    expect((await fetch(`${url}/api/v1/nothing-here`)).status).toBe(404);
  });

  it('names PostgreSQL, LiveKit and other pages', () => {
    expect(
      banner({
        address: 'http://127.0.0.1:3000',
        mounts: ['/examples/client-only/'],
        docs: true,
        storage: 'sequelize',
        livekitUrl: 'ws://127.0.0.1:7880',
      }),
    ).toEqual([
      'videoconf is ready at http://127.0.0.1:3000',
      '  Page          http://127.0.0.1:3000/examples/client-only/',
      '  API docs      http://127.0.0.1:3000/docs',
      '  Storage       PostgreSQL',
      '  Video         on (LiveKit at ws://127.0.0.1:7880)',
    ]);
  });
});
