import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Storage, UserRecord } from '../storage/types';
import type { TokenService } from './tokens';

/** Who is calling: a user, and for guests the only room they may act on. */
export interface Principal {
  user: UserRecord;
  /** Set for guest tokens issued by invite redemption. */
  roomId: string | null;
}

/** What an auth adapter may use; built once by the server. */
export interface AuthContext {
  storage: Storage;
  tokens: TokenService;
  log: FastifyBaseLogger;
}

/** The part of a request an adapter reads; a Fastify request at run time. */
export type AuthRequest = Pick<FastifyRequest, 'headers'> & Partial<Pick<FastifyRequest, 'ip'>>;

export interface LoginResult {
  user: UserRecord;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** The password flows of docs/api.md "Auth"; when an adapter has them, `/auth/*` is mounted. */
export interface PasswordFlows {
  register(input: { email: string; password: string; displayName: string }): Promise<UserRecord>;
  login(input: { email: string; password: string } & ClientInfo): Promise<LoginResult>;
  refresh(input: { refreshToken: string } & ClientInfo): Promise<Omit<LoginResult, 'user'>>;
  logout(input: { refreshToken: string }): Promise<{ userId: string } | null>;
}

/**
 * The identity port. `authenticate` returns the principal of a request, null when the request
 * carries no credential at all, and throws `ConferenceError` (`INVALID_TOKEN`,
 * `TOKEN_EXPIRED`) when it carries a bad one.
 */
export interface AuthAdapter {
  readonly name: string;
  setup(context: AuthContext): AuthHandler;
}

/** An adapter bound to the server's context. */
export interface AuthHandler {
  authenticate(request: AuthRequest): Promise<Principal | null>;
  readonly password?: PasswordFlows;
}
