/**
 * Who may call what: one row per route, one column per role. The authorization test runs
 * every cell against a real server and docs/roles.md is rendered from this same table.
 *
 * A cell is the expected answer: a 2xx status, or an error code.
 */
export const ROLES = [
  'host',
  'co_host',
  'participant',
  'waiting',
  'kicked',
  'guest',
  'outsider',
  'admin',
  'anonymous',
] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_NAMES: Record<Role, string> = {
  host: 'host',
  co_host: 'co-host',
  participant: 'participant',
  waiting: 'waiting user',
  kicked: 'kicked user',
  guest: 'guest (joined through an invite)',
  outsider: 'outsider (registered, not in the room)',
  admin: 'technical admin (not in the room)',
  anonymous: 'anonymous (no token)',
};

export type Expected = number | string;

export interface Row {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** With `:id` (the room), `:participantId` (the participant P), `:entryId` (W's pending entry), `:inviteId`, `:token`, `:messageId` (a message of P), `:ruleId`. */
  path: string;
  body?: Record<string, unknown>;
  expect: Record<Role, Expected>;
}

const everyone = (value: Expected, overrides: Partial<Record<Role, Expected>> = {}) =>
  Object.fromEntries(ROLES.map((role) => [role, overrides[role] ?? value])) as Record<
    Role,
    Expected
  >;

const U = 'UNAUTHORIZED';
const F = 'FORBIDDEN';
const NAP = 'NOT_A_PARTICIPANT';

/** Only some roles may; the rest answer `refusal`; anonymous callers always 401. */
const only = (allowed: Partial<Record<Role, Expected>>, refusal: Expected) =>
  everyone(refusal, { anonymous: U, ...allowed });

const members = (status: number) =>
  only({ host: status, co_host: status, participant: status, guest: status }, NAP);
const moderators = (status: number) => only({ host: status, co_host: status }, F);

export const TABLE: Row[] = [
  { method: 'GET', path: '/api/v1/users/me', expect: everyone(200, { anonymous: U }) },
  {
    method: 'PUT',
    path: '/api/v1/users/me',
    body: { displayName: 'Renamed' },
    expect: everyone(200, { anonymous: U }),
  },
  { method: 'GET', path: '/api/v1/users/me/settings', expect: everyone(200, { anonymous: U }) },
  {
    method: 'POST',
    path: '/api/v1/rooms',
    body: { title: 'Another room' },
    expect: everyone(201, { guest: F, anonymous: U }),
  },
  { method: 'GET', path: '/api/v1/rooms', expect: everyone(200, { anonymous: U }) },
  { method: 'GET', path: '/api/v1/rooms/:id', expect: everyone(200, { anonymous: U }) },
  {
    method: 'PUT',
    path: '/api/v1/rooms/:id',
    body: { title: 'Renamed room' },
    expect: only({ host: 200 }, F),
  },
  { method: 'DELETE', path: '/api/v1/rooms/:id', expect: only({ host: 204 }, F) },
  {
    method: 'POST',
    path: '/api/v1/rooms/:id/join',
    body: {},
    // The room has its waiting room on: newcomers knock (202); members get their participant.
    expect: only(
      {
        host: 200,
        co_host: 200,
        participant: 200,
        guest: 200,
        waiting: 202,
        outsider: 202,
        admin: 202,
      },
      'PARTICIPANT_KICKED',
    ),
  },
  { method: 'POST', path: '/api/v1/rooms/:id/leave', expect: members(204) },
  { method: 'POST', path: '/api/v1/rooms/:id/end', expect: only({ host: 200 }, F) },
  { method: 'POST', path: '/api/v1/rooms/:id/lock', expect: moderators(200) },
  { method: 'POST', path: '/api/v1/rooms/:id/unlock', expect: moderators(200) },
  { method: 'GET', path: '/api/v1/rooms/:id/participants', expect: members(200) },
  {
    method: 'POST',
    path: '/api/v1/rooms/:id/participants/:participantId/kick',
    body: {},
    expect: moderators(204),
  },
  {
    method: 'PUT',
    path: '/api/v1/rooms/:id/participants/:participantId/role',
    body: { role: 'co_host' },
    expect: only({ host: 200 }, F),
  },
  {
    method: 'POST',
    path: '/api/v1/rooms/:id/participants/:participantId/mute',
    body: { kind: 'audio' },
    expect: moderators(204),
  },
  {
    method: 'POST',
    path: '/api/v1/rooms/:id/invite',
    body: { label: 'Team' },
    expect: moderators(201),
  },
  { method: 'GET', path: '/api/v1/rooms/:id/invites', expect: moderators(200) },
  { method: 'DELETE', path: '/api/v1/rooms/:id/invites/:inviteId', expect: moderators(204) },
  {
    method: 'POST',
    path: '/api/v1/invites/:token/redeem',
    body: { displayName: 'Visitor' },
    expect: everyone(200),
  },
  { method: 'GET', path: '/api/v1/rooms/:id/waiting-room', expect: moderators(200) },
  {
    method: 'GET',
    path: '/api/v1/rooms/:id/waiting-room/:entryId',
    expect: only({ host: 200, co_host: 200, waiting: 200 }, F),
  },
  {
    method: 'POST',
    path: '/api/v1/rooms/:id/waiting-room/:entryId/approve',
    expect: moderators(200),
  },
  {
    method: 'POST',
    path: '/api/v1/rooms/:id/waiting-room/:entryId/reject',
    body: {},
    expect: moderators(200),
  },
  { method: 'GET', path: '/api/v1/rooms/:id/chat/messages', expect: members(200) },
  {
    method: 'POST',
    path: '/api/v1/rooms/:id/chat/messages',
    body: { content: 'Hello' },
    expect: members(201),
  },
  {
    method: 'PUT',
    path: '/api/v1/rooms/:id/chat/messages/:messageId',
    body: { content: 'Edited' },
    expect: only({ participant: 200 }, F),
  },
  {
    method: 'DELETE',
    path: '/api/v1/rooms/:id/chat/messages/:messageId',
    expect: only({ host: 204, co_host: 204, participant: 204 }, F),
  },
  { method: 'POST', path: '/api/v1/rooms/:id/media/token', expect: members(200) },
  {
    method: 'POST',
    path: '/api/v1/rooms/:id/stats',
    body: {
      avgRttMs: 40,
      maxRttMs: 90,
      avgJitterMs: 3,
      packetLossUpPercent: 0.5,
      packetLossDownPercent: 1,
      avgBitrateKbps: 1200,
      networkScore: 4,
    },
    expect: members(201),
  },
  {
    method: 'GET',
    path: '/api/v1/rooms/:id/stats',
    expect: only({ host: 200, co_host: 200, admin: 200 }, F),
  },
  {
    method: 'GET',
    path: '/api/v1/rooms/:id/stats/participants/:participantId',
    expect: only({ host: 200, co_host: 200, admin: 200, participant: 200 }, F),
  },
  { method: 'GET', path: '/api/v1/rooms/:id/audit', expect: only({ host: 200, admin: 200 }, F) },
  { method: 'GET', path: '/api/v1/admin/audit', expect: only({ admin: 200 }, F) },
  { method: 'GET', path: '/api/v1/admin/rate-limits', expect: only({ admin: 200 }, F) },
  {
    method: 'POST',
    path: '/api/v1/admin/rate-limits',
    body: { scope: 'ip', perMinute: 1000 },
    expect: only({ admin: 201 }, F),
  },
  { method: 'DELETE', path: '/api/v1/admin/rate-limits/:ruleId', expect: only({ admin: 204 }, F) },
];

/** The table as Markdown, for docs/roles.md. */
export function renderRolesMarkdown(): string {
  const header = `| route | ${ROLES.map((role) => ROLE_NAMES[role]).join(' | ')} |`;
  const divider = `|---|${ROLES.map(() => '---').join('|')}|`;
  const cell = (value: Expected) => (typeof value === 'number' ? `✅ ${value}` : `❌ \`${value}\``);
  const rows = TABLE.map(
    (row) =>
      `| \`${row.method} ${row.path}\` | ${ROLES.map((role) => cell(row.expect[role])).join(' | ')} |`,
  );
  return [
    '# Who may do what',
    '',
    'Every route of the API and what it answers to each kind of caller, for one room. ✅ is the',
    'success status; ❌ is the error code (401 `UNAUTHORIZED`, 403 `FORBIDDEN` /',
    '`NOT_A_PARTICIPANT` / `PARTICIPANT_KICKED`). This page is generated from the table that',
    '`packages/server/test/authorization/table.ts` runs against a real server in every test run;',
    'regenerate it with `UPDATE_DOCS=1 pnpm test -- authorization`.',
    '',
    'The roles: the **host** created the room and joined it; a **co-host** was promoted by the',
    'host; a **participant** joined; a **waiting user** knocked while the waiting room is on; a',
    '**kicked user** was removed by a moderator; a **guest** redeemed an invite without an account',
    'and joined (a guest token works only for the room of its invite, and guests cannot create',
    'rooms); an **outsider** is a registered user who is not in the room; a **technical admin** has',
    'the global role `technical_admin` but is not in the room. The room has the waiting room',
    'turned on when these calls are made, so a newcomer joining gets 202 with a pending entry.',
    '',
    'The host is a member of the room even when not joined: they may read participants, chat',
    'history and the waiting room; sending chat, reporting stats and getting a media token need an',
    'active participant (the host joins like everyone else, bypassing lock, password, waiting room',
    'and capacity).',
    '',
    header,
    divider,
    ...rows,
    '',
  ].join('\n');
}
