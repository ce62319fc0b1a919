// `pnpm start` has video out of the box: a LiveKit dev server next to ours (scripts/start.mjs,
// scripts/livekit.mjs), wired to ours, stopped with ours, and never left running.

import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { RoomServiceClient } from 'livekit-server-sdk';
import { afterAll, describe, expect, it } from 'vitest';
import { LIVEKIT_MODULE, LIVEKIT_VERSION } from '../../../scripts/livekit.mjs';
import { livekitBinary, livekitVerdict } from './support/livekit-server';
import {
  apiOf,
  cleanUp,
  eventually,
  listening,
  livekitGone,
  type Started,
  signUpOn,
  start,
} from './support/start';

const binary = livekitBinary();

/** A user registers and logs in, creates a room, joins it and asks for its media token. */
async function mediaToken(port: number): Promise<{ token: string; url: string }> {
  const api = apiOf(port);
  const accessToken = await signUpOn(port, 'Stella');
  const room = await api('/rooms', { title: 'Out of the box' }, accessToken);
  await api(`/rooms/${room.id}/join`, undefined, accessToken);
  return api(`/rooms/${room.id}/media/token`, undefined, accessToken);
}

/** The key and secret of a running LiveKit dev server, from the config file it was started with. */
function livekitKeys(pid: number): { apiKey: string; apiSecret: string } {
  const command = execFileSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' });
  const config = readFileSync(/--config (\S+)/.exec(command)![1]!, 'utf8');
  const [, apiKey, apiSecret] = /^keys:\n {2}(\S+): (\S+)$/m.exec(config)!;
  return { apiKey: apiKey!, apiSecret: apiSecret! };
}

/** The output lines that tell how to turn video on. */
const turnVideoOnLines = (output: string) =>
  output.split('\n').filter((line) => line.includes('Video is off'));

/**
 * PATH without Go and without livekit-server: with an empty cache, no binary can be had. A
 * directory that holds either (next to node or pnpm, say) is replaced by one that links to
 * everything else in it.
 */
const hidden = ['go', 'livekit-server'];
const shadows: string[] = [];
afterAll(() => {
  for (const shadow of shadows) rmSync(shadow, { recursive: true, force: true });
});
const pathWithoutLivekit = () =>
  (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => {
      if (!hidden.some((name) => existsSync(join(dir, name)))) return dir;
      const shadow = mkdtempSync(join(tmpdir(), 'videoconf-path-'));
      shadows.push(shadow);
      for (const name of readdirSync(dir)) {
        if (!hidden.includes(name)) symlinkSync(join(dir, name), join(shadow, name));
      }
      return shadow;
    })
    .join(delimiter);

