import { createHmac } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTokenService } from '../src/auth/tokens';
import { ConferenceError } from '../src/errors';

const SECRET = 'token-test-secret-that-is-32-bytes-or-more';
const tokens = createTokenService({ secret: SECRET, accessTokenTtl: 900 });
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with our secret by jsonwebtoken, with any claims and options. */
const signed = (payload: object, options: jwt.SignOptions = {}, secret = SECRET) =>
  jwt.sign(payload, secret, {
    algorithm: 'HS256',
    issuer: 'videoconf',
    audience: 'videoconf',
    subject: 'user-1',
    expiresIn: 60,
    ...options,
  });

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** A token assembled by hand: any header, any payload, signed HS256 with `secret`. */
const handmade = (header: object, payload: object, secret = SECRET) => {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
};
const claims = (extra: object = {}) => ({
  typ: 'access',
  sub: 'user-1',
  iss: 'videoconf',
  aud: 'videoconf',
  exp: now() + 60,
  ...extra,
});

const codeOf = (token: string): string => {
  try {
    tokens.verifyAccess(token);
  } catch (error) {
    expect(error).toBeInstanceOf(ConferenceError);
    return (error as ConferenceError).code;
  }
  return 'OK';
};

describe('access tokens', () => {
  it('round-trips its own tokens, with and without a room', () => {
    expect(tokens.verifyAccess(tokens.signAccess({ userId: 'u1' }))).toEqual({
      sub: 'u1',
      typ: 'access',
    });
    expect(tokens.verifyAccess(tokens.signAccess({ userId: 'u1', roomId: 'r1' }))).toEqual({
      sub: 'u1',
      typ: 'access',
      rid: 'r1',
    });
    expect(codeOf(signed({ typ: 'access' }))).toBe('OK');
    expect(codeOf(handmade({ alg: 'HS256' }, claims()))).toBe('OK');
    expect(
      codeOf(handmade({ alg: 'HS256', typ: 'JWT' }, claims({ aud: ['x', 'videoconf'] }))),
    ).toBe('OK');
  });

  it('says TOKEN_EXPIRED for an expired token, even with other faults after the expiry check', () => {
    expect(codeOf(tokens.signAccess({ userId: 'u1' }, -1))).toBe('TOKEN_EXPIRED');
    expect(codeOf(handmade({ alg: 'HS256' }, claims({ exp: now() })))).toBe('TOKEN_EXPIRED');
    expect(codeOf(handmade({ alg: 'HS256' }, claims({ exp: now() - 5, aud: 'x' })))).toBe(
      'TOKEN_EXPIRED',
    );
  });

  it.each([
    ['another secret', () => signed({ typ: 'access' }, {}, `${SECRET}-other`)],
    ['alg none', () => `${b64({ alg: 'none' })}.${b64(claims())}.`],
    ['alg none without signature', () => `${b64({ alg: 'none' })}.${b64(claims())}`],
    ['HS512', () => jwt.sign(claims(), SECRET, { algorithm: 'HS512' })],
    ['a header without alg', () => handmade({ typ: 'JWT' }, claims())],
    ['a header that is not JSON', () => `bm90IGpzb24.${b64(claims())}.sig`],
    ['a payload that is not an object', () => handmade({ alg: 'HS256' }, ['access'])],
    [
      'a tampered payload',
      () => {
        const [h, , s] = tokens.signAccess({ userId: 'u1' }).split('.');
        return `${h}.${b64(claims({ sub: 'admin' }))}.${s}`;
      },
    ],
    ['a signature with a character appended', () => `${tokens.signAccess({ userId: 'u1' })}A`],
    ['a signature with padding', () => `${tokens.signAccess({ userId: 'u1' })}=`],
    ['an empty signature', () => `${tokens.signAccess({ userId: 'u1' }).replace(/\.[^.]*$/, '.')}`],
    ['four parts', () => `${tokens.signAccess({ userId: 'u1' })}.x`],
    ['two parts', () => tokens.signAccess({ userId: 'u1' }).replace(/\.[^.]*$/, '')],
    ['another issuer', () => signed({ typ: 'access' }, { issuer: 'other' })],
    ['no issuer', () => handmade({ alg: 'HS256' }, claims({ iss: undefined }))],
    ['another audience', () => signed({ typ: 'access' }, { audience: 'other' })],
    ['no audience', () => handmade({ alg: 'HS256' }, claims({ aud: undefined }))],
    ['a future nbf', () => handmade({ alg: 'HS256' }, claims({ nbf: now() + 60 }))],
    ['a string nbf', () => handmade({ alg: 'HS256' }, claims({ nbf: String(now() - 60) }))],
    ['a string exp', () => handmade({ alg: 'HS256' }, claims({ exp: String(now() + 60) }))],
    ['another token type', () => handmade({ alg: 'HS256' }, claims({ typ: 'refresh' }))],
    ['no subject', () => handmade({ alg: 'HS256' }, claims({ sub: undefined }))],
    ['a numeric subject', () => handmade({ alg: 'HS256' }, claims({ sub: 42 }))],
    ['a numeric room', () => handmade({ alg: 'HS256' }, claims({ rid: 42 }))],
    ['junk', () => 'junk'],
    ['a.b.c', () => 'a.b.c'],
  ])('refuses %s with INVALID_TOKEN', (_name, token) => {
    expect(codeOf(token())).toBe('INVALID_TOKEN');
  });

  it('accepts a token without exp, as jsonwebtoken does', () => {
    expect(codeOf(handmade({ alg: 'HS256' }, claims({ exp: undefined })))).toBe('OK');
  });
});

describe('verified tokens', () => {
  afterEach(() => vi.useRealTimers());

  it('are refused once expired, also when verified before', () => {
    vi.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z'), toFake: ['Date'] });
    const token = tokens.signAccess({ userId: 'u1' }, 60);
    expect(codeOf(token)).toBe('OK');
    vi.setSystemTime(new Date('2030-01-01T00:00:59Z'));
    expect(codeOf(token)).toBe('OK');
    vi.setSystemTime(new Date('2030-01-01T00:01:00Z'));
    expect(codeOf(token)).toBe('TOKEN_EXPIRED');
    expect(codeOf(token)).toBe('TOKEN_EXPIRED');
  });

  it('hand out claims the caller may change', () => {
    const token = tokens.signAccess({ userId: 'u1', roomId: 'r1' });
    const first = tokens.verifyAccess(token);
    first.sub = 'someone else';
    delete first.rid;
    expect(tokens.verifyAccess(token)).toEqual({ sub: 'u1', typ: 'access', rid: 'r1' });
  });

  it('are not shared between services with different secrets', () => {
    const token = tokens.signAccess({ userId: 'u1' });
    expect(codeOf(token)).toBe('OK');
    const other = createTokenService({ secret: `${SECRET}-other`, accessTokenTtl: 900 });
    expect(() => other.verifyAccess(token)).toThrow(ConferenceError);
  });

  it('stay correct past the size of the cache', () => {
    const many = Array.from({ length: 1100 }, (_, i) => tokens.signAccess({ userId: `u${i}` }));
    for (const token of many) tokens.verifyAccess(token);
    many.forEach((token, i) => {
      expect(tokens.verifyAccess(token).sub).toBe(`u${i}`);
    });
  });
});
