import { createHmac, randomUUID } from 'node:crypto';
import bcrypt from 'bcrypt';
import { ConferenceError } from '../errors';
import type { UserRecord } from '../storage/types';
import { authenticateBearer } from './bearer';
import { generateRefreshToken, hashToken } from './tokens';
import type { AuthAdapter, AuthContext, ClientInfo, LoginResult, PasswordFlows } from './types';

export interface PasswordAuthOptions {
  /** bcrypt cost factor. Default 10. */
  bcryptCost?: number;
  /** Lifetime of refresh tokens in seconds. Default 30 days. */
  refreshTokenTtl?: number;
  /**
   * Key of the HMAC-SHA-384 pre-hash applied before bcrypt (bcrypt reads only 72 bytes).
   * Changing it invalidates every stored password. Default: a constant of this library.
   */
  pepper?: string;
}

const DEFAULT_PEPPER = 'videoconf.password.v1';

/** Lower-cases and trims an email, as stored. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** Built-in email and password identity: bcrypt, JWT access tokens, rotated refresh tokens. */
export function passwordAuth(options: PasswordAuthOptions = {}): AuthAdapter {
  const cost = options.bcryptCost ?? 10;
  const refreshTtl = options.refreshTokenTtl ?? 30 * 24 * 3600;
  const pepper = options.pepper ?? DEFAULT_PEPPER;
  if (!Number.isInteger(cost) || cost < 4 || cost > 31) {
    throw new Error('bcryptCost must be an integer from 4 to 31');
  }
  const preHash = (password: string) =>
    createHmac('sha384', pepper).update(password, 'utf8').digest('base64');

  return {
    name: 'password',
    setup(context: AuthContext) {
      const { storage, tokens } = context;
      // A real hash to compare against when the email is unknown, so both paths cost alike.
      const dummyHash = bcrypt.hash(preHash(randomUUID()), cost);

      const issue = async (user: UserRecord, familyId: string, client: ClientInfo) => {
        const refreshToken = generateRefreshToken();
        await storage.createSession({
          userId: user.id,
          familyId,
          tokenHash: hashToken(refreshToken),
          ipAddress: client.ip,
          userAgent: client.userAgent,
          expiresAt: new Date(Date.now() + refreshTtl * 1000).toISOString(),
        });
        return refreshToken;
      };

      const flows: PasswordFlows = {
        async register({ email, password, displayName }) {
          const passwordHash = await bcrypt.hash(preHash(password), cost);
          return storage.createUser({
            email: normalizeEmail(email),
            displayName: displayName.trim(),
            passwordHash,
          });
        },

        async login({ email, password, ip, userAgent }): Promise<LoginResult> {
          const user = await storage.getUserByEmail(normalizeEmail(email));
          const hash = user?.passwordHash ?? (await dummyHash);
          const matches = await bcrypt.compare(preHash(password), hash);
          if (!user?.passwordHash || !matches || !user.isActive || user.isGuest) {
            throw new ConferenceError('INVALID_CREDENTIALS');
          }
          const now = new Date().toISOString();
          const updated = (await storage.updateUser(user.id, { lastLoginAt: now })) ?? user;
          const refreshToken = await issue(updated, randomUUID(), { ip, userAgent });
          return {
            user: updated,
            accessToken: tokens.signAccess({ userId: user.id }),
            refreshToken,
            expiresIn: tokens.accessTokenTtl,
          };
        },

        async refresh({ refreshToken, ip, userAgent }) {
          const now = new Date().toISOString();
          const next = generateRefreshToken();
          const result = await storage.rotateSession(
            hashToken(refreshToken),
            {
              tokenHash: hashToken(next),
              ipAddress: ip,
              userAgent,
              expiresAt: new Date(Date.now() + refreshTtl * 1000).toISOString(),
            },
            now,
          );
          switch (result.status) {
            case 'unknown':
              throw new ConferenceError('INVALID_TOKEN');
            case 'expired':
              throw new ConferenceError('TOKEN_EXPIRED');
            case 'reused':
              await storage.revokeSessionFamily(result.previous.familyId, now);
              throw new ConferenceError('TOKEN_REUSED');
          }
          const user = await storage.getUser(result.session.userId);
          if (!user?.isActive) {
            await storage.revokeSessionFamily(result.session.familyId, now);
            throw new ConferenceError('INVALID_TOKEN');
          }
          return {
            accessToken: tokens.signAccess({ userId: user.id }),
            refreshToken: next,
            expiresIn: tokens.accessTokenTtl,
          };
        },

        async logout({ refreshToken }) {
          const session = await storage.getSessionByHash(hashToken(refreshToken));
          if (!session) return null;
          await storage.revokeSession(session.tokenHash, new Date().toISOString());
          return { userId: session.userId };
        },
      };

      return {
        authenticate: (request) => authenticateBearer(request, context),
        password: flows,
      };
    },
  };
}
