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
 * Node flags of both servers of the `ws.fanout.*` scenarios: the same young generation for ours
 * and the baseline. V8 sizes a process's semi-spaces by its history and does not shrink them
 * back: the baseline's stay at 4 MiB (it allocates 3.4 MB between scavenges), ours grow to
 * 16 MiB while the fixture creates its users at start (`--trace-gc-nvp`: 16 MB are allocated
 * between scavenges before the server is ready, before any socket connects). A scavenge copies
 * what survives, and ours keeps every chat message (memory storage): 130 KB survive a scavenge
 * at 16 MiB and pause ours 1–2.5 ms, against 34 KB and 0.65–0.75 ms at 4 MiB. With 100
 * receivers the p99 is made of those pauses (the median delivery takes 0.75 ms): quick runs
 * gave 0.84, 0.88, 0.98 and 0.87 with the sizes V8 chose, 0.98 and 0.99 with both at 4 MiB,
 * 0.94 and 0.99 at 8 MiB.
 */
export const FANOUT_NODE_FLAGS = ['--max-semi-space-size=4'];

/**
 * `ws.fanout.<receivers>`: one room with `receivers` members plus a sender on our server
 * (memory storage) and on the bare `ws` baseline, both started once and kept running, both
 * measured in each window with their messages interleaved (`togetherPair`). Value: p99 ms of the
 * delivery to the last receiver.
 *
 * `rate` (messages a second per side) sets how many messages a window holds. The p99 of a
 * window of at most 100 messages is its slowest one, and the ratio of two such maxima is noise
 * (alternating windows of 40 messages gave pairs from 0.52 to 1.93): a window must hold well
 * over 100 messages a side, as a quick one of 3 s does from 34 a second.
 */
export function fanoutScenario(name: string, receivers: number, minRatio: number, rate: number) {
  return {
    name,
    unit: 'ms p99',
    kind: 'latency' as const,
    minRatio,
    async run(ctx: RunContext) {
      const { runPairs } = await import('./stats');
      const count = ctx.smoke ? Math.min(receivers, 50) : receivers;
      const window: FanoutRun = { rate, durationMs: ctx.seconds(3, 6) * 1000 };
      const [ours, baseline] = await Promise.all([
        ctx.spawnServer(
          'servers/ws-ours.ts',
          { BENCH_MEMBERS: String(count + 1) },
          undefined,
          FANOUT_NODE_FLAGS,
        ),
        ctx.spawnServer('servers/ws-baseline.ts', {}, undefined, FANOUT_NODE_FLAGS),
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
        // Warm both up (JIT, buffers, heap sizing) before anything counts: after half a second at
        // 300 a second, the first pair had the highest p99 of both sides in four quick runs of four.
        const oursSide = { name: 'ours', servers: [ours] };
        const baselineSide = { name: 'baseline', servers: [baseline] };
        const warmup: FanoutRun = { rate, durationMs: ctx.seconds(1.5, 2) * 1000 };
        await fanoutSamples(load, [oursSide, baselineSide], warmup);
        // An interleaved window costs one window a pair: a quick run affords five, for a
        // steadier median.
        const pairs = ctx.quick && !ctx.smoke ? Math.max(ctx.pairs, 5) : ctx.pairs;
        const result = await runPairs({ ...ctx, pairs }, 'lower', {
          together: togetherPair(load, oursSide, baselineSide, window),
        });
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
