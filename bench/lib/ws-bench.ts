/**
 * Shared parts of the WebSocket scenarios (`ws.fanout.*`, `ws.idle-memory`, `cluster.fanout.100`):
 * talking to the load generator `bench/load/ws-clients.ts` and to the server scripts, and the
 * fan-out measurement (one sender, N receivers, latency to the last receiver).
 */
import type { Json, JsonProcess } from './proc';
import type { Sample } from './stats';
import type { ChildServer, LoadProcess, RunContext } from './types';

/** Sends a command and waits for the line that carries `key` (or an `error`). */
export async function ask(
  proc: JsonProcess,
  command: Json,
  key: string,
  timeoutMs = 120_000,
): Promise<Json> {
  proc.send(command);
  const answer = await proc.next(
    (m) =>
      key in m ||
      (typeof m.error === 'string' && (m.reply === undefined || m.reply === command.cmd)),
    timeoutMs,
  );
  if (typeof answer.error === 'string') {
    throw new Error(`${proc.label}: ${command.cmd} failed: ${answer.error}`);
  }
  return answer;
}

/** The load generator, started and ready for commands. */
export async function startClients(ctx: RunContext): Promise<LoadProcess> {
  const load = ctx.spawnLoad('load/ws-clients.ts');
  await load.next((m) => m.started === true, 30_000);
  return load;
}

/** Stops the load generator (closing its sockets first when it still answers). */
export async function stopClients(load: LoadProcess): Promise<void> {
  load.send({ cmd: 'exit' });
  const timer = setTimeout(() => load.child.kill('SIGKILL'), 10_000);
  await load.exited;
  clearTimeout(timer);
}

/** Memory of a server script after full garbage collections (bytes). */
export interface ServerMemory {
  rss: number;
  /** RSS without the pages of mapped files (see `bench/lib/ws-child.ts`). */
  rssAnon: number;
  heapUsed: number;
  heapTotal: number;
  heapPhysical: number;
  external: number;
}

/** Memory of a server script after full garbage collections (`{"cmd":"memory"}`). */
export async function serverMemory(server: ChildServer): Promise<ServerMemory> {
  const answer = await ask(server, { cmd: 'memory' }, 'rss', 30_000);
  return {
    rss: answer.rss,
    rssAnon: answer.rssAnon ?? answer.rss,
    heapUsed: answer.heapUsed,
    heapTotal: answer.heapTotal,
    heapPhysical: answer.heapPhysical ?? answer.heapTotal,
    external: answer.external,
  };
}

/** `ws://…/ws/rooms/<roomId>` of a server (the baseline accepts any path). */
export const roomUrl = (server: ChildServer, roomId: string) =>
  `${server.wsUrl}/ws/rooms/${roomId}`;

/** One group of sockets in the load generator: a sender and its receivers. */
export interface FanoutGroup {
  name: string;
  /** Where the sender connects. */
  senderUrl: string;
  senderToken: string;
  /** Receivers connect round-robin over these. */
  receiverUrls: string[];
  receiverTokens: string[];
}

/** Opens the group's sockets (receivers first, then the sender). */
export async function connectGroup(load: LoadProcess, group: FanoutGroup): Promise<Json> {
  const receivers = await ask(
    load,
    {
      cmd: 'connect',
      group: group.name,
      role: 'receivers',
      urls: group.receiverUrls,
      tokens: group.receiverTokens,
    },
    'connected',
  );
  await ask(
    load,
    {
      cmd: 'connect',
      group: group.name,
      role: 'sender',
      urls: [group.senderUrl],
      tokens: [group.senderToken],
    },
    'connected',
  );
  return receivers;
}

export interface FanoutRun {
  /** `chat.send` frames a second. */
  rate: number;
  durationMs: number;
  /** How long to wait for stragglers after the last send. */
  graceMs?: number;
  /** Characters of message content. */
  contentBytes?: number;
}

/**
 * One measurement window over `groups` at once, their messages interleaved (the load's `run`):
 * for each group the p99 of the delivery latency to its last receiver is the sample's value
 * (ms), and `lost` counts messages that did not reach every receiver of the group.
 */
export async function fanoutSamples(
  load: LoadProcess,
  groups: { name: string; servers: ChildServer[] }[],
  run: FanoutRun,
): Promise<Sample[]> {
  const cpuBefore = await Promise.all(groups.map((group) => cpuMicros(group.servers)));
  const reply = await ask(
    load,
    {
      cmd: 'run',
      groups: groups.map((group) => group.name),
      graceMs: 3000,
      contentBytes: 80,
      ...run,
    },
    'runs',
    run.durationMs + 60_000,
  );
  const cpuAfter = await Promise.all(groups.map((group) => cpuMicros(group.servers)));
  return (reply.runs as Json[]).map((result, i) => {
    const { name } = groups[i]!;
    if (result.errors > 0) {
      throw new Error(`${name}: the sender got error frames: ${result.firstError}`);
    }
    if (Object.keys(result.closes ?? {}).length > 0) {
      throw new Error(`${name}: sockets were closed: ${JSON.stringify(result.closes)}`);
    }
    return {
      value: result.p99 as number,
      p50: result.p50 as number,
      p99: result.p99 as number,
      lost: result.lost as number,
      details: {
        sent: result.sent,
        receivers: result.receivers,
        mean: result.mean,
        max: result.max,
        // Until the first receiver had it: the server's own delay, before the fan-out.
        firstP50: result.firstP50,
        serverCpuMsPerMessage: (cpuAfter[i]! - cpuBefore[i]!) / 1000 / result.sent,
      },
    };
  });
}

