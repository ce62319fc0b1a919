import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, beforeAll } from 'vitest';
import { customAuth } from '../src/auth/custom';
import { passwordAuth } from '../src/auth/password';
import type { AuthHandler } from '../src/auth/types';
import { ConferenceError } from '../src/errors';
import { memoryStorage } from '../src/storage/memory';
import { sequelizeStorage } from '../src/storage/sequelize/index';
import type { Storage } from '../src/storage/types';
import { runAuthConformance } from '../src/testing/auth-conformance';
import { createTestDatabase } from './support/postgres';

// The host application of the custom adapter signs its own session JWTs with this key.
const HOST_SECRET = 'host-application-secret-of-at-least-32-bytes';

const hostApp = customAuth({
  authenticate(request) {
    const token = request.headers['x-host-session'];
    if (typeof token !== 'string') return null;
    let claims: jwt.JwtPayload;
    try {
      claims = jwt.verify(token, HOST_SECRET, { algorithms: ['HS256'] }) as jwt.JwtPayload;
    } catch (error) {
      // A host may report expiry with our code; anything else it throws becomes INVALID_TOKEN.
      if (error instanceof jwt.TokenExpiredError) throw new ConferenceError('TOKEN_EXPIRED');
      throw error;
    }
    return {
      id: String(claims.sub),
      email: String(claims.email),
      displayName: String(claims.name),
    };
  },
});

const hostSession = (email: string, expiresIn: number, secret = HOST_SECRET) => ({
  headers: {
    'x-host-session': jwt.sign({ email, name: 'Host User' }, secret, {
      subject: `ext-${randomUUID()}`,
      expiresIn,
    }),
  },
});

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pgStorage: Storage;
beforeAll(async () => {
  db = await createTestDatabase();
  pgStorage = sequelizeStorage({ url: db.url });
  await pgStorage.init();
});
afterAll(async () => {
  await pgStorage?.close();
  await db?.drop();
});

const storages: Array<[string, () => Storage]> = [
  ['memory', () => memoryStorage()],
  ['postgres', () => pgStorage],
];

const passwordLogin = async (handler: AuthHandler) => {
  const email = `valid-${randomUUID()}@example.com`;
  await handler.password!.register({ email, password: 'password one', displayName: 'V' });
  const { accessToken } = await handler.password!.login({
    email,
    password: 'password one',
    ip: null,
    userAgent: null,
  });
  return { request: { headers: { authorization: `Bearer ${accessToken}` } }, email };
};

for (const [storageName, storage] of storages) {
  runAuthConformance(`passwordAuth on ${storageName}`, async () => ({
    adapter: passwordAuth({ bcryptCost: 4 }),
    storage: storage(),
    validRequest: (_context, handler) => passwordLogin(handler),
    async forgedRequest(_context, handler) {
      const { request } = await passwordLogin(handler);
      const token = String(request.headers.authorization).slice('Bearer '.length);
      const [header, payload] = token.split('.');
      return { headers: { authorization: `Bearer ${header}.${payload}.${'A'.repeat(43)}` } };
    },
    async expiredRequest(context) {
      const user = await context.storage.createUser({
        email: `expired-${randomUUID()}@example.com`,
        displayName: 'E',
      });
      return {
        headers: { authorization: `Bearer ${context.tokens.signAccess({ userId: user.id }, -10)}` },
      };
    },
  }));

  runAuthConformance(`customAuth on ${storageName}`, async () => ({
    adapter: hostApp,
    storage: storage(),
    async validRequest() {
      const email = `host-${randomUUID()}@example.com`;
      return { request: hostSession(email, 60), email };
    },
    async forgedRequest() {
      return hostSession('forger@example.com', 60, 'a-different-secret-of-at-least-32-bytes');
    },
    async expiredRequest() {
      return hostSession('late@example.com', -10);
    },
  }));
}
