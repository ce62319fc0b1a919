import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTokenService, generateSecret, type TokenService } from '../auth/tokens';
import type { AuthAdapter, AuthContext, AuthHandler, AuthRequest } from '../auth/types';
import { ConferenceError, type ErrorCode } from '../errors';
import type { Storage } from '../storage/types';

/** What the auth conformance suite needs of an adapter under test. */
export interface AuthConformanceTarget {
  adapter: AuthAdapter;
  storage: Storage;
  /** A request carrying a valid credential of a user the adapter knows, with that email. */
  validRequest(
    context: AuthContext,
    handler: AuthHandler,
  ): Promise<{ request: AuthRequest; email: string }>;
  /** A request whose credential is forged (e.g. a bad signature). */
  forgedRequest(context: AuthContext, handler: AuthHandler): Promise<AuthRequest>;
  /** A request whose credential has expired; null when the adapter's credentials do not expire. */
  expiredRequest(context: AuthContext, handler: AuthHandler): Promise<AuthRequest | null>;
  cleanup?(): Promise<void>;
}

const silentLogger = (): FastifyBaseLogger => {
  const noop = () => undefined;
  const logger = {
    level: 'silent',
    fatal: noop,
    error: noop,
    warn: noop,
    info: noop,
    debug: noop,
    trace: noop,
    silent: noop,
    child: () => logger,
  };
  return logger as unknown as FastifyBaseLogger;
};

async function expectCode(promise: Promise<unknown>, code: ErrorCode) {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error, `expected ${code}`).toBeInstanceOf(ConferenceError);
  expect((error as ConferenceError).code).toBe(code);
}

const bearer = (token: string): AuthRequest => ({ headers: { authorization: `Bearer ${token}` } });

/**
 * The contract every auth adapter meets: valid credential → identity; missing → null;
 * forged → INVALID_TOKEN; expired → TOKEN_EXPIRED; guest tokens of this server keep working.
 * Adapters with password flows also pass the register/login/refresh/logout contract.
 */