/**
 * A pair of the fan-out scenarios: ours and the baseline measured in one window, their
 * messages interleaved, so that a stall of the machine (seen here: 10–20 ms in which neither
 * server sends anything) delays both alike instead of deciding the p99 of whichever side it
 * happened to fall on.
 */
export const togetherPair =
  (
    load: LoadProcess,
    ours: { name: string; servers: ChildServer[] },
    baseline: { name: string; servers: ChildServer[] },
    window: FanoutRun,
  ) =>
  async (pair: number) => {
    // Alternate which side sends first in a period.
    const order = pair % 2 === 0 ? [ours, baseline] : [baseline, ours];
    const samples = await fanoutSamples(load, order, window);
    const [o, b] = pair % 2 === 0 ? samples : [samples[1]!, samples[0]!];
    return { ours: o!, baseline: b! };
  };

/** CPU time used so far by the servers together (µs). */
async function cpuMicros(servers: ChildServer[]): Promise<number> {
  let total = 0;
  for (const server of servers) total += (await ask(server, { cmd: 'cpu' }, 'cpuMicros')).cpuMicros;
  return total;
}

/** The Sample's own numbers for `details`, small enough for latest.json. */
export const brief = (sample: Sample) => ({
  p50: round(sample.p50),
  p99: round(sample.p99),
  lost: sample.lost ?? 0,
  ...sample.details,
});
export const round = (value: number | null | undefined) =>
  typeof value === 'number' ? Math.round(value * 1000) / 1000 : value;

/**
 * `ws.fanout.<receivers>`: one room with `receivers` members plus a sender on our server
 * (memory storage) and on the bare `ws` baseline, both started once and kept running; the
 * windows alternate between them. Value: p99 ms of the delivery to the last receiver.
 *
 * `rate` (messages a second) sets how many messages a window holds: a p99 means something only
 * over a few hundred of them (of 40, it is the slowest one, and the ratio of two such maxima is
 * noise), while a message must still reach the last receiver before the next one is sent.
 * `together`: both sides in each window, interleaved (`togetherPair`); otherwise a window for
 * each, one after the other. With a thousand receivers on each side the one load process
 * cannot take both at once without its own queue deciding the tail, and a stall of the machine
 * is small next to the fan-out itself: there the windows alternate.
 */
export function fanoutScenario(
  name: string,
  receivers: number,
  minRatio: number,
  rate: number,
  together: boolean,
) {
  return {
    name,
    unit: 'ms p99',
    kind: 'latency' as const,
    minRatio,
    async run(ctx: RunContext) {
      const { runPairs } = await import('./stats');
      const count = ctx.smoke ? Math.min(receivers, 50) : receivers;
      // Interleaved windows hold both sides: as long as two alternating ones.
      const window: FanoutRun = {
        rate,
        durationMs: ctx.seconds(together ? 3 : 2, 6) * 1000,
      };
      const [ours, baseline] = await Promise.all([
        ctx.spawnServer('servers/ws-ours.ts', { BENCH_MEMBERS: String(count + 1) }),
        ctx.spawnServer('servers/ws-baseline.ts'),
      ]);
      const load = await startClients(ctx);
      try {
        const roomId = ours.info.roomId as string;
        const tokens = ours.info.tokens as string[];
        const started = Date.now();
        await connectGroup(load, {
          name: 'ours',
          senderUrl: roomUrl(ours, roomId),
          senderToken: tokens[0]!,
          receiverUrls: [roomUrl(ours, roomId)],
          receiverTokens: tokens.slice(1),
        });
        await connectGroup(load, {
          name: 'baseline',
          senderUrl: roomUrl(baseline, baseline.info.roomId as string),
          senderToken: 'none',
          receiverUrls: [roomUrl(baseline, baseline.info.roomId as string)],
          receiverTokens: tokens.slice(1).map(() => 'none'),
        });
        ctx.log(`${count} receivers + 1 sender on each side in ${Date.now() - started} ms`);
        // Warm both up (JIT, buffers) before anything counts.
        const oursSide = { name: 'ours', servers: [ours] };
        const baselineSide = { name: 'baseline', servers: [baseline] };
        const warmup: FanoutRun = { rate, durationMs: ctx.seconds(0.5, 1) * 1000 };
        await fanoutSamples(load, [oursSide, baselineSide], warmup);
        const alone = (side: typeof oursSide) => async () =>
          (await fanoutSamples(load, [side], window))[0]!;
        // Interleaved windows cost one window a pair: a quick run affords five, for a steadier
        // median (the pairs of one quick run spread from 0.57 to 1.45).
        const pairs = together && ctx.quick && !ctx.smoke ? Math.max(ctx.pairs, 5) : ctx.pairs;
        const result = await runPairs(
          { ...ctx, pairs },
          'lower',
          together
            ? { together: togetherPair(load, oursSide, baselineSide, window) }
            : { ours: alone(oursSide), baseline: alone(baselineSide) },
        );
        const { samples, ...rest } = result;
        return {
          ...rest,
          details: {
            receivers: count,
            rate,
            windowMs: window.durationMs,
            baselineLost: samples.baseline.reduce((sum, s) => sum + (s.lost ?? 0), 0),
            ratios: samples.ratios.map(round),
            ours: samples.ours.map(brief),
            baseline: samples.baseline.map(brief),
          },
        };
      } finally {
        await stopClients(load);
      }
    },
  };
}
