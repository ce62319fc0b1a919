import { ConferenceError } from '../errors';
import { bearerToken } from './tokens';
import type { AuthContext, AuthRequest, Principal } from './types';

/**
 * Resolves a bearer access token issued by this server (password users and guests).
 * Null without an Authorization header; `INVALID_TOKEN` for a malformed header, a bad
 * signature, or a user that no longer exists or is deactivated.
 */
export async function authenticateBearer(
  request: AuthRequest,
  context: AuthContext,
): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return null;
  const token = bearerToken(header);
  if (!token) throw new ConferenceError('INVALID_TOKEN');
  const claims = context.tokens.verifyAccess(token);
  const user = await context.storage.getUser(claims.sub);
  if (!user?.isActive) throw new ConferenceError('INVALID_TOKEN');
  return { user, roomId: claims.rid ?? null };
}
