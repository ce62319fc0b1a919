import { randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { App } from '../src/http/types';
import { caller, expectStatus, rooms, storages } from './chat.support';
import { errorCode, type QuickUser, quickUser, testServer } from './support/app';

const report = (patch: Record<string, unknown> = {}) => ({
  avgRttMs: 40,
  maxRttMs: 90,
  avgJitterMs: 3,
  packetLossUpPercent: 0.5,
  packetLossDownPercent: 1,
  avgBitrateKbps: 1200,
  networkScore: 4,
  ...patch,
});

describe.each(storages())('stats over HTTP on %s storage', (_name, storage) => {
  let app: App;
  let host: QuickUser;
  let ada: QuickUser;
  let bob: QuickUser;
  let roomId: string;
  let adaId: string;
  let bobId: string;
  const call = caller(() => app);
  const room = rooms(() => app);
  const stats = (id = roomId) => `/rooms/${id}/stats`;

  const refused = async (res: Promise<LightMyRequestResponse>, status: number, code: string) => {
    const answer = await res;
    expect(answer.statusCode, answer.body).toBe(status);
    expect(errorCode(answer)).toBe(code);
  };

  beforeEach(async () => {
    app = testServer({ storage: storage() });
    host = await quickUser(app);
    ada = await quickUser(app);
    bob = await quickUser(app);
    roomId = await room.create(host);
    await room.join(host, roomId, 'Hana Host');
    adaId = (await room.join(ada, roomId, 'Ada')).id;
    bobId = (await room.join(bob, roomId, 'Bob')).id;
  });
  afterEach(() => app.close());

  it('stores a sample for the caller’s own participant', async () => {
    const body = report({ avgRttMs: 12.5 });
    const sample = expectStatus(await call(ada, 'POST', stats(), body), 201);
    expect(sample).toEqual({
      id: expect.any(String),
      roomId,
      participantId: adaId,
      recordedAt: expect.any(String),
      ...body,
    });
    // A participantId in the body cannot report for someone else.
    const other = expectStatus(
      await call(ada, 'POST', stats(), { ...report(), participantId: bobId }),
      201,
    );
    expect(other.participantId).toBe(adaId);
    const bobs = expectStatus(await call(host, 'GET', `${stats()}/participants/${bobId}`), 200);
    expect(bobs.items).toEqual([]);
  });

  it('checks the bounds of every field', async () => {
    const accepted = [
      report({
        avgRttMs: 0,
        maxRttMs: 0,
        avgJitterMs: 0,
        packetLossUpPercent: 0,
        packetLossDownPercent: 0,
        avgBitrateKbps: 0,
        networkScore: 0,
      }),
      report({ packetLossUpPercent: 100, packetLossDownPercent: 100, networkScore: 5 }),
      report({ avgRttMs: 1e9, maxRttMs: 1e9, avgBitrateKbps: 1e9, networkScore: 2.5 }),
    ];
    for (const body of accepted) expectStatus(await call(ada, 'POST', stats(), body), 201);
    const rejected = [
      report({ avgRttMs: -1 }),
      report({ maxRttMs: -0.001 }),
      report({ avgJitterMs: -5 }),
      report({ packetLossUpPercent: 100.01 }),
      report({ packetLossDownPercent: -1 }),
      report({ avgBitrateKbps: -1 }),
      report({ avgBitrateKbps: 1e10 }),
      report({ networkScore: 5.1 }),
      report({ networkScore: -1 }),
      report({ avgRttMs: '40' }),
      report({ avgRttMs: null }),
      { ...report(), networkScore: undefined },
      {},
    ];
    for (const body of rejected) {
      await refused(call(ada, 'POST', stats(), body), 400, 'VALIDATION_ERROR');
    }
    // JSON has no NaN or Infinity: such a body is not valid JSON.
    const nan = await app.inject({
      method: 'POST',
      url: `/api/v1${stats()}`,
      headers: { ...ada.auth, 'content-type': 'application/json' },
      payload: '{"avgRttMs":NaN,"maxRttMs":Infinity}',
    });
    expect(nan.statusCode).toBe(400);
    expect(errorCode(nan)).toBe('VALIDATION_ERROR');
    const own = expectStatus(await call(ada, 'GET', `${stats()}/participants/${adaId}`), 200);
    expect(own.items).toHaveLength(accepted.length);
  });

  it('averages every sample per participant, with display names', async () => {
    const adaSamples = [
      report({ avgRttMs: 10, avgJitterMs: 1, packetLossUpPercent: 0, packetLossDownPercent: 2 }),
      report({ avgRttMs: 20, avgJitterMs: 2, packetLossUpPercent: 1, packetLossDownPercent: 4 }),
      report({ avgRttMs: 60, avgJitterMs: 6, packetLossUpPercent: 5, packetLossDownPercent: 0 }),
    ].map((s, i) => ({ ...s, avgBitrateKbps: 1000 * (i + 1), networkScore: [5, 4, 2.5][i] }));
    for (const body of adaSamples) expectStatus(await call(ada, 'POST', stats(), body), 201);
    expectStatus(await call(bob, 'POST', stats(), report({ avgRttMs: 300 })), 201);

    const body = expectStatus(await call(host, 'GET', stats()), 200);
    expect(body.roomId).toBe(roomId);
    expect(body.participants).toHaveLength(2);
    const byId = new Map(
      body.participants.map((p: { participantId: string }) => [p.participantId, p]),
    );
    const adaRow = byId.get(adaId) as Record<string, number | string>;
    expect(adaRow).toMatchObject({ participantId: adaId, displayName: 'Ada', samples: 3 });
    expect(adaRow.avgRttMs).toBeCloseTo(30, 9);
    expect(adaRow.avgJitterMs).toBeCloseTo(3, 9);
    expect(adaRow.packetLossUpPercent).toBeCloseTo(2, 9);
    expect(adaRow.packetLossDownPercent).toBeCloseTo(2, 9);
    expect(adaRow.avgBitrateKbps).toBeCloseTo(2000, 9);
    expect(adaRow.networkScore).toBeCloseTo(11.5 / 3, 9);
    expect(byId.get(bobId)).toEqual({
      participantId: bobId,
      displayName: 'Bob',
      samples: 1,
      avgRttMs: 300,
      avgJitterMs: 3,
      packetLossUpPercent: 0.5,
      packetLossDownPercent: 1,
      avgBitrateKbps: 1200,
      networkScore: 4,
    });

    const samples = expectStatus(await call(host, 'GET', `${stats()}/participants/${adaId}`), 200);
    expect(samples.items.map((s: { avgRttMs: number }) => s.avgRttMs)).toEqual([10, 20, 60]);
    const times = samples.items.map((s: { recordedAt: string }) => Date.parse(s.recordedAt));
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it('answers an empty summary before anyone reported', async () => {
    expect(expectStatus(await call(host, 'GET', stats()), 200)).toEqual({
      roomId,
      participants: [],
    });
  });

  it('lets only active participants report, for themselves', async () => {
    const outsider = await quickUser(app);
    const absentHost = await quickUser(app);
    const other = await room.create(absentHost);
    await refused(call(outsider, 'POST', stats(), report()), 403, 'NOT_A_PARTICIPANT');
    await refused(call(absentHost, 'POST', stats(other), report()), 403, 'NOT_A_PARTICIPANT');
    await room.kick(host, roomId, bobId);
    await refused(call(bob, 'POST', stats(), report()), 403, 'NOT_A_PARTICIPANT');
    await refused(call(null, 'POST', stats(), report()), 401, 'UNAUTHORIZED');
    await refused(call(ada, 'POST', stats(randomUUID()), report()), 404, 'ROOM_NOT_FOUND');
    await room.end(host, roomId);
    await refused(call(ada, 'POST', stats(), report()), 410, 'ROOM_ENDED');
    expect(expectStatus(await call(host, 'GET', stats()), 200).participants).toEqual([]);
  });

  it('shows room stats to the host, co-hosts and technical admins only', async () => {
    expectStatus(await call(ada, 'POST', stats(), report()), 201);
    const carol = await quickUser(app);
    await room.join(carol, roomId, 'Carol', 'co_host');
    const admin = await quickUser(app, { admin: true });
    const outsider = await quickUser(app);
    for (const who of [host, carol, admin]) {
      expect(expectStatus(await call(who, 'GET', stats()), 200).participants).toHaveLength(1);
    }
    for (const who of [ada, bob, outsider]) {
      await refused(call(who, 'GET', stats()), 403, 'FORBIDDEN');
    }
    await refused(call(null, 'GET', stats()), 401, 'UNAUTHORIZED');
    await refused(call(admin, 'GET', stats(randomUUID())), 404, 'ROOM_NOT_FOUND');
  });

  it('shows one participant’s samples to readers and to that participant', async () => {
    expectStatus(await call(ada, 'POST', stats(), report()), 201);
    const admin = await quickUser(app, { admin: true });
    const outsider = await quickUser(app);
    const path = `${stats()}/participants/${adaId}`;
    for (const who of [host, admin, ada]) {
      expect(expectStatus(await call(who, 'GET', path), 200).items).toHaveLength(1);
    }
    for (const who of [bob, outsider]) await refused(call(who, 'GET', path), 403, 'FORBIDDEN');
    // Still their own after being kicked.
    await room.kick(host, roomId, adaId);
    expect(expectStatus(await call(ada, 'GET', path), 200).items).toHaveLength(1);

    // Unknown, or a participant of another room: not found here (told to readers only).
    const otherRoom = await room.create(host);
    const elsewhere = await room.join(bob, otherRoom, 'Bob elsewhere');
    for (const participantId of [randomUUID(), elsewhere.id]) {
      const url = `${stats()}/participants/${participantId}`;
      await refused(call(host, 'GET', url), 404, 'PARTICIPANT_NOT_FOUND');
      await refused(call(outsider, 'GET', url), 403, 'FORBIDDEN');
    }
    await refused(call(bob, 'GET', `${stats()}/participants/${elsewhere.id}`), 403, 'FORBIDDEN');
    await refused(call(host, 'GET', `${stats()}/participants/nope`), 400, 'VALIDATION_ERROR');
  });
});
