import { randomUUID } from 'node:crypto';

/** What a fixture hands to the load generators (printed in the server's ready line). */
export interface FixtureUser {
  id: string;
  token: string;
}

export interface Fixture {
  /** The host of the room (joined), or the only user without a room. */
  host: FixtureUser;
  /** Further users; the first `members` of them are active participants of the room. */
  users: FixtureUser[];
  roomId: string | null;
}

export interface FixtureOptions {
  /** Users besides the host. */
  users: number;
  /** Create a room hosted by `host`, and have the host join it. */
  room: boolean;
  /** How many of `users` are admitted to the room as participants (default: all). */
  members?: number;
}

// Structural types of the built server's app (bench/ does not compile against packages/).
interface InjectResponse {
  statusCode: number;
  body: string;
  json(): unknown;
}
export interface BenchApp {
  ready(): Promise<unknown>;
  inject(options: {
    method: string;
    url: string;
    headers?: Record<string, string>;
    payload?: unknown;
  }): Promise<InjectResponse>;
  videoconf: {
    storage: {
      createUser(input: { email: string; displayName: string }): Promise<{ id: string }>;
      admitParticipant(input: {
        roomId: string;
        userId: string;
        displayName: string;
        role: 'participant';
        enforceCapacity: boolean;
        now: string;
      }): Promise<unknown>;
    };
    tokens: { signAccess(input: { userId: string }): string };
  };
}

async function call(app: BenchApp, token: string, method: string, url: string, payload?: object) {
  const res = await app.inject({
    method,
    url: `/api/v1${url}`,
    headers: { authorization: `Bearer ${token}` },
    ...(payload && { payload }),
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as Record<string, unknown>;
}

/**
 * Users straight in storage with signed access tokens (no bcrypt), a room created and joined by
 * its host through the API, and members admitted in storage without the capacity check (so a
 * room can hold more than the API's 500).
 */
export async function createFixture(app: BenchApp, options: FixtureOptions): Promise<Fixture> {
  await app.ready();
  const { storage, tokens } = app.videoconf;
  const newUser = async (label: string): Promise<FixtureUser> => {
    const user = await storage.createUser({
      email: `bench-${label}-${randomUUID()}@example.com`,
      displayName: `Bench ${label}`,
    });
    return { id: user.id, token: tokens.signAccess({ userId: user.id }) };
  };
  const host = await newUser('host');
  const users: FixtureUser[] = [];
  for (let i = 0; i < options.users; i++) users.push(await newUser(`user${i}`));
  let roomId: string | null = null;
  if (options.room) {
    const room = await call(app, host.token, 'POST', '/rooms', { title: 'Bench room' });
    roomId = room.id as string;
    await call(app, host.token, 'POST', `/rooms/${roomId}/join`, {});
    const members = Math.min(options.members ?? users.length, users.length);
    const now = new Date().toISOString();
    for (let i = 0; i < members; i++) {
      await storage.admitParticipant({
        roomId,
        userId: users[i]!.id,
        displayName: `Bench user${i}`,
        role: 'participant',
        enforceCapacity: false,
        now,
      });
    }
  }
  return { host, users, roomId };
}
