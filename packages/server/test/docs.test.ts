import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ERROR_STATUS, ROOM_EVENT_TYPES } from '@videoconf/protocol';
import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGES } from '../src/errors';
import { testServer } from './support/app';
import { livekitOptions } from './support/livekit';

const errorsPage = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** The rows of the page's table, as trimmed cells. */
const rows = errorsPage
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

describe('docs/errors.md', () => {
  it('lists every error code with its status and message, and no other', () => {
    const expected = Object.entries(ERROR_STATUS).map(([code, status]) => [
      `\`${code}\``,
      String(status),
      ERROR_MESSAGES[code as keyof typeof ERROR_MESSAGES],
    ]);
    expect(rows).toEqual(expected);
  });
});

/** `METHOD path` of every route row of docs/api.md, as Fastify names the route. */
function documentedRoutes(page: string): string[] {
  const routes: string[] = [];
  for (const line of page.split('\n')) {
    const row = /^\| (GET|POST|PUT|DELETE) \| (.+?) \|/.exec(line);
    if (!row) continue;
    const [, method, cell = ''] = row;
    for (const [, path = ''] of cell.matchAll(/`([^`]+)`/g)) {
      const bare = path.replace(/\?.*$/, '');
      const full = /^\/(health|metrics|docs|embed|ws)\b/.test(bare) ? bare : `/api/v1${bare}`;
      routes.push(`${method} ${full}`);
    }
  }
  return routes;
}

describe('docs/api.md', () => {
  it('lists every route the server serves, and no other', async () => {
    const app = testServer({
      livekit: livekitOptions('http://127.0.0.1:1'),
      embed: { script: fileURLToPath(new URL('./fixtures/embed/videoconf.js', import.meta.url)) },
    });
    const served: string[] = [];
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) served.push(`${method} ${route.url}`);
    });
    await app.ready();
    await app.close();
    const documented = documentedRoutes(
      readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8'),
    );
    // Swagger UI's own assets, HEAD twins and the embed script's hashed URL are not part of
    // the contract; the WebSocket routes have their own section.
    const contract = served.filter(
      (route) =>
        !route.startsWith('HEAD ') &&
        !/^GET \/docs\/./.test(route.replace('GET /docs/json', '')) &&
        !/^GET \/ws\//.test(route) &&
        !/^GET \/embed\/videoconf\.[0-9a-f]{16}\.js$/.test(route),
    );
    expect([...new Set(documented)].sort()).toEqual([...new Set(contract)].sort());
  });

  it('names every room event type of the protocol', () => {
    const page = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const websocket = page.slice(page.indexOf('## WebSocket'));
    expect(ROOM_EVENT_TYPES.filter((type) => !websocket.includes(`\`${type}\``))).toEqual([]);
  });

  it('names the WebSocket paths the server serves', async () => {
    const app = testServer();
    const sockets: string[] = [];
    app.addHook('onRoute', (route) => {
      if (route.url.startsWith('/ws/') && route.method === 'GET') sockets.push(route.url);
    });
    await app.ready();
    await app.close();
    const page = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const heading = page.split('\n').find((line) => line.startsWith('## WebSocket'));
    const named = [...(heading ?? '').matchAll(/`(\/ws\/[^`]+)`/g)].map(([, path]) => path);
    expect(named.sort()).toEqual(sockets.sort());
  });
});
