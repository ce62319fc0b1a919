import {
  chromiumBinary,
  launchBrowser,
  type MediaJoinTiming,
  NO_CHROMIUM_HELP,
  openParticipant,
  type Participant,
  type TestBrowser,
  timeMediaJoin,
} from '../../packages/server/test/support/browser';
import {
  freeTcpPort,
  type LivekitServer,
  locateLivekit,
  NO_LIVEKIT_HELP,
  startLivekit,
} from '../../scripts/livekit.mjs';
import { importFromServer } from '../lib/deps';
import { fetchJson } from '../lib/http';
import { median, runPairs, type Sample } from '../lib/stats';
import type { Scenario } from '../lib/types';

/** What the bench uses of livekit-server-sdk (resolved from packages/server). */
interface Sdk {
  AccessToken: new (
    apiKey: string,
    apiSecret: string,
    options: { identity: string; ttl?: string },
  ) => {
    addGrant(grant: Record<string, unknown>): void;
    toJwt(): Promise<string>;
  };
}

/** The LiveKit room of the baseline: not one of ours (our webhook would remove its people). */
const BASELINE_ROOM = 'bench-baseline';

/**
 * The publishers' camera: one 360p layer. With livekit-client's default (720p in three simulcast
 * layers) two publishers encoding on this 2-core machine made first frames wait up to a second
 * more, at random, on either side.
 */
const CAMERA = { width: 640, height: 360, frameRate: 30 };

/** Joins (and media tokens where the join's answer has none) timed from Node after the pairs (what the REST part costs without a browser). */
const REST_PROBES = 3;

/**
 * Media join latency, in real Chromium against a real LiveKit server (the pinned binary, started
 * by scripts/livekit.mjs on free loopback ports, webhooks to ours). In each of two LiveKit rooms a
 * publisher page is already sending Chromium's fake camera; a fresh page (loaded before the clock
 * starts, publishing nothing) joins and the time runs until it decodes the first remote video
 * frame.
 *
 * - ours: from that page, `POST /api/v1/rooms/:id/join` (CORS: the page is on another port), whose
 *   answer carries the media token (a server without that asks `POST /rooms/:id/media/token`),
 *   then LiveKit with that URL and token; a new user each time, so each join is a first one. Our server gets LiveKit's webhooks meanwhile.
 * - baseline: the same page connects straight to the same LiveKit with a token minted by
 *   livekit-server-sdk's `AccessToken` (before the clock starts), in a room that is not ours.
 *
 * ratio = baseline/ours ms (median of the pairs); `details.overheadMs` = ours − baseline.
 */
