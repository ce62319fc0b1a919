// An existing Fastify app with its own users, login form and cookie sessions, which adds
// meetings by mounting videoconf's `conferencePlugin` under /meet. `customAuth` maps the app's
// identity to videoconf's principal, from either of two credentials of the app:
// - its session cookie: the app's own pages call the API under /meet/api/v1 with it;
// - a short-lived bearer token the app signs for a signed-in user (`POST /meet-token`):
//   `<vc-room>` takes it through `.getToken`, for the API and for the WebSocket's auth frame.
// Guests with an invite link get videoconf's own guest token instead (the element redeems the
// invite); `customAuth` answers null for them, and videoconf checks its own token.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { ConferenceError, conferencePlugin, customAuth } from '@videoconf/server';
import Fastify from 'fastify';

/** Where videoconf lives in this app. */
export const PREFIX = '/meet';

/** The app's own users (a real app has a database). Passwords compared as SHA-256 digests. */
const USERS = [
  { id: 'u-alice', email: 'alice@example.com', name: 'Alice Adams', password: 'alice-password' },
  { id: 'u-bob', email: 'bob@example.com', name: 'Bob Brown', password: 'bob-password' },
];
const digest = (text) => createHash('sha256').update(text).digest();

/** Lifetime of the app's meeting tokens: `<vc-room>` asks for a new one when it needs it. */
const TOKEN_SECONDS = 600;

/** The web components' embed script, when `@videoconf/web-components` is built and installed. */
function embedScript() {
  try {
    return createRequire(import.meta.url).resolve('@videoconf/web-components/videoconf.js');
  } catch {
    return null;
  }
}

const escapeHtml = (text) =>
  String(text).replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c],
  );

const page = (title, body) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>${escapeHtml(title)} · Acme intranet</title>
    <link rel="stylesheet" href="/public/style.css" />
  </head>
  <body>
    <header><a href="/">Acme intranet</a></header>
    <main>
${body}
    </main>
  </body>
