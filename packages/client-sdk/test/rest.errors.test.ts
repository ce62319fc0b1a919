// How failures reach the application: one `ApiError` with the contract's status and code, or
// status 0 with `NETWORK_ERROR` / `ABORTED`.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, type Client, createClient, isApiError } from '../src/index';
import { email, PASSWORD, type RunningServer, startServer } from './rest.support';

const failure = (promise: Promise<unknown>): Promise<ApiError> =>
  promise.then(
    (value) => {
      throw new Error(`expected a failure, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => {
      if (!(error instanceof ApiError)) throw error;
      return error;
    },
  );

describe('ApiError mapping', () => {
  let server: RunningServer;
  let client: Client;
  beforeAll(async () => {
    server = await startServer();
    client = createClient({ server: server.url });
    const address = email();
    await client.auth.register({ email: address, password: PASSWORD, displayName: 'Err Or' });
    await client.auth.login({ email: address, password: PASSWORD });
  });
  afterAll(async () => {
    client?.close();
    await server?.close();
  });

  it('maps a 404 answer to its status, code and message', async () => {
    const error = await failure(client.rooms.get(randomUUID()));
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ApiError',
      status: 404,
      code: 'ROOM_NOT_FOUND',
      message: 'Room not found',
    });
    expect(isApiError(error, 'ROOM_NOT_FOUND')).toBe(true);
  });

  it('maps a 409 answer', async () => {
    const taken = email('taken');
    await client.auth.register({ email: taken, password: PASSWORD, displayName: 'First' });
    const error = await failure(
      client.auth.register({ email: taken, password: PASSWORD, displayName: 'Second' }),
    );
    expect(error).toMatchObject({ status: 409, code: 'EMAIL_TAKEN' });
  });

  it('maps a validation error', async () => {
    const error = await failure(client.rooms.create({ title: 'x', maxParticipants: 501 }));
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_ERROR' });
    expect(error.message).toMatch(/maxParticipants/);
  });

  it('maps an answer without a contract body by its status (a proxy, a CDN)', async () => {
    const proxied = createClient({
      server: server.url,
      fetch: async () => new Response('<h1>Bad Gateway</h1>', { status: 502 }),
    });
    const error = await failure(proxied.rooms.list());
    expect(error).toMatchObject({ status: 502, code: 'INTERNAL' });
  });

  it('turns a connection refused into status 0 NETWORK_ERROR with the cause', async () => {
    const closed = await startServer();
    await closed.close();
    const offline = createClient({ server: closed.url });
    const error = await failure(offline.rooms.list());
    expect(error).toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
    expect(error.cause).toBeInstanceOf(Error);
    const login = await failure(offline.auth.login({ email: email(), password: PASSWORD }));
    expect(login.code).toBe('NETWORK_ERROR');
  });

  it('turns an abort into ABORTED, before and during the request', async () => {
    const before = new AbortController();
    before.abort();
    const early = await failure(client.rooms.list(undefined, { signal: before.signal }));
    expect(early).toMatchObject({ status: 0, code: 'ABORTED' });

    // Aborted while the request is on the wire: the real fetch rejects, the client maps it.
    const during = new AbortController();
    let started = 0;
    const slow = createClient({
      server: server.url,
      token: 'irrelevant',
      fetch: (input, init) => {
        const answer = fetch(input, init);
        started++;
        during.abort(new Error('user navigated away'));
        return answer;
      },
    });
    const late = await failure(slow.rooms.list(undefined, { signal: during.signal }));
    expect(started).toBe(1);
    expect(late).toMatchObject({ status: 0, code: 'ABORTED' });
    expect((late.cause as Error).message).toBe('user navigated away');
  });
});
