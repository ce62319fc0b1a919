// A real LiveKit server for tests: the pinned binary (scripts/livekit.mjs) on free loopback
// ports, with a config file of its own, stopped by `close()`. The config and the process are
// scripts/livekit.mjs's `startLivekit()`, the one `pnpm start` runs too.
//
// Tests that need it call `livekitBinary()` in their `describe.skipIf`: without a binary they
// are skipped with a printed reason, unless `VIDEOCONF_REQUIRE_LIVEKIT=1` (CI sets it), which
// turns the missing binary into a failure.
import {
  freeTcpPort,
  freeUdpPort,
  type LivekitServer,
  locateLivekit,
  NO_LIVEKIT_HELP,
  type StartLivekitOptions,
  startLivekit,
} from '../../../../scripts/livekit.mjs';

import type { App } from '../../src/http/types';
import type { ConferenceServerOptions } from '../../src/options';
import { testServer } from './app';

export { freeTcpPort, freeUdpPort, type LivekitServer, type StartLivekitOptions, startLivekit };

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

/**
 * LiveKit's own verdict on a token: the status of `GET /rtc/validate` (200 or 401), which checks
 * a token exactly as a client's signalling connection does before it joins.
 */
export async function livekitVerdict(httpUrl: string, token: string): Promise<number> {
  const url = new URL('/rtc/validate', httpUrl);
  url.searchParams.set('access_token', token);
  const answer = await fetch(url);
  await answer.arrayBuffer();
  return answer.status;
}

/** Our server's `livekit` options for a running LiveKit server. */
export const livekitOptionsOf = ({ url, apiKey, apiSecret }: LivekitServer) => ({
  url,
  apiKey,
  apiSecret,
});

/** A LiveKit server whose webhooks go to `port` on this machine, where ours is to listen. */
export interface LivekitForPort {
  livekit: LivekitServer;
  port: number;
}

/**
 * Starts LiveKit with its webhooks pointed at a free port, before our server exists (so a test
 * may start it beside a browser, then make our server with options that need the browser).
 */
export async function startLivekitForPort(binary: string): Promise<LivekitForPort> {
  const port = await freeTcpPort();
  const livekit = await startLivekit(binary, {
    webhookUrls: [`http://127.0.0.1:${port}/api/v1/livekit/webhook`],
  });
  return { livekit, port };
}

/** Our test server wired to that LiveKit, listening on its webhooks' port; `http`: its base URL. */
export async function listenWithLivekit(
  { livekit, port }: LivekitForPort,
  options: ConferenceServerOptions = {},
): Promise<{ app: App; http: string }> {
  const app = testServer({ livekit: livekitOptionsOf(livekit), ...options });
  await app.listen({ port, host: '127.0.0.1' });
  return { app, http: `http://127.0.0.1:${port}` };
}
