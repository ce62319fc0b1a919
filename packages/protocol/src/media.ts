import { type Static, Type } from '@sinclair/typebox';
import { Timestamp } from './common';

export const MediaToken = Type.Object({
  token: Type.String(),
  url: Type.String(),
  identity: Type.String(),
  expiresAt: Timestamp,
});
export type MediaToken = Static<typeof MediaToken>;
