import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { isVisibleName, VISIBLE_NAME_FORMAT } from './names';

/** A UUID as the server writes it: 36 characters, lowercase hex digits and hyphens. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The `uuid` format of the contract: lowercase, hyphenated, no `urn:uuid:` prefix or braces. */
export const isUuid = (value: string): boolean => UUID.test(value);

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:[Zz]|([+-])(\d{2}):?(\d{2}))$/;
/** 0001-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants both storages keep. */
const EARLIEST = -62135596800000;
const LATEST = 253402300799999;

const isLeap = (year: number): boolean => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const daysIn = (year: number, month: number): number =>
  month === 2 ? (isLeap(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;

/**
 * The `date-time` format of the contract: an RFC 3339 timestamp (`2026-05-01T09:30:00Z`,
 * `2026-05-01T11:30:00.250+02:00`) that names an instant between the years 1 and 9999 in UTC.
 * Refused: leap seconds (`23:59:60`, which JavaScript dates cannot hold), offsets without
 * minutes (`+02`), more than 9 fraction digits, and anything `Date.parse` would read as another
 * instant. Fractions finer than a millisecond are dropped when stored.
 */
export function isTimestamp(value: string): boolean {
  const match = TIMESTAMP.exec(value);
  if (!match) return false;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) return false;
  if (hour > 23 || minute > 59 || second > 59) return false;
  const offsetHours = Number(match[9] ?? 0);
  const offsetMinutes = Number(match[10] ?? 0);
  if (offsetHours > 23 || offsetMinutes > 59) return false;
  const utc = new Date(0);
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, Number((match[7] ?? '').padEnd(3, '0').slice(0, 3)));
  const sign = match[8] === '-' ? -1 : 1;
  const instant = utc.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000;
  return instant >= EARLIEST && instant <= LATEST && Date.parse(value) === instant;
}

/**
 * The string formats the schemas use, for the validator that checks them (Ajv:
 * `ajv.addFormat(name, check)` for each; TypeBox: `FormatRegistry.Set(name, check)`): the
 * contract's `visible-name`, and `uuid` and `date-time` stricter than ajv-formats' ones, which
 * accept values JavaScript or PostgreSQL cannot store.
 */
export const FORMATS = {
  uuid: isUuid,
  'date-time': isTimestamp,
  [VISIBLE_NAME_FORMAT]: isVisibleName,
} as const;

/** A UUID identifier (see `isUuid`). */
export const Uuid = Type.String({ format: 'uuid' });
/** An RFC 3339 timestamp (see `isTimestamp`); the server answers in UTC with milliseconds. */
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A `{ items }` list envelope. */
export const ItemList = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });
/** The type of `ItemList(item)`: `ItemList<Invite>` is `{ items: Invite[] }`. */
export type ItemList<T> = { items: T[] };

/** A `{ items, total }` page envelope. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer({ minimum: 0 }) });

/**
 * The largest integer an input may carry where the schema names no smaller bound: PostgreSQL's
 * `integer` (the type of counters and chat sequence numbers).
 */
export const MAX_INTEGER = 2_147_483_647;

/** A count, offset or sequence number: 0 to `MAX_INTEGER`. */
export const Count = Type.Integer({ minimum: 0, maximum: MAX_INTEGER });

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_INTEGER, default: 0 })),
});
export type PageQuery = Static<typeof PageQuery>;

export const IdParams = Type.Object({ id: Uuid });
export type IdParams = Static<typeof IdParams>;
