// The Swagger UI page as a browser loads it: the HTML, then every script, stylesheet and icon
// it references (resolved against the page URL), then the OpenAPI document that
// swagger-initializer.js asks for. Mounted at the root and under prefixes.
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { conferencePlugin } from '../src/plugin';
import { TEST_SECRET, testServer } from './support/app';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

/** Every URL the page would load, with the status it answered. */
async function loadPage(page: string): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  const get = async (url: string) => {
    const res = await fetch(url);
    statuses[new URL(url).pathname] = res.status;
    return { status: res.status, body: await res.text() };
  };
  const html = (await get(page)).body;
  const references = [...html.matchAll(/<(?:script|link)\b[^>]*?\b(?:src|href)="([^"]+)"/g)].map(
    ([, reference]) => new URL(reference!, page).href,
  );
  expect(references.length).toBeGreaterThan(3);
  for (const url of references) {
    const res = await get(url);
    if (!url.endsWith('/swagger-initializer.js') || res.status !== 200) continue;
    // swagger-initializer.js resolves its URLs against the page URL with a trailing slash.
    const script = res.body;
    const base = page.endsWith('/') ? page : `${page}/`;
    const loads = [...script.matchAll(/url: resolveUrl\('([^']+)'\)/g)].map(([, path]) => path!);
    expect(loads).toContain('./json');
    const spec = await get(new URL('./json', base).href);
    expect(JSON.parse(spec.body).openapi).toMatch(/^3\./);
  }
  return statuses;
}

async function expectPageLoads(origin: string, docs: string) {
  for (const page of [`${origin}${docs}`, `${origin}${docs}/`]) {
    const statuses = await loadPage(page);
    expect(Object.keys(statuses)).toEqual(
      expect.arrayContaining([
        new URL(page).pathname,
        `${docs}/static/swagger-ui-bundle.js`,
        `${docs}/static/swagger-initializer.js`,
        `${docs}/json`,
      ]),
    );
    expect({ page, statuses }).toEqual({
      page,
      statuses: Object.fromEntries(Object.keys(statuses).map((path) => [path, 200])),
    });
  }
}

describe('Swagger UI', () => {
  it('loads with its assets at the root (createConferenceServer)', async () => {
    app = testServer();
    const origin = await app.listen({ port: 0, host: '127.0.0.1' });
    await expectPageLoads(origin, '/docs');
  });

  it('loads with its assets under the plugin prefix', async () => {
    app = Fastify({ logger: false });
    await app.register(conferencePlugin, {
      prefix: '/videoconf',
      jwtSecret: TEST_SECRET,
      rateLimit: false,
    });
    const origin = await app.listen({ port: 0, host: '127.0.0.1' });
    await expectPageLoads(origin, '/videoconf/docs');
  });

  it('loads with its assets when the host mounts the plugin inside its own prefix', async () => {
    app = Fastify({ logger: false });
    await app.register(
      async (outer) => {
        await outer.register(conferencePlugin, {
          prefix: '/videoconf',
          jwtSecret: TEST_SECRET,
          rateLimit: false,
        });
      },
      { prefix: '/tools' },
    );
    const origin = await app.listen({ port: 0, host: '127.0.0.1' });
    await expectPageLoads(origin, '/tools/videoconf/docs');
  });
});
