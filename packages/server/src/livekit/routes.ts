import { Type } from '@sinclair/typebox';
import { type WebhookEvent, WebhookReceiver } from 'livekit-server-sdk';
import { ConferenceError } from '../errors';
import { errorResponses } from '../http/schemas';
import type { App } from '../http/types';
import { handleWebhookEvent } from './service';

/** The content types LiveKit's webhooks (`application/webhook+json`) and test tools send. */
const WEBHOOK_CONTENT_TYPES = ['application/webhook+json', 'application/json'];

/**
 * Verifies a delivery with LiveKit's `WebhookReceiver`: the `Authorization` header is a JWT
 * signed with our API secret, issued by our API key, whose `sha256` claim is the base64
 * SHA-256 of the raw body. Answers 401 `INVALID_TOKEN` (`TOKEN_EXPIRED` for an expired one)
 * for anything else, and 400 `VALIDATION_ERROR` for a signed body that is not a WebhookEvent.
 */
async function verify(
  receiver: WebhookReceiver,
  body: string,
  authorization: string,
): Promise<WebhookEvent> {
  // LiveKit sends the bare JWT; a `Bearer ` prefix (some proxies and tools add one) is allowed.
  const token = authorization.replace(/^Bearer\s+/i, '');
  try {
    return await receiver.receive(body, token);
  } catch (error) {
    // The receiver parses the body only after the signature and checksum hold.
    if (
      error instanceof SyntaxError ||
      (error instanceof Error && error.message.startsWith('cannot decode'))
    ) {
      throw new ConferenceError('VALIDATION_ERROR', 'Body is not a LiveKit webhook event', {
        cause: error,
      });
    }
    if ((error as { code?: unknown }).code === 'ERR_JWT_EXPIRED') {
      throw new ConferenceError('TOKEN_EXPIRED', undefined, { cause: error });
    }
    throw new ConferenceError('INVALID_TOKEN', 'Webhook signature is invalid', { cause: error });
  }
}

/**
 * `POST /livekit/webhook`: LiveKit's webhooks (configure `webhook.urls` of LiveKit to
 * `https://<server>/api/v1/livekit/webhook`, signed with the API key the server uses).
 * No user auth: the signature is the authentication. 204 once the event is applied, ignored
 * or recognised as a redelivery; 503 `MEDIA_UNAVAILABLE` when LiveKit is not configured.
 */
export async function livekitWebhookRoutes(app: App) {
  const context = app.videoconf;
  const { livekit } = context.options;
  const receiver = livekit ? new WebhookReceiver(livekit.apiKey, livekit.apiSecret) : null;

  // The signature covers the exact bytes LiveKit sent: keep the body as a string, in this
  // scope only (in place of the API's JSON parser, http/json-body.ts).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(WEBHOOK_CONTENT_TYPES, { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );

  app.post(
    '/livekit/webhook',
    {
      // LiveKit sends an event per join, leave and track change: the per-IP budget of anonymous
      // callers must not drop them. Admin rules still apply.
      config: { auth: 'none', rateLimit: false },
      schema: {
        tags: ['media'],
        summary: 'LiveKit webhook receiver',
        description:
          'Called by LiveKit, not by clients. The `Authorization` header carries a JWT signed ' +
          'with the LiveKit API secret whose `sha256` claim is the SHA-256 of the raw body.',
        security: [],
        response: { 204: Type.Null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      if (!receiver) throw new ConferenceError('MEDIA_UNAVAILABLE');
      const authorization = request.headers.authorization;
      if (!authorization) throw new ConferenceError('UNAUTHORIZED');
      const body = typeof request.body === 'string' ? request.body : '';
      const event = await verify(receiver, body, authorization);
      const outcome = await handleWebhookEvent({ ...context, log: request.log }, event);
      request.log.info(
        { livekitEvent: event.event, livekitEventId: event.id, outcome },
        'livekit webhook',
      );
      return reply.status(204).send(null);
    },
  );
}