</html>`;

const publicFiles = {
  'client.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

/**
 * Builds the app. `options.logger` goes to Fastify; `options.livekit` (or the LIVEKIT_* variables)
 * turns video on.
 */
export async function buildApp({ logger = true, env = process.env } = {}) {
  const app = Fastify({ logger });
  await app.register(cookie, { secret: env.COOKIE_SECRET || randomBytes(32).toString('hex') });
  await app.register(formbody);

  /** sid → user: the app's session store (in memory here). */
  const sessions = new Map();
  /** The signed-in user of a request, from the app's signed `sid` cookie, or null. */
  const userOf = (request) => {
    const raw = app.parseCookie(request.headers.cookie ?? '').sid;
    if (!raw) return null;
    const { valid, value } = app.unsignCookie(raw);
    return valid ? (sessions.get(value) ?? null) : null;
  };

  // The app's meeting tokens: `acme.<payload>.<HMAC-SHA256>`, payload `{sub, exp}`.
  const tokenKey = env.APP_TOKEN_SECRET || randomBytes(32).toString('hex');
  const sign = (payload) => createHmac('sha256', tokenKey).update(payload).digest('base64url');
  const issueToken = (user) => {
    const exp = Math.floor(Date.now() / 1000) + TOKEN_SECONDS;
    const payload = Buffer.from(JSON.stringify({ sub: user.id, exp })).toString('base64url');
    return `acme.${payload}.${sign(payload)}`;
  };
  /** The user of an app token; throws when it is forged (401 INVALID_TOKEN) or expired. */
  const userOfToken = (token) => {
    const [, payload = '', signature = ''] = token.split('.');
    const expected = Buffer.from(sign(payload));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new Error('forged app token');
    }
    const { sub, exp } = JSON.parse(Buffer.from(payload, 'base64url').toString());
    // TOKEN_EXPIRED tells the client to ask `.getToken` for a fresh one.
    if (exp <= Date.now() / 1000) throw new ConferenceError('TOKEN_EXPIRED');
    const user = USERS.find((u) => u.id === sub);
    if (!user) throw new Error('unknown user');
    return user;
  };

  const script = embedScript();
  if (!script) {
    app.log.warn(
      `@videoconf/web-components/videoconf.js cannot be resolved (not built?): ${PREFIX}/embed/videoconf.js answers 404 ` +
        '(pnpm --filter @videoconf/web-components run build)',
    );
  }
  await app.register(conferencePlugin, {
    prefix: PREFIX,
    // Signs the guests' tokens (invite links); required to be stable across restarts in production.
    jwtSecret: env.JWT_SECRET || randomBytes(32).toString('hex'),
    ...(env.LIVEKIT_URL && {
      livekit: {
        url: env.LIVEKIT_URL,
        apiKey: env.LIVEKIT_API_KEY,
        apiSecret: env.LIVEKIT_API_SECRET,
      },
    }),
    ...(script && { embed: { script } }),
    auth: customAuth({
      name: 'acme-session',
      authenticate(request) {
        const bearer = /^Bearer +(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
        // Our token, else our cookie; neither: videoconf then checks its own tokens (guests).
        const user = bearer?.startsWith('acme.') ? userOfToken(bearer) : userOf(request);
        if (!user) return null;
        return { id: user.id, email: user.email, displayName: user.name };
      },
    }),
  });

  // A meeting token for the signed-in user (`<vc-room>`'s `.getToken`). POST: never cached, and
  // with the SameSite=Lax cookie, never sent by another site's page.
  app.post('/meet-token', (request, reply) => {
    const user = userOf(request);
    if (!user) return reply.code(401).send({ error: 'not signed in' });
    return reply.header('cache-control', 'no-store').send({ token: issueToken(user) });
  });

  // --- the app's own pages ---

  app.get('/login', (request, reply) => {
    const failed = request.query.failed !== undefined;
    reply.type('text/html').send(
      page(
        'Sign in',
        `      <h1>Sign in</h1>
      ${failed ? '<p role="alert" class="error">Wrong email or password.</p>' : ''}
      <form method="post" action="/login" class="card">
        <label>Email <input name="email" type="email" autocomplete="username" required /></label>
        <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
        <input type="hidden" name="next" value="${escapeHtml(request.query.next ?? '/')}" />
        <button type="submit">Sign in</button>
      </form>
      <p class="hint">Demo users: alice@example.com / alice-password, bob@example.com / bob-password.</p>`,
      ),
    );
  });

  app.post('/login', (request, reply) => {
    const { email = '', password = '', next = '/' } = request.body ?? {};
    const user = USERS.find((u) => u.email === String(email).trim().toLowerCase());
    const ok = user && timingSafeEqual(digest(String(password)), digest(user.password));
    if (!ok) return reply.redirect('/login?failed');
    const sid = randomBytes(24).toString('base64url');
    sessions.set(sid, user);
    reply.setCookie('sid', sid, { signed: true, httpOnly: true, sameSite: 'lax', path: '/' });
    // Only a path of this app: never an open redirect.
    return reply.redirect(/^\/(?!\/)/.test(next) ? next : '/');
  });

  app.post('/logout', (request, reply) => {
    const raw = request.cookies.sid;
    const { valid, value } = raw ? app.unsignCookie(raw) : { valid: false };
    if (valid) sessions.delete(value);
    reply.clearCookie('sid', { path: '/' });
    return reply.redirect('/login');
  });

  app.get('/', (request, reply) => {
    const user = userOf(request);
    if (!user) return reply.redirect('/login');
    return reply.type('text/html').send(
      page(
        'Meetings',
        `      <h1>Hello, ${escapeHtml(user.name)}</h1>
      <form method="post" action="/logout"><button type="submit">Sign out</button></form>
      <form id="create-form" class="card">
        <h2>New meeting</h2>
        <label>Title <input name="title" required maxlength="200" /></label>
        <label class="check"><input name="waitingRoom" type="checkbox" checked /> Waiting room</label>
        <button type="submit">Create and open</button>
      </form>
      <h2>Your meetings</h2>
      <ul id="rooms"></ul>
      <p id="notice" role="status"></p>
      <script type="module" src="/public/client.js"></script>`,
      ),
    );
  });

  // The meeting: <vc-room> from videoconf's embed script. Signed in: client.js gives it
  // `.getToken` (the app's meeting tokens). With `?invite=`: a guest, whom the element asks for
  // a name.
  app.get('/room/:id', (request, reply) => {
    const user = userOf(request);
    const invite = request.query.invite;
    if (!user && !invite) {
      return reply.redirect(`/login?next=${encodeURIComponent(request.url)}`);
    }
    const attributes = [
      `server="${escapeHtml(`${request.protocol}://${request.host}${PREFIX}`)}"`,
      `room="${escapeHtml(request.params.id)}"`,
      user ? `display-name="${escapeHtml(user.name)}"` : `invite="${escapeHtml(invite)}"`,
    ].join(' ');
    return reply.type('text/html').send(
      page(
        'Meeting',
        `      <h1 class="visually-hidden">Meeting</h1>
      ${user ? '<p><button id="invite-button" type="button">Copy invite link</button> <input id="invite-link" aria-label="Invite link" readonly hidden /></p>' : ''}
      <vc-room ${attributes}></vc-room>
      <script type="module" src="/public/client.js"></script>
      <script type="module" src="${PREFIX}/embed/videoconf.js"></script>`,
      ),
    );
  });

  for (const [name, type] of Object.entries(publicFiles)) {
    const body = readFileSync(new URL(`./public/${name}`, import.meta.url));
    app.get(`/public/${name}`, (_request, reply) => reply.type(type).send(body));
  }

  return app;
}