export function runAuthConformance(
  name: string,
  setup: () => Promise<AuthConformanceTarget>,
): void {
  describe(`auth adapter conformance: ${name}`, () => {
    let target: AuthConformanceTarget;
    let context: AuthContext;
    let tokens: TokenService;
    let handler: AuthHandler;

    beforeEach(async () => {
      target = await setup();
      tokens = createTokenService({ secret: generateSecret(), accessTokenTtl: 60 });
      context = { storage: target.storage, tokens, log: silentLogger() };
      handler = target.adapter.setup(context);
    });
    afterEach(async () => {
      await target.cleanup?.();
    });

    it('has a name', () => {
      expect(typeof target.adapter.name).toBe('string');
      expect(target.adapter.name.length).toBeGreaterThan(0);
    });

    it('resolves a valid credential to the user', async () => {
      const { request, email } = await target.validRequest(context, handler);
      const principal = await handler.authenticate(request);
      expect(principal?.user.email).toBe(email);
      expect(principal?.roomId).toBeNull();
      expect(await target.storage.getUser(principal!.user.id)).toMatchObject({ email });
    });

    it('returns null when the request carries no credential', async () => {
      expect(await handler.authenticate({ headers: {} })).toBeNull();
    });

    it('refuses a forged credential with INVALID_TOKEN', async () => {
      await expectCode(
        handler.authenticate(await target.forgedRequest(context, handler)),
        'INVALID_TOKEN',
      );
    });

    it('refuses an expired credential with TOKEN_EXPIRED', async (ctx) => {
      const request = await target.expiredRequest(context, handler);
      if (!request) return ctx.skip('this adapter has no expiring credentials');
      await expectCode(handler.authenticate(request), 'TOKEN_EXPIRED');
    });

    it('refuses junk bearer tokens with INVALID_TOKEN', async () => {
      for (const header of [
        'Bearer',
        'Bearer junk',
        'Basic dXNlcjpwYXNz',
        `Bearer ${'a'.repeat(5000)}`,
      ]) {
        await expectCode(
          handler.authenticate({ headers: { authorization: header } }),
          'INVALID_TOKEN',
        );
      }
    });

    it('accepts guest tokens of this server, scoped to their room', async () => {
      const guest = await target.storage.createUser({
        email: `guest-${randomUUID()}@guest.invalid`,
        displayName: 'Guest',
        isGuest: true,
        globalRole: 'guest',
      });
      const roomId = randomUUID();
      const principal = await handler.authenticate(
        bearer(tokens.signAccess({ userId: guest.id, roomId })),
      );
      expect(principal?.user.id).toBe(guest.id);
      expect(principal?.roomId).toBe(roomId);
    });

    it('refuses tokens of deactivated or unknown users', async () => {
      const user = await target.storage.createUser({
        email: `gone-${randomUUID()}@example.com`,
        displayName: 'Gone',
      });
      await target.storage.updateUser(user.id, { isActive: false });
      await expectCode(
        handler.authenticate(bearer(tokens.signAccess({ userId: user.id }))),
        'INVALID_TOKEN',
      );
      await expectCode(
        handler.authenticate(bearer(tokens.signAccess({ userId: randomUUID() }))),
        'INVALID_TOKEN',
      );
    });

    it('refuses a token signed by another secret', async () => {
      const user = await target.storage.createUser({
        email: `other-${randomUUID()}@example.com`,
        displayName: 'O',
      });
      const other = createTokenService({ secret: generateSecret(), accessTokenTtl: 60 });
      await expectCode(
        handler.authenticate(bearer(other.signAccess({ userId: user.id }))),
        'INVALID_TOKEN',
      );
    });

    describe('password flows', () => {
      const flowsOf = () => {
        const flows = handler.password;
        if (!flows) throw new Error('no password flows');
        return flows;
      };
      const client = { ip: '127.0.0.1', userAgent: 'conformance' };
      const newAccount = async () => {
        const email = `user-${randomUUID()}@example.com`;
        const password = 'correct horse battery staple';
        await flowsOf().register({ email, password, displayName: 'Ada' });
        return { email, password };
      };

      it('registers, logs in and authenticates', async (ctx) => {
        if (!handler.password) return ctx.skip('adapter has no password flows');
        const { email, password } = await newAccount();
        const login = await flowsOf().login({
          email: ` ${email.toUpperCase()} `,
          password,
          ...client,
        });
        expect(login.user.email).toBe(email);
        expect(login.user.lastLoginAt).not.toBeNull();
        expect(login.expiresIn).toBe(60);
        const principal = await handler.authenticate(bearer(login.accessToken));
        expect(principal?.user.id).toBe(login.user.id);
      });

      it('answers unknown email and wrong password alike', async (ctx) => {
        if (!handler.password) return ctx.skip('adapter has no password flows');
        const { email } = await newAccount();
        await expectCode(
          flowsOf().login({ email, password: 'wrong password!', ...client }),
          'INVALID_CREDENTIALS',
        );
        await expectCode(
          flowsOf().login({
            email: `nobody-${randomUUID()}@example.com`,
            password: 'wrong password!',
            ...client,
          }),
          'INVALID_CREDENTIALS',
        );
      });

      it('refuses a second account with the same email', async (ctx) => {
        if (!handler.password) return ctx.skip('adapter has no password flows');
        const { email } = await newAccount();
        await expectCode(
          flowsOf().register({
            email: email.toUpperCase(),
            password: 'another password',
            displayName: 'B',
          }),
          'EMAIL_TAKEN',
        );
      });

      it('reads every byte of a long password', async (ctx) => {
        if (!handler.password) return ctx.skip('adapter has no password flows');
        const email = `long-${randomUUID()}@example.com`;
        const prefix = 'x'.repeat(100);
        await flowsOf().register({ email, password: `${prefix}A`, displayName: 'L' });
        await expectCode(
          flowsOf().login({ email, password: `${prefix}B`, ...client }),
          'INVALID_CREDENTIALS',
        );
        const ok = await flowsOf().login({ email, password: `${prefix}A`, ...client });
        expect(ok.user.email).toBe(email);
      });

      it('rotates refresh tokens and revokes the family when a spent one returns', async (ctx) => {
        if (!handler.password) return ctx.skip('adapter has no password flows');
        const { email, password } = await newAccount();
        const login = await flowsOf().login({ email, password, ...client });
        const second = await flowsOf().refresh({ refreshToken: login.refreshToken, ...client });
        expect(second.refreshToken).not.toBe(login.refreshToken);
        await expectCode(
          flowsOf().refresh({ refreshToken: login.refreshToken, ...client }),
          'TOKEN_REUSED',
        );
        // The successor of the reused token died with its family.
        await expectCode(
          flowsOf().refresh({ refreshToken: second.refreshToken, ...client }),
          'TOKEN_REUSED',
        );
        // Another login is another family and still works.
        const other = await flowsOf().login({ email, password, ...client });
        await expect(
          flowsOf().refresh({ refreshToken: other.refreshToken, ...client }),
        ).resolves.toBeTruthy();
      });

      it('leaves at most one live successor of concurrent refreshes', async (ctx) => {
        if (!handler.password) return ctx.skip('adapter has no password flows');
        const { email, password } = await newAccount();
        const login = await flowsOf().login({ email, password, ...client });
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, () =>
            flowsOf().refresh({ refreshToken: login.refreshToken, ...client }),
          ),
        );
        const fulfilled = results.filter((r) => r.status === 'fulfilled');
        expect(fulfilled.length).toBeLessThanOrEqual(1);
        for (const r of results) {
          if (r.status === 'rejected')
            expect((r.reason as ConferenceError).code).toBe('TOKEN_REUSED');
        }
        const live = [];
        for (const r of fulfilled) {
          const attempt = await flowsOf()
            .refresh({ refreshToken: r.value.refreshToken, ...client })
            .then(
              () => true,
              () => false,
            );
          live.push(attempt);
        }
        expect(live.filter(Boolean).length).toBeLessThanOrEqual(1);
      });

      it('logs out: the refresh token stops working', async (ctx) => {
        if (!handler.password) return ctx.skip('adapter has no password flows');
        const { email, password } = await newAccount();
        const login = await flowsOf().login({ email, password, ...client });
        expect(await flowsOf().logout({ refreshToken: login.refreshToken })).toMatchObject({
          userId: login.user.id,
        });
        await expect(
          flowsOf().refresh({ refreshToken: login.refreshToken, ...client }),
        ).rejects.toBeInstanceOf(ConferenceError);
        expect(await flowsOf().logout({ refreshToken: 'never-issued' })).toBeNull();
      });

      it('refuses unknown refresh tokens with INVALID_TOKEN', async (ctx) => {
        if (!handler.password) return ctx.skip('adapter has no password flows');
        await expectCode(flowsOf().refresh({ refreshToken: 'nope', ...client }), 'INVALID_TOKEN');
      });
    });
  });
}
