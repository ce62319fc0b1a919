// `pnpm start` as a user runs it: in its own process group (as a terminal or a process manager
// starts it), stopped with Ctrl-C (SIGINT to the group) or SIGTERM to pnpm alone.
import { describe, expect, it } from 'vitest';
import {
  alive,
  cleanUp,
  eventually,
  groupMembers,
  listening,
  livekitGone,
  start,
} from './support/start';

// With a LiveKit binary here, `pnpm start` runs a LiveKit dev server next to ours: every way of
// stopping ours stops it too (start.livekit.test.ts tests it further).
describe.skipIf(process.platform === 'win32')('pnpm start', () => {
  for (const [sent, who] of [
    ['SIGINT', 'Ctrl-C'],
    ['SIGTERM', 'a container stopping'],
  ] as const) {
    it(`stops with exit code 0 on ${sent} to its process group (${who})`, async () => {
      const started = await start();
      try {
        process.kill(-started.pnpm.pid!, sent);
        const [code, signal] = await started.exited;
        expect({ code, signal }).toEqual({ code: 0, signal: null });
        expect(await eventually(() => groupMembers(started.pnpm.pid!).length === 0, 15_000)).toBe(
          true,
        );
        expect(await listening(started.port)).toBe(false);
        expect(await eventually(() => livekitGone(started), 15_000)).toBe(true);
        expect(started.output()).toContain('shutting down');
        expect(started.output()).not.toContain('ELIFECYCLE');
      } finally {
        cleanUp(started);
      }
    }, 180_000);
  }

  it('stops the server when pnpm alone gets SIGTERM (a process manager)', async () => {
    const started = await start();
    try {
      started.pnpm.kill('SIGTERM');
      const [code, signal] = await started.exited;
      expect(await eventually(() => !alive(started.server), 15_000)).toBe(true);
      expect(await listening(started.port)).toBe(false);
      expect(await eventually(() => livekitGone(started), 15_000)).toBe(true);
      expect(groupMembers(started.pnpm.pid!)).toEqual([]);
      expect(started.output()).toContain('shutting down');
      expect({ code, signal }).toEqual({ code: 0, signal: null });
      expect(started.output()).not.toContain('ELIFECYCLE');
    } finally {
      cleanUp(started);
    }
  }, 180_000);

  it('stops the server when pnpm dies without passing anything on (SIGKILL)', async () => {
    const started = await start();
    try {
      started.pnpm.kill('SIGKILL');
      await started.exited;
      expect(await eventually(() => !alive(started.server), 15_000)).toBe(true);
      expect(await listening(started.port)).toBe(false);
      expect(await eventually(() => livekitGone(started), 15_000)).toBe(true);
      expect(groupMembers(started.pnpm.pid!)).toEqual([]);
      expect(started.output()).toContain('shutting down');
    } finally {
      cleanUp(started);
    }
  }, 180_000);
});
