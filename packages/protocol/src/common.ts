import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** A UUID identifier. */
export const Uuid = Type.String({ format: 'uuid' });
/** An ISO-8601 timestamp. */
export const Timestamp = Type.String({ format: 'date-time' });
export const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** A `{ items }` list envelope. */
export const ItemList = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item) });

/** A `{ items, total }` page envelope. */
export const Page = <T extends TSchema>(item: T) =>
  Type.Object({ items: Type.Array(item), total: Type.Integer({ minimum: 0 }) });

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, default: 0 })),
});
export type PageQuery = Static<typeof PageQuery>;

export const IdParams = Type.Object({ id: Uuid });
export type IdParams = Static<typeof IdParams>;