describe.skipIf(process.platform === 'win32' || !binary)('pnpm start with LiveKit', () => {
  it('two starts at once each run their own LiveKit, which accepts the media tokens of ours; Ctrl-C and SIGTERM stop both', async () => {
    // Both settle before anything throws: a start that came up is stopped even if the other did not.
    const starts = await Promise.allSettled([start(), start()]);
    const failed = starts.find((result) => result.status === 'rejected');
    if (failed) {
      for (const result of starts) if (result.status === 'fulfilled') cleanUp(result.value);
      throw failed.reason;
    }
    const [first, second] = starts.map(
      (result) => (result as PromiseFulfilledResult<Started>).value,
    ) as [Started, Started];
    try {
      for (const started of [first, second]) {
        expect(started.livekit, started.output()).not.toBeNull();
        expect(started.output()).toContain(`"livekit":"${started.livekit!.url}"`);
      }
      expect(first.livekit!.port).not.toBe(second.livekit!.port);

      const tokens = await Promise.all([mediaToken(first.port), mediaToken(second.port)]);
      for (const [started, other, media] of [
        [first, second, tokens[0]],
        [second, first, tokens[1]],
      ] as const) {
        expect(media.url).toBe(started.livekit!.url);
        expect(await livekitVerdict(started.livekit!.httpUrl, media.token)).toBe(200);
        // Each LiveKit has keys of its own: the other start's token is not good here.
        expect(await livekitVerdict(other.livekit!.httpUrl, media.token)).toBe(401);
      }

      // LiveKit's webhooks reach ours, signed with the key ours checks: a room created in the
      // first LiveKit (with the key of its config file) is a `room_started` event ours verified.
      const { apiKey, apiSecret } = livekitKeys(first.livekit!.pid);
      await new RoomServiceClient(first.livekit!.httpUrl, apiKey, apiSecret).createRoom({
        name: 'webhook-check',
      });
      const delivered = () =>
        /"livekitEvent":"room_started"[^\n]*"livekit webhook"/.test(first.output());
      expect(await eventually(delivered, 10_000), first.output()).toBe(true);
      expect(second.output()).not.toContain('"livekitEvent"');

      process.kill(-first.pnpm.pid!, 'SIGINT');
      second.pnpm.kill('SIGTERM');
      for (const started of [first, second]) {
        const [code, signal] = await started.exited;
        expect({ code, signal }, started.output()).toEqual({ code: 0, signal: null });
        expect(await eventually(() => livekitGone(started), 15_000)).toBe(true);
        expect(await listening(started.port)).toBe(false);
      }
    } finally {
      cleanUp(first);
      cleanUp(second);
    }
  }, 60_000);

  it('stops ours with exit code 1 when LiveKit dies, and says so', async () => {
    const started = await start();
    try {
      expect(started.livekit, started.output()).not.toBeNull();
      process.kill(started.livekit!.pid, 'SIGKILL');
      const [code] = await started.exited;
      expect(code).toBe(1);
      expect(started.output()).toMatch(/LiveKit dev server \S+ exited unexpectedly \(SIGKILL\)/);
      expect(started.output()).toContain('shutting down');
      expect(await listening(started.port)).toBe(false);
    } finally {
      cleanUp(started);
    }
  }, 60_000);

  it('leaves no LiveKit running when ours is killed outright (SIGKILL runs no exit handler)', async () => {
    const started = await start();
    try {
      expect(started.livekit, started.output()).not.toBeNull();
      process.kill(started.server, 'SIGKILL');
      await started.exited;
      expect(await eventually(() => livekitGone(started), 10_000), started.output()).toBe(true);
    } finally {
      cleanUp(started);
    }
  }, 60_000);

  it('builds the binary with Go the first time, showing progress, then runs it', async () => {
    // A `go` that does what `go install` does, quickly: says it downloads, then puts the
    // binary it was asked for (`server`) into GOBIN.
    const fakeGo = mkdtempSync(join(tmpdir(), 'videoconf-fake-go-'));
    writeFileSync(
      join(fakeGo, 'go'),
      [
        '#!/bin/sh',
        'echo "go: downloading github.com/livekit/livekit-server v1.13.5" >&2',
        `[ "$1 $2" = "install ${LIVEKIT_MODULE}@${LIVEKIT_VERSION}" ] || exit 3`,
        `cp '${binary}' "$GOBIN/server"`,
      ].join('\n'),
      { mode: 0o755 },
    );
    const cache = mkdtempSync(join(tmpdir(), 'videoconf-livekit-cache-'));
    let started: Started | undefined;
    try {
      started = await start({
        PATH: `${fakeGo}${delimiter}${pathWithoutLivekit()}`,
        XDG_CACHE_HOME: cache,
        LIVEKIT_SERVER_BIN: undefined,
      });
      const output = started.output();
      expect(output).toContain(`Building livekit-server ${LIVEKIT_VERSION} with Go`);
      expect(output).toContain('  go: go: downloading github.com/livekit/livekit-server v1.13.5');
      const built = join(cache, 'videoconf', `livekit-server-${LIVEKIT_VERSION}`);
      expect(output).toContain(`Built ${built}`);
      expect(started.livekit, output).not.toBeNull();
      expect(
        execFileSync('ps', ['-o', 'command=', '-p', String(started.livekit!.pid)], {
          encoding: 'utf8',
        }),
      ).toContain(built);
      started.pnpm.kill('SIGTERM');
      expect((await started.exited)[0]).toBe(0);
      expect(await eventually(() => livekitGone(started!), 15_000)).toBe(true);
    } finally {
      if (started) cleanUp(started);
      rmSync(fakeGo, { recursive: true, force: true });
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);

  it('LIVEKIT=off starts without LiveKit', async () => {
    const started = await start({ LIVEKIT: 'off' });
    try {
      expect(started.livekit).toBeNull();
      expect(started.output()).toContain('"livekit":null');
      expect(turnVideoOnLines(started.output())).toEqual([]);
    } finally {
      started.pnpm.kill('SIGTERM');
      await started.exited;
      cleanUp(started);
    }
  }, 60_000);
});

describe.skipIf(process.platform === 'win32')('pnpm start without a LiveKit binary', () => {
  it('starts without media and says in one line how to turn video on', async () => {
    const path = pathWithoutLivekit();
    const cache = mkdtempSync(join(tmpdir(), 'videoconf-no-livekit-'));
    let started: Started | undefined;
    try {
      started = await start({ PATH: path, XDG_CACHE_HOME: cache, LIVEKIT_SERVER_BIN: undefined });
      expect(started.livekit).toBeNull();
      expect(started.output()).toContain('"livekit":null');
      expect(turnVideoOnLines(started.output())).toHaveLength(1);
      expect(turnVideoOnLines(started.output())[0]).toContain('LIVEKIT_SERVER_BIN');
    } finally {
      if (started) {
        started.pnpm.kill('SIGTERM');
        await started.exited;
        cleanUp(started);
      }
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);

  it('LIVEKIT=on makes a missing binary an error', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'videoconf-no-livekit-'));
    try {
      await expect(
        start({
          PATH: pathWithoutLivekit(),
          XDG_CACHE_HOME: cache,
          LIVEKIT: 'on',
          LIVEKIT_SERVER_BIN: undefined,
        }),
      ).rejects.toThrow(/LIVEKIT=on: Video is off/);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  }, 60_000);
});
