import type { FastifyRequest } from 'fastify';
import { ConferenceError } from '../errors';
import { authenticateBearer } from './bearer';
import type { AuthAdapter } from './types';

/** The identity a host application vouches for. */
export interface ExternalIdentity {
  /** The host application's stable user id. */
  id: string;
  email: string;
  displayName: string;
  avatarUrl?: string | null;
  /** Makes the user a technical admin of videoconf. */
  isAdmin?: boolean;
}

export interface CustomAuthOptions {
  /**
   * Maps a request (cookie, header, your own JWT…) to the identity your application knows;
   * null when the request carries none of your credentials. Throw to refuse a request: the
   * server answers 401 `INVALID_TOKEN`.
   */
  authenticate(request: FastifyRequest): Promise<ExternalIdentity | null> | ExternalIdentity | null;
  /** Adapter name in logs. Default `custom`. */
  name?: string;
}

/**
 * Uses the host application's identity: the principal it returns is upserted as a videoconf
 * user. Guests created by invite redemption still use the server's own bearer tokens.
 */
export function customAuth(options: CustomAuthOptions): AuthAdapter {
  return {
    name: options.name ?? 'custom',
    setup(context) {
      return {
        async authenticate(request) {
          let identity: ExternalIdentity | null;
          try {
            identity = await options.authenticate(request as FastifyRequest);
          } catch (error) {
            if (error instanceof ConferenceError) throw error;
            context.log.debug({ err: error }, 'custom authentication refused the request');
            throw new ConferenceError('INVALID_TOKEN');
          }
          if (!identity) return authenticateBearer(request, context);
          if (typeof identity.id !== 'string' || identity.id.length === 0) {
            throw new ConferenceError('INVALID_TOKEN', 'custom authentication returned no id');
          }
          const user = await context.storage.upsertExternalUser({
            externalId: identity.id,
            email: identity.email.trim().toLowerCase(),
            displayName: identity.displayName,
            ...(identity.avatarUrl !== undefined && { avatarUrl: identity.avatarUrl }),
            ...(identity.isAdmin !== undefined && {
              globalRole: identity.isAdmin ? 'technical_admin' : 'user',
            }),
          });
          if (!user.isActive) throw new ConferenceError('INVALID_TOKEN');
          return { user, roomId: null };
        },
      };
    },
  };
}
