import { randomUUID } from 'node:crypto';
import type { FastifyInstance, HTTPMethods } from 'fastify';

/** Just what the input tests read of a route's JSON schemas. */
export interface JsonSchema {
  type?: string | string[];
  format?: string;
  const?: unknown;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
}

/** Valid values for fields whose patterns a generic sample would not meet. */
const VALID: Record<string, unknown> = {
  email: 'someone@example.com',
  avatarUrl: 'https://example.com/a.png',
  backgroundImageUrl: 'https://example.com/b.png',
  languageCode: 'en-GB',
  clientMessageId: 'client-1',
  routePattern: '/api/v1/rooms',
};

/** A valid value for `schema` (the field `key`), with every optional property present. */
export function sample(schema: JsonSchema, key = ''): unknown {
  if (key in VALID) return VALID[key];
  if (schema.anyOf) return sample(schema.anyOf.find((s) => s.type !== 'null') ?? {}, key);
  if ('const' in schema) return schema.const;
  if (schema.format === 'date-time') return '2031-01-01T00:00:00.000Z';
  if (schema.format === 'uuid') return randomUUID();
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case 'object':
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, v]) => [k, sample(v, k)]),
      );
    case 'integer':
    case 'number':
      return Math.min(Math.max(schema.minimum ?? 1, 1), schema.maximum ?? 1);
    case 'boolean':
      return true;
    default:
      return 'a good long value';
  }
}

/** The kind of value a field takes: its format, or its type. */
export function kind(schema: JsonSchema): string | undefined {
  if (schema.anyOf) {
    return schema.anyOf.map(kind).find((k) => k !== 'null' && k !== undefined);
  }
  if ('const' in schema) return 'const';
  if (schema.format) return schema.format;
  return Array.isArray(schema.type) ? schema.type[0] : schema.type;
}

/** Each leaf of an object schema: its path and schema. */
export function leaves(schema: JsonSchema, path: string[] = []): Array<[string[], JsonSchema]> {
  if (schema.type === 'object' && schema.properties) {
    return Object.entries(schema.properties).flatMap(([key, value]) =>
      leaves(value, [...path, key]),
    );
  }
  const object = schema.anyOf?.find((s) => s.type === 'object');
  if (object) return leaves(object, path);
  return [[path, schema]];
}

/** A route as the input tests read it: method, URL, input schemas and `config.auth`. */
export interface RouteInputs {
  method: HTTPMethods;
  url: string;
  params?: JsonSchema;
  querystring?: JsonSchema;
  body?: JsonSchema;
  auth?: string;
}

/**
 * Every route `app` mounts after this call (an onRoute hook: call it before `ready()`), once per
 * method, HEAD and OPTIONS left out. The array fills while the routes are added.
 */
export function collectRoutes(app: FastifyInstance): RouteInputs[] {
  const routes: RouteInputs[] = [];
  app.addHook('onRoute', (route) => {
    const schema = route.schema as Record<string, JsonSchema | undefined> | undefined;
    for (const method of ([] as HTTPMethods[]).concat(route.method)) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      routes.push({
        method,
        url: route.url,
        params: schema?.params,
        querystring: schema?.querystring,
        body: schema?.body,
        auth: route.config?.auth,
      });
    }
  });
  return routes;
}
