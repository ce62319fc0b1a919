import type { FastifyInstance } from 'fastify';

/**
 * Our JSON body parser: Fastify's own (so prototype-poisoning keys are refused as before), except
 * that an empty body with `content-type: application/json` means "no body" rather than
 * FST_ERR_CTP_EMPTY_JSON_BODY. A route whose body is optional then treats it as `{}` (see
 * `emptyBodyAsObject`); a route that needs a body answers 400 VALIDATION_ERROR from its schema.
 * Registered in our encapsulated API scope only: the host application's parsers stay its own.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  if (app.hasContentTypeParser('application/json')) app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (body.length === 0) {
      done(null, undefined);
      return;
    }
    parse(request, body as string, done);
  });
}

/**
 * A `preValidation` hook for routes whose body may be omitted (join, kick, reject): a request
 * without a body (`curl -X POST` with no `-d`, or an empty JSON body) counts as `{}`.
 */
export async function emptyBodyAsObject(request: { body: unknown }): Promise<void> {
  request.body ??= {};
}
