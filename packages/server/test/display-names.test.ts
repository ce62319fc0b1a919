import { isVisibleName } from '@videoconf/protocol';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { errorCode, type QuickUser, quickUser, signUp, testServer } from './support/app';

/** Names that show nothing: each must be refused wherever a name people see is accepted. */
const INVISIBLE: Record<string, string> = {
  'zero-width space': '\u200B',
  'zero-width non-joiner, joiner': '\u200C\u200D',
  'word joiner': '\u2060',
  'byte order mark': '\uFEFF',
  'bidi marks': '\u200E\u200F\u061C',
  'bidi embeddings and override': '\u202A\u202B\u202C\u202D\u202E',
  'bidi isolates': '\u2066\u2067\u2068\u2069',
  'soft hyphen': '\u00AD',
  'Mongolian vowel separator': '\u180E',
  'tag characters': '\u{E0041}\u{E0042}',
  'no-break and ideographic spaces': '\u00A0\u3000\u2007',
  'spaces around a zero-width space': '  \u200B  ',
  'combining marks only': '\u0301\u0308',
  'variation selector': '\uFE0F',
  'combining grapheme joiner': '\u034F',
  'Hangul fillers': '\u3164\u115F\u1160\uFFA0',
  'Braille blank': '\u2800\u2800',
};

/** Visible names that carry characters able to reorder or break the text around them. */
const SPOOFING: Record<string, string> = {
  'right-to-left override inside': 'Alice\u202Egnp.exe',
  'an unterminated embedding': 'Bob\u202B',
  'isolates inside': 'Eve \u2067admin\u2069',
  'a line break': 'Mallory\nSystem: you are kicked',
  'a tab': 'Tab\tName',
  'a line separator': 'Line\u2028Break',
  'a lone surrogate': 'Broken\uD800',
};

/** Names people really have: accepted. */
const VISIBLE = [
  'Zoë',
  'José María',
  '李雷',
  'محمد\u200F', // a right-to-left mark ends the name: allowed
  'می\u200Cخواهم', // Persian: the zero-width non-joiner is part of the spelling
  '👩\u200D💻 Dev', // an emoji ZWJ sequence
  'e\u0301', // a combining mark on a letter
  '\u200BAnn\u200B', // invisible characters around visible ones are harmless
  'x',
];

describe('isVisibleName', () => {
  it.each(Object.entries(INVISIBLE))('refuses %s', (_name, value) => {
    expect(isVisibleName(value)).toBe(false);
  });
  it.each(Object.entries(SPOOFING))('refuses a name with %s', (_name, value) => {
    expect(isVisibleName(value)).toBe(false);
  });
  it.each(VISIBLE)('accepts %s', (value) => {
    expect(isVisibleName(value)).toBe(true);
  });
});

describe('every route that takes a name people see', () => {
  let app: App;
  let host: QuickUser;
  let roomId: string;
  let inviteToken: string;

  beforeAll(async () => {
    app = testServer();
    host = await signUp(app);
    const room = await send(host, 'POST', '/rooms', { title: 'Names' });
    expect(room.statusCode, room.body).toBe(201);
    roomId = room.json().id;
    const invite = await send(host, 'POST', `/rooms/${roomId}/invite`, {});
    inviteToken = invite.json().token;
  });
  afterAll(() => app.close());

  function send(user: QuickUser | null, method: 'POST' | 'PUT', url: string, payload: object) {
    return app.inject({
      method,
      url: `/api/v1${url}`,
      headers: user?.auth ?? {},
      payload,
    });
  }

  let registered = 0;
  /** Each route with the name under test in its body; answers the name as stored. */
  const routes: Record<
    string,
    {
      field: string;
      call: (name: string) => Promise<LightMyRequestResponse>;
      stored: (res: LightMyRequestResponse) => unknown;
    }
  > = {
    'POST /auth/register': {
      field: 'displayName',
      call: (displayName) =>
        send(null, 'POST', '/auth/register', {
          email: `names-${++registered}-${Date.now()}@example.com`,
          password: 'a good long password',
          displayName,
        }),
      stored: (res) => res.json().user.displayName,
    },
    'PUT /users/me': {
      field: 'displayName',
      call: (displayName) => send(host, 'PUT', '/users/me', { displayName }),
      stored: (res) => res.json().displayName,
    },
    'POST /invites/:token/redeem': {
      field: 'displayName',
      call: (displayName) => send(null, 'POST', `/invites/${inviteToken}/redeem`, { displayName }),
      stored: (res) => res.json().user.displayName,
    },
    'POST /rooms/:id/join': {
      field: 'displayName',
      // A new user each time: joining again keeps the participant of the first join.
      call: async (displayName) =>
        send(await quickUser(app), 'POST', `/rooms/${roomId}/join`, { displayName }),
      stored: (res) => res.json().participant.displayName,
    },
    'POST /rooms': {
      field: 'title',
      call: (title) => send(host, 'POST', '/rooms', { title }),
      stored: (res) => res.json().title,
    },
    'PUT /rooms/:id': {
      field: 'title',
      call: (title) => send(host, 'PUT', `/rooms/${roomId}`, { title }),
      stored: (res) => res.json().title,
    },
    'POST /users/me/video-profiles': {
      field: 'name',
      call: (name) => send(host, 'POST', '/users/me/video-profiles', { name }),
      stored: (res) => res.json().name,
    },
  };

  describe.each(Object.entries(routes))('%s', (_route, { field, call, stored }) => {
    it('refuses names made only of invisible characters with 400 VALIDATION_ERROR', async () => {
      for (const [what, name] of Object.entries(INVISIBLE)) {
        const res = await call(name);
        expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
        expect(errorCode(res)).toBe('VALIDATION_ERROR');
        expect(res.json().message).toBe(`body/${field} must match format "visible-name"`);
      }
    });

    it('refuses names with bidi controls, line breaks or broken text', async () => {
      for (const [what, name] of Object.entries(SPOOFING)) {
        const res = await call(name);
        expect(res.statusCode, `${what}: ${res.body}`).toBe(400);
        expect(errorCode(res)).toBe('VALIDATION_ERROR');
      }
    });

    it('accepts visible names, trimmed', async () => {
      for (const name of ['  Zoë  ', 'محمد\u200F', '👩\u200D💻 Dev']) {
        const res = await call(name);
        expect(res.statusCode, res.body).toBeLessThan(300);
        expect(stored(res)).toBe(name.trim());
      }
    });
  });
});
