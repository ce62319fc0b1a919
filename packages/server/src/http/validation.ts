import { STRING_FORMATS } from '@videoconf/protocol';
import Ajv, { type Options as AjvOptions } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const baseOptions: AjvOptions = {
  allErrors: false,
  useDefaults: true,
  // Properties a schema does not name are dropped before a handler sees them: never stored.
  removeAdditional: 'all',
  strict: false,
};

const build = (options: AjvOptions) => {
  const ajv = new Ajv({ ...baseOptions, ...options });
  addFormats(ajv);
  // The protocol's own formats (`visible-name`): defined once, in @videoconf/protocol.
  for (const [name, check] of Object.entries(STRING_FORMATS)) ajv.addFormat(name, check);
  return ajv;
};

// Bodies are JSON: types must match exactly ("5" is not a number). Query strings and path
// parameters are text, so they are coerced.
const bodyAjv = build({ coerceTypes: false });
const textAjv = build({ coerceTypes: 'array' });

/** Validator compiler: strict types for bodies, coercion for querystring, params and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  (httpPart === 'body' ? bodyAjv : textAjv).compile(schema as object);

/** True when a string or any key or string inside the value contains a NUL character. */
export function containsNul(value: unknown, depth = 0): boolean {
  if (depth > 64) return true;
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some((item) => containsNul(item, depth + 1));
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (key.includes('\u0000') || containsNul(item, depth + 1)) return true;
    }
  }
  return false;
}
