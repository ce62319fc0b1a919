// A real LiveKit server for tests: the pinned binary (scripts/livekit.mjs) on free loopback
// ports, with a config file of its own, stopped by `close()`.
//
// Tests that need it call `livekitOrSkip()` in their `describe.skipIf`: without a binary they
// are skipped with a printed reason, unless `VIDEOCONF_REQUIRE_LIVEKIT=1` (CI sets it), which
// turns the missing binary into a failure.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { locateLivekit, NO_LIVEKIT_HELP } from '../../../../scripts/livekit.mjs';

/** A free TCP port on loopback (free now; the caller binds it soon after). */
export async function freeTcpPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A free UDP port on loopback. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/**
 * The binary's path, or null when there is none here (the reason is printed once). With
 * `VIDEOCONF_REQUIRE_LIVEKIT=1` a missing binary throws instead: CI must not skip these tests.
 */
export function livekitBinary(): string | null {
  const found = locateLivekit();
  if (found) return found.path;
  if (process.env.VIDEOCONF_REQUIRE_LIVEKIT === '1') {
    throw new Error(`VIDEOCONF_REQUIRE_LIVEKIT=1 but ${NO_LIVEKIT_HELP}`);
  }
  if (!warned) {
    warned = true;
    console.warn(`Skipping the tests against a real LiveKit server. ${NO_LIVEKIT_HELP}`);
  }
  return null;
}
let warned = false;

export interface LivekitServer {
  /** `ws://127.0.0.1:<port>`: what clients and `livekit-server-sdk` connect to. */
  url: string;
  /** `http://127.0.0.1:<port>`. */
  httpUrl: string;
  apiKey: string;
  apiSecret: string;
  /** The TCP port of its ICE-TCP candidates (`rtc.tcp_port`). */
  tcpPort: number;
  /** Everything the server printed, for a failing test's message. */
  output(): string;
  close(): Promise<void>;
}

export interface StartLivekitOptions {
  /** Where LiveKit posts its webhooks (signed with `apiKey`). */
  webhookUrls?: string[];
  /** LiveKit's log level. Default `warn`. */
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

/** Starts the binary on free ports and waits until it answers. */
export async function startLivekit(
  binary: string,
  options: StartLivekitOptions = {},
): Promise<LivekitServer> {
  const [port, tcpPort, udpPort] = [await freeTcpPort(), await freeTcpPort(), await freeUdpPort()];
  const apiKey = `test${randomBytes(4).toString('hex')}`;
  const apiSecret = randomBytes(32).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'videoconf-livekit-'));
  const config = join(dir, 'livekit.yaml');
  const webhook = options.webhookUrls?.length
    ? `webhook:\n  api_key: ${apiKey}\n  urls:\n${options.webhookUrls.map((u) => `    - ${u}`).join('\n')}\n`
    : '';
  writeFileSync(
    config,
    [
      `port: ${port}`,
      'bind_addresses: ["127.0.0.1"]',
      'rtc:',
      `  tcp_port: ${tcpPort}`,
      `  udp_port: ${udpPort}`,
      '  node_ip: 127.0.0.1',
      '  use_external_ip: false',
      '  enable_loopback_candidate: true',
      'keys:',
      `  ${apiKey}: ${apiSecret}`,
      'logging:',
      `  level: ${options.logLevel ?? 'warn'}`,
      webhook,
    ].join('\n'),
  );
  let output = '';
  const child: ChildProcess = spawn(binary, ['--config', config], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const httpUrl = `http://127.0.0.1:${port}`;
  const server: LivekitServer = {
    url: `ws://127.0.0.1:${port}`,
    httpUrl,
    apiKey,
    apiSecret,
    tcpPort,
    output: () => output,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const killed = await Promise.race([exited.then(() => true), sleep(5_000, false)]);
        if (!killed) {
          child.kill('SIGKILL');
          await exited;
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      await server.close();
      throw new Error(`livekit-server exited with ${child.exitCode}:\n${output}`);
    }
    try {
      const answer = await fetch(httpUrl, { signal: AbortSignal.timeout(1_000) });
      if (answer.ok) return server;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await server.close();
      throw new Error(`livekit-server did not answer within 20 s:\n${output}`);
    }
    await sleep(100);
  }
}
