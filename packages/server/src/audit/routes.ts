import { AdminAuditQuery, AuditEntry, AuditQuery, IdParams, ItemList } from '@videoconf/protocol';
import { ConferenceError } from '../errors';
import { errorResponses } from '../http/schemas';
import { type App, principalOf } from '../http/types';
import { roomAccess } from '../rooms/access';

const tags = ['audit'];

export const DEFAULT_AUDIT_LIMIT = 50;

/**
 * Reading the audit log, newest first; `before` (exclusive, an `eventTime`) pages back.
 * Entries are written by every feature through `app.videoconf.audit` (./record.ts).
 */
export async function auditRoutes(app: App) {
  const { storage } = app.videoconf;

  app.get(
    '/rooms/:id/audit',
    {
      schema: {
        tags,
        params: IdParams,
        querystring: AuditQuery,
        response: { 200: ItemList(AuditEntry), ...errorResponses },
      },
    },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      if (!access.isHost && !access.isAdmin) {
        throw new ConferenceError('FORBIDDEN', 'Only the host or an admin may read the audit log');
      }
      const { limit = DEFAULT_AUDIT_LIMIT, before } = request.query;
      return {
        items: await storage.listAudit({
          roomId: access.room.id,
          limit,
          ...(before !== undefined && { before }),
        }),
      };
    },
  );

  app.get(
    '/admin/audit',
    {
      schema: {
        tags,
        querystring: AdminAuditQuery,
        response: { 200: ItemList(AuditEntry), ...errorResponses },
      },
    },
    async (request) => {
      if (principalOf(request).user.globalRole !== 'technical_admin') {
        throw new ConferenceError('FORBIDDEN', 'Only technical admins may read the audit log');
      }
      const { limit = DEFAULT_AUDIT_LIMIT, before, roomId } = request.query;
      return {
        items: await storage.listAudit({
          limit,
          ...(before !== undefined && { before }),
          ...(roomId !== undefined && { roomId }),
        }),
      };
    },
  );
}
