import { FORMATS } from '@videoconf/protocol';
import Ajv, { type Options as AjvOptions, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const baseOptions: AjvOptions = {
  allErrors: false,
  useDefaults: true,
  // Properties a schema does not name are dropped before a handler sees them: never stored.
  removeAdditional: 'all',
  strict: false,
  // Errors carry their schema and data, for messages that name what is allowed.
  verbose: true,
};

const build = (options: AjvOptions) => {
  const ajv = new Ajv({ ...baseOptions, ...options });
  addFormats(ajv);
  // The contract's own formats (protocol `FORMATS`): `visible-name`, and `uuid` and `date-time`
  // replacing ajv-formats' looser ones, which accept `urn:uuid:` ids, leap seconds and years no
  // storage keeps.
  for (const [name, check] of Object.entries(FORMATS)) ajv.addFormat(name, check);
  return ajv;
};

// Bodies are JSON: types must match exactly ("5" is not a number). Query strings and path
// parameters are text, so they are coerced.
const bodyAjv = build({ coerceTypes: false });
const textAjv = build({ coerceTypes: 'array' });

/** An integer written in text: decimal digits, optionally signed. */
const DECIMAL = /^-?\d+$/;

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  format?: string;
};

/**
 * Validates a query string or path parameters. Ajv's coercion would read `Infinity`, `1e400`,
 * `0x10`, `1e3` and ` 5` as numbers; an integer parameter must be written in decimal digits.
 */
function textValidator(schema: JsonSchema): ValidateFunction {
  const validate = textAjv.compile(schema);
  const integers = Object.entries(schema.properties ?? {})
    .filter(([, property]) => property.type === 'integer')
    .map(([key]) => key);
  if (integers.length === 0) return validate;
  const check = ((data: Record<string, unknown> | null | undefined) => {
    for (const key of integers) {
      const value = data?.[key];
      if ([value].flat().some((item) => typeof item === 'string' && !DECIMAL.test(item))) {
        check.errors = [
          {
            instancePath: `/${key}`,
            schemaPath: `#/properties/${key}/type`,
            keyword: 'type',
            params: { type: 'integer' },
            message: 'must be integer',
          },
        ];
        return false;
      }
    }
    const valid = validate(data);
    check.errors = validate.errors;
    return valid;
  }) as ValidateFunction;
  check.schema = validate.schema;
  return check;
}

/** Validator compiler: strict types for bodies, coercion for querystring, params and headers. */
export const validatorCompiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) =>
  httpPart === 'body' ? bodyAjv.compile(schema as object) : textValidator(schema as JsonSchema);

// Messages

const ARTICLE: Record<string, string> = {
  string: 'a string',
  integer: 'an integer',
  number: 'a number',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

const describeType = (type: unknown): string =>
  [type]
    .flat()
    .map((name) => ARTICLE[String(name)] ?? String(name))
    .join(' or ');

const FORMAT: Record<string, string> = {
  uuid: 'a lowercase UUID',
  'date-time': 'an RFC 3339 timestamp in the years 1 to 9999, e.g. 2026-05-01T09:30:00Z',
};

function describeSchema(schema: JsonSchema): string {
  if ('const' in schema) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((value) => JSON.stringify(value)).join(' or ');
  if (schema.format && FORMAT[schema.format]) return FORMAT[schema.format] as string;
  return describeType(schema.type);
}

/** The values a union allows when every branch is a constant, an enum or null. */
function constants(branches: JsonSchema[]): unknown[] | null {
  const values: unknown[] = [];
  for (const branch of branches) {
    if ('const' in branch) values.push(branch.const);
    else if (branch.enum) values.push(...branch.enum);
    else if (branch.type === 'null') values.push(null);
    else return null;
  }
  return values;
}

const jsonTypes = (value: unknown): string[] => {
  if (value === null) return ['null'];
  if (Array.isArray(value)) return ['array'];
  if (typeof value === 'number')
    return Number.isInteger(value) ? ['integer', 'number'] : ['number'];
  return [typeof value];
};

const fits = (branch: JsonSchema, value: unknown): boolean =>
  branch.type !== undefined && [branch.type].flat().some((t) => jsonTypes(value).includes(t));

const oneOf = (values: unknown[]) =>
  values.length === 1
    ? `must be ${JSON.stringify(values[0])}`
    : `must be one of ${values.map((value) => JSON.stringify(value)).join(', ')}`;

/** One error explained: where, and what is allowed there. */
function explain(error: ErrorObject, errors: ErrorObject[]): { path: string; text: string } {
  const path = error.instancePath;
  switch (error.keyword) {
    case 'anyOf':
    case 'oneOf': {
      const branches = (error.schema ?? []) as JsonSchema[];
      const values = constants(branches);
      if (values) return { path, text: oneOf(values) };
      // A value of the type of exactly one branch is explained by that branch's own error:
      // a string for `Nullable(Timestamp)` gets the timestamp's message.
      const fitting = branches.flatMap((branch, i) => (fits(branch, error.data) ? [i] : []));
      if (fitting.length === 1) {
        const prefix = `${error.schemaPath}/${fitting[0]}/`;
        const inner = errors.filter((e) => e.schemaPath.startsWith(prefix));
        const last = inner.at(-1);
        if (last) return explain(last, inner);
      }
      return { path, text: `must be ${branches.map(describeSchema).join(' or ')}` };
    }
    case 'enum':
      return { path, text: oneOf((error.params as { allowedValues: unknown[] }).allowedValues) };
    case 'const':
      return { path, text: oneOf([(error.params as { allowedValue: unknown }).allowedValue]) };
    case 'type':
      return { path, text: `must be ${describeType((error.params as { type: unknown }).type)}` };
    case 'format': {
      const format = FORMAT[String(error.schema)];
      return { path, text: format ? `must be ${format}` : (error.message ?? 'is invalid') };
    }
    default:
      return { path, text: error.message ?? 'is invalid' };
  }
}

/**
 * Fastify's schema error formatter: one sentence naming the field and what it allows, e.g.
 * `body/role must be one of "co_host", "participant"`, instead of one clause per union branch.
 * Ajv stops at the first failure (`allErrors: false`), which comes last, after the errors of
 * the union branches it tried.
 */
export function formatValidationErrors(errors: ErrorObject[], dataVar: string): Error {
  const last = errors.at(-1);
  if (!last) return new Error(`${dataVar} is invalid`);
  const { path, text } = explain(last, errors);
  return new Error(`${dataVar}${path} ${text}`);
}

const UNPAIRED_SURROGATE = 'Text must be well-formed Unicode (no unpaired UTF-16 surrogates)';
const NUL = 'Text must not contain NUL characters';
/** With the `u` flag, a surrogate pair is one code point: only unpaired halves match. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Why a string, or any key or string inside the value, cannot be stored, or `null`: NUL
 * characters (PostgreSQL text refuses them) and unpaired UTF-16 surrogates (UTF-8 cannot encode
 * them: PostgreSQL would keep U+FFFD instead, and JSONB columns refuse them).
 */
export function unstorableText(value: unknown, depth = 0): string | null {
  if (depth > 64) return 'Input is nested too deeply';
  if (typeof value === 'string') {
    if (value.includes('\u0000')) return NUL;
    return LONE_SURROGATE.test(value) ? UNPAIRED_SURROGATE : null;
  }
  if (Array.isArray(value)) {
    for (const item of value) {
      const problem = unstorableText(item, depth + 1);
      if (problem) return problem;
    }
    return null;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const problem = unstorableText(key, depth + 1) ?? unstorableText(item, depth + 1);
      if (problem) return problem;
    }
  }
  return null;
}
