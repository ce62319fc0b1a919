import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import { createAuditRecorder, withoutSecrets } from '../src/audit/record';
import { memoryStorage } from '../src/storage/memory';
import type { Storage } from '../src/storage/types';

/** A logger that keeps what `error` was called with. */
function recordingLog() {
  const errors: unknown[][] = [];
  const noop = () => {};
  const log = {
    level: 'info',
    error: (...args: unknown[]) => errors.push(args),
    warn: noop,
    info: noop,
    debug: noop,
    trace: noop,
    fatal: noop,
    silent: noop,
    child: () => log,
  } as unknown as FastifyBaseLogger;
  return { log, errors };
}

describe('audit recorder', () => {
  it('drops secret-looking keys at any depth and keeps the rest', () => {
    const payload = withoutSecrets({
      title: 'Standup',
      password: 'hunter2-long-enough',
      roomPassword: 'x',
      accessToken: 'eyJ...',
      inviteToken: 'abc',
      passwordHash: '$2b$...',
      hasPassword: true,
      tokenRevoked: false,
      clientSecret: 's',
      changed: ['title', 'password'],
      removed: undefined,
      settings: { chatEnabled: false, apiSecret: 's', nested: { refreshToken: 'r', ok: 1 } },
      invites: [{ id: 'i1', token: 't1', label: 'Team' }],
      count: 0,
      flag: null,
    });
    expect(payload).toEqual({
      title: 'Standup',
      hasPassword: true,
      tokenRevoked: false,
      // Values are kept: naming a changed field is not a secret.
      changed: ['title', 'password'],
      settings: { chatEnabled: false, nested: { ok: 1 } },
      invites: [{ id: 'i1', label: 'Team' }],
      count: 0,
      flag: null,
    });
  });

  it('gives entries written in one millisecond distinct, increasing times', async () => {
    const storage: Storage = memoryStorage();
    await storage.init();
    const audit = createAuditRecorder(storage, recordingLog().log);
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        audit('room_updated', {
          actor: { userId: null, role: null },
          roomId: null,
          payload: { i },
        }),
      ),
    );
    const entries = await storage.listAudit({ limit: 100 });
    const times = entries.map((e) => Date.parse(e.eventTime));
    expect(new Set(times).size).toBe(50);
    expect(entries.map((e) => e.payload.i)).toEqual(Array.from({ length: 50 }, (_, i) => 49 - i));
  });

  it('never throws: a failed write is logged', async () => {
    const storage = memoryStorage();
    storage.appendAudit = async () => {
      throw new Error('disk full');
    };
    const { log, errors } = recordingLog();
    const audit = createAuditRecorder(storage, log);
    await expect(
      audit('room_ended', { actor: { userId: null, role: null }, roomId: null }),
    ).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toEqual([
      expect.objectContaining({ eventType: 'room_ended' }),
      'audit entry could not be written',
    ]);
  });
});