export const scenario: Scenario = {
  name: 'media.join',
  unit: 'ms',
  kind: 'latency',
  minRatio: null,
  async run(ctx) {
    const livekitBin = locateLivekit()?.path;
    if (!livekitBin) throw new Error(`media.join needs a LiveKit server. ${NO_LIVEKIT_HELP}`);
    const chromium = chromiumBinary();
    if (!chromium) throw new Error(`media.join needs Chromium: ${NO_CHROMIUM_HELP}`);
    const { AccessToken } = await importFromServer<Sdk>('livekit-server-sdk');

    // A warm-up join per side (not counted) except in the smoke run: the first join of a fresh
    // browser pays for its own start-up.
    const warmups = ctx.smoke ? 0 : 1;
    const probes = ctx.smoke ? 0 : REST_PROBES;
    const pairs = ctx.smoke ? ctx.pairs : Math.max(ctx.pairs, ctx.quick ? 7 : 11);
    const port = await freeTcpPort();
    let livekit: LivekitServer | undefined;
    let browser: TestBrowser | undefined;
    const publishers: Participant[] = [];
    try {
      [livekit, browser] = await Promise.all([
        startLivekit(livekitBin, {
          webhookUrls: [`http://127.0.0.1:${port}/api/v1/livekit/webhook`],
        }),
        launchBrowser(chromium),
      ]);
      ctx.log(`LiveKit ${livekit.url} and Chromium started`);
      const lk = livekit;
      const page = browser;
      const ours = await ctx.spawnServer(
        'servers/ours.ts',
        {
          PORT: String(port),
          BENCH_USERS: String(pairs + warmups + probes),
          BENCH_ROOM: '1',
          BENCH_MEMBERS: '0',
          BENCH_LIVEKIT_URL: lk.url,
          BENCH_LIVEKIT_KEY: lk.apiKey,
          BENCH_LIVEKIT_SECRET: lk.apiSecret,
          BENCH_CORS_ORIGINS: new URL(page.pageUrl).origin,
        },
        // Not pinned: LiveKit and Chromium float on both cores; pinned to one of them, ours would
        // wait for that core where LiveKit, on the baseline's path, takes whichever is free.
        null,
      );
      const roomId = ours.info.roomId as string;
      const users = ours.info.users as { id: string; token: string }[];
      const mint = async (identity: string) => {
        const token = new AccessToken(lk.apiKey, lk.apiSecret, { identity, ttl: '10m' });
        token.addGrant({
          roomJoin: true,
          room: BASELINE_ROOM,
          canPublish: true,
          canSubscribe: true,
          canPublishData: true,
        });
        return token.toJwt();
      };

      // The publishers: our host through our API, and one straight into the baseline room.
      const { json: hostMedia } = await fetchJson(
        `${ours.url}/api/v1/rooms/${roomId}/media/token`,
        { method: 'POST', token: ours.info.host.token as string },
      );
      const { url: ourUrl, token: hostToken } = hostMedia as { url: string; token: string };
      const baselineToken = await mint('bench-publisher');
      await Promise.all(
        [
          [ourUrl, hostToken],
          [lk.url, baselineToken],
        ].map(async ([livekitUrl, token]) => {
          const publisher = await openParticipant(page, {
            livekitUrl: livekitUrl!,
            token: token!,
            camera: CAMERA,
          });
          publishers.push(publisher);
          await publisher.waitForEvent(
            (e) => e.type === 'localTrackPublished' && e.kind === 'video',
            { what: 'its camera published' },
          );
        }),
      );

      ctx.log('both publishers are sending their camera');
      let nextUser = 0;
      let nextViewer = 0;
      const sample = async (join: () => Promise<Parameters<typeof timeMediaJoin>[1]>) => {
        const viewer = await timeMediaJoin(page, await join());
        await viewer.close();
        return { value: viewer.timing.firstFrame, details: { ...viewer.timing } } as Sample;
      };
      const side = {
        ours: () =>
          sample(async () => ({
            api: { base: ours.url, roomId, accessToken: users[nextUser++]!.token },
          })),
        baseline: () =>
          sample(async () => ({ url: lk.url, token: await mint(`bench-viewer-${nextViewer++}`) })),
      };
      for (let i = 0; i < warmups; i++) {
        await side.ours();
        await side.baseline();
      }
      const result = await runPairs({ ...ctx, pairs }, 'lower', side);
      // The same REST calls from Node (no browser, no CORS), with the publishers still sending.
      const restFromNode: number[] = [];
      for (let i = 0; i < probes; i++) {
        const token = users[nextUser++]!.token;
        const started = performance.now();
        const post = (path: string) =>
          fetchJson(`${ours.url}/api/v1/rooms/${roomId}/${path}`, {
            method: 'POST',
            token,
            body: {},
          });
        const { json } = await post('join');
        if (!(json as { media?: unknown }).media) await post('media/token');
        restFromNode.push(Math.round((performance.now() - started) * 10) / 10);
      }
      const timings = (samples: Sample[]) =>
        samples.map((s) => s.details as unknown as MediaJoinTiming);
      const steps = (samples: Sample[]) => {
        const all = timings(samples);
        const keys = ['join', 'token', 'connected', 'subscribed', 'firstFrame'] as const;
        return Object.fromEntries(
          keys
            .filter((key) => all.some((t) => typeof t[key] === 'number'))
            .map((key) => [key, median(all.map((t) => t[key] as number))]),
        );
      };
      const overheads = result.samples.ours.map(
        (o, i) => o.value - result.samples.baseline[i]!.value,
      );
      const { samples, ...rest } = result;
      return {
        ...rest,
        p50: result.ours,
        p99: null,
        details: {
          overheadMs: median(overheads),
          pairsOverheadMs: overheads,
          ratios: samples.ratios.map((r) => Math.round(r * 1000) / 1000),
          oursMs: samples.ours.map((s) => s.value),
          baselineMs: samples.baseline.map((s) => s.value),
          oursSteps: steps(samples.ours),
          baselineSteps: steps(samples.baseline),
          restFromNodeMs: restFromNode,
          oursTimings: timings(samples.ours),
          baselineTimings: timings(samples.baseline),
          seenBy: [...timings(samples.ours), ...timings(samples.baseline)].map((t) => t.seenBy),
          livekit: lk.url,
          warmups,
        },
      };
    } finally {
      for (const publisher of publishers) await publisher.close().catch(() => undefined);
      await browser?.close().catch(() => undefined);
      await livekit?.close();
    }
  },
};
