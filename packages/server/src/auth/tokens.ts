import { createHash, createSecretKey, type KeyObject, randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ConferenceError } from '../errors';

export const ACCESS_TOKEN_TYPE = 'access';

/** The claims of an access token issued by this server. */
export interface AccessClaims {
  /** User id. */
  sub: string;
  typ: typeof ACCESS_TOKEN_TYPE;
  /** For guests: the only room the token may act on. */
  rid?: string;
}

export interface TokenServiceOptions {
  /** HS256 secret; at least 32 bytes. */
  secret: string;
  issuer?: string;
  audience?: string;
  /** Lifetime of access tokens in seconds. */
  accessTokenTtl: number;
}

export interface TokenService {
  readonly accessTokenTtl: number;
  signAccess(claims: { userId: string; roomId?: string }, ttlSeconds?: number): string;
  /** Verifies an access token; throws `TOKEN_EXPIRED` or `INVALID_TOKEN`. */
  verifyAccess(token: string): AccessClaims;
}

/** Verified tokens a token service remembers (a few hundred KB at most). */
const VERIFIED_CACHE_SIZE = 1000;

const ALGORITHMS: jwt.Algorithm[] = ['HS256'];

/** Signs and verifies our access tokens: HS256 only, with `iss`, `aud` and a token type. */
export function createTokenService(options: TokenServiceOptions): TokenService {
  if (Buffer.byteLength(options.secret) < 32) {
    throw new Error('The JWT secret must be at least 32 bytes long');
  }
  const key: KeyObject = createSecretKey(Buffer.from(options.secret));
  const issuer = options.issuer ?? 'videoconf';
  const audience = options.audience ?? 'videoconf';
  /**
   * Tokens this service verified, with their claims: a client sends the same access token with
   * every request until it expires, and jsonwebtoken's verify was a fifth of the CPU time of an
   * authenticated request (bench `http.me`, docs/benchmarks.md). A hit is the same string
   * that passed every check (signature, alg, iss, aud, nbf) with this key, so only the expiry
   * is checked again. The oldest entry makes room when the cache is full.
   */
  const verified = new Map<string, { claims: AccessClaims; exp: number | undefined }>();
  return {
    accessTokenTtl: options.accessTokenTtl,
    signAccess({ userId, roomId }, ttlSeconds = options.accessTokenTtl) {
      const payload: Omit<AccessClaims, 'sub'> = { typ: ACCESS_TOKEN_TYPE };
      if (roomId) payload.rid = roomId;
      return jwt.sign(payload, key, {
        algorithm: 'HS256',
        subject: userId,
        issuer,
        audience,
        expiresIn: ttlSeconds,
        jwtid: randomBytes(9).toString('base64url'),
      });
    },
    verifyAccess(token) {
      const now = Math.floor(Date.now() / 1000);
      const cached = verified.get(token);
      if (cached) {
        if (cached.exp !== undefined && now >= cached.exp) {
          verified.delete(token);
          throw new ConferenceError('TOKEN_EXPIRED');
        }
        return { ...cached.claims };
      }
      let decoded: string | jwt.JwtPayload;
      try {
        decoded = jwt.verify(token, key, { algorithms: ALGORITHMS, issuer, audience });
      } catch (error) {
        if (error instanceof jwt.TokenExpiredError) throw new ConferenceError('TOKEN_EXPIRED');
        throw new ConferenceError('INVALID_TOKEN');
      }
      if (
        typeof decoded !== 'object' ||
        decoded.typ !== ACCESS_TOKEN_TYPE ||
        typeof decoded.sub !== 'string' ||
        (decoded.rid !== undefined && typeof decoded.rid !== 'string')
      ) {
        throw new ConferenceError('INVALID_TOKEN');
      }
      const claims: AccessClaims = { sub: decoded.sub, typ: ACCESS_TOKEN_TYPE };
      if (decoded.rid) claims.rid = decoded.rid;
      // Only tokens whose nbf has passed are kept, so a hit needs no nbf check.
      if (verified.size >= VERIFIED_CACHE_SIZE) {
        verified.delete(verified.keys().next().value as string);
      }
      verified.set(token, { claims, exp: decoded.exp });
      return { ...claims };
    },
  };
}

/** A random secret for development, with at least 256 bits. */
export const generateSecret = (): string => randomBytes(32).toString('base64url');

/** Opaque refresh tokens: 256 random bits; only their SHA-256 is stored. */
export const generateRefreshToken = (): string => randomBytes(32).toString('base64url');
export const hashToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

/** Reads the bearer token of an Authorization header; null when absent or malformed. */
export function bearerToken(header: string | string[] | undefined): string | null {
  if (typeof header !== 'string') return null;
  const match = /^Bearer[ ]+([A-Za-z0-9\-_.~+/]+=*)$/i.exec(header.trim());
  return match?.[1] ?? null;
}
