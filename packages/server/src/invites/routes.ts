import { Type } from '@sinclair/typebox';
import {
  CreateInviteBody,
  IdParams,
  Invite,
  InviteParams,
  InviteTokenParams,
  ItemList,
  RedeemInviteBody,
  RedeemInviteResponse,
} from '@videoconf/protocol';
import { noStore } from '../auth/no-store';
import { errorResponses } from '../http/schemas';
import { toRoom, toUser } from '../http/serialize';
import { type App, principalOf } from '../http/types';
import { actorOf, requireModerator, roomAccess } from '../rooms/access';
import {
  createInvite,
  DEFAULT_GUEST_TOKEN_TTL,
  listInvites,
  redeemInvite,
  revokeInvite,
} from './service';

const tags = ['invites'];

/** `/rooms/:id/invite(s)` for hosts and co-hosts, and `/invites/:token/redeem` for anyone. */
export async function inviteRoutes(app: App) {
  const { storage, tokens, audit, options } = app.videoconf;
  const guestTtl = options.guestTokenTtl ?? DEFAULT_GUEST_TOKEN_TTL;

  app.post(
    '/rooms/:id/invite',
    {
      onSend: noStore,
      schema: {
        tags,
        params: IdParams,
        body: CreateInviteBody,
        response: { 201: Invite, ...errorResponses },
      },
    },
    async (request, reply) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      requireModerator(access);
      const invite = await createInvite(storage, access, request.body);
      await audit('invite_created', {
        actor: actorOf(access),
        roomId: access.room.id,
        payload: {
          inviteId: invite.id,
          label: invite.label,
          expiresAt: invite.expiresAt,
          maxUses: invite.maxUses,
        },
      });
      return reply.status(201).send(invite);
    },
  );

  app.get(
    '/rooms/:id/invites',
    {
      onSend: noStore,
      schema: { tags, params: IdParams, response: { 200: ItemList(Invite), ...errorResponses } },
    },
    async (request) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      requireModerator(access);
      return { items: await listInvites(storage, access) };
    },
  );

  app.delete(
    '/rooms/:id/invites/:inviteId',
    {
      schema: {
        tags,
        params: InviteParams,
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      const access = await roomAccess(storage, principalOf(request), request.params.id);
      requireModerator(access);
      const invite = await revokeInvite(storage, access, request.params.inviteId);
      await audit('invite_revoked', {
        actor: actorOf(access),
        roomId: access.room.id,
        payload: { inviteId: invite.id, label: invite.label },
      });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/invites/:token/redeem',
    {
      config: { auth: 'optional', rateLimitGroup: 'credentials' },
      onSend: noStore,
      schema: {
        tags,
        security: [{}, { bearer: [] }],
        params: InviteTokenParams,
        body: RedeemInviteBody,
        response: { 200: RedeemInviteResponse, ...errorResponses },
      },
    },
    async (request) => {
      const principal = request.videoconf.principal;
      const redemption = await redeemInvite(storage, {
        token: request.params.token,
        displayName: request.body.displayName,
        principal,
      });
      const { invite, room, user } = redemption;
      if (redemption.firstUse) {
        await audit('invite_redeemed', {
          actor: { userId: user.id, role: user.globalRole },
          roomId: room.id,
          payload: { inviteId: invite.id, label: invite.label, guest: redemption.guestCreated },
        });
      }
      if (principal) return { room: toRoom(room), user: toUser(user) };
      return {
        room: toRoom(room),
        user: toUser(user),
        accessToken: tokens.signAccess({ userId: user.id, roomId: room.id }, guestTtl),
        expiresIn: guestTtl,
      };
    },
  );
}
