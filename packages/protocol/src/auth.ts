import { type Static, Type } from '@sinclair/typebox';
import { DisplayName } from './names';
import { User } from './users';

export const Email = Type.String({
  minLength: 3,
  maxLength: 254,
  pattern: '^\\s*[^\\s@]+@[^\\s@]+\\.[^\\s@]+\\s*$',
});
export const Password = Type.String({ minLength: 8, maxLength: 256 });

export const RegisterBody = Type.Object({
  email: Email,
  password: Password,
  displayName: DisplayName,
});
export type RegisterBody = Static<typeof RegisterBody>;

export const LoginBody = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 254 }),
  password: Type.String({ minLength: 1, maxLength: 256 }),
});
export type LoginBody = Static<typeof LoginBody>;

export const RefreshTokenBody = Type.Object({
  refreshToken: Type.String({ minLength: 1, maxLength: 512 }),
});
export type RefreshTokenBody = Static<typeof RefreshTokenBody>;

export const UserResponse = Type.Object({ user: User });
export type UserResponse = Static<typeof UserResponse>;

export const TokenPair = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  /** Lifetime of the access token in seconds. */
  expiresIn: Type.Integer({ minimum: 1 }),
});
export type TokenPair = Static<typeof TokenPair>;

export const LoginResponse = Type.Intersect([Type.Object({ user: User }), TokenPair]);
export type LoginResponse = Static<typeof LoginResponse>;
