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
