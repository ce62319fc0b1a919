import type { StatsReportBody } from '@videoconf/protocol';

/** The cumulative counters of the peer connections at one moment, read from `getStats()`. */
export interface StatsSnapshot {
  /** `performance.now()`-like milliseconds. */
  at: number;
  /** Round-trip time to the media server (the selected ICE candidate pair), if known. */
  rttMs?: number;
  /** Mean receive jitter over the inbound streams, if any. */
  jitterMs?: number;
  packetsSent: number;
  /** Packets of ours the media server reported lost (`remote-inbound-rtp`). */
  packetsLostUp: number;
  packetsReceived: number;
  packetsLostDown: number;
  bytesSent: number;
  bytesReceived: number;
}

type Stat = Record<string, unknown> & { type: string; id: string };
const num = (value: unknown): number =>
  typeof value === 'number' && Number.isFinite(value) ? value : 0;

/**
 * Reads one snapshot from the `RTCStatsReport`s of the peer connections (LiveKit has one for
 * publishing and one for subscribing). RTT is the largest `currentRoundTripTime` of the
 * connections' selected candidate pairs.
 */
export function snapshotOf(reports: Iterable<RTCStatsReport>, at: number): StatsSnapshot {
  const snapshot: StatsSnapshot = {
    at,
    packetsSent: 0,
    packetsLostUp: 0,
    packetsReceived: 0,
    packetsLostDown: 0,
    bytesSent: 0,
    bytesReceived: 0,
  };
  const jitters: number[] = [];
  for (const report of reports) {
    const stats = [...(report.values() as Iterable<Stat>)];
    const selected = new Set(
      stats.filter((s) => s.type === 'transport').map((s) => s.selectedCandidatePairId),
    );
    for (const stat of stats) {
      switch (stat.type) {
        case 'outbound-rtp':
          snapshot.packetsSent += num(stat.packetsSent);
          snapshot.bytesSent += num(stat.bytesSent);
          break;
        case 'remote-inbound-rtp':
          snapshot.packetsLostUp += Math.max(0, num(stat.packetsLost));
          break;
        case 'inbound-rtp':
          snapshot.packetsReceived += num(stat.packetsReceived);
          snapshot.packetsLostDown += Math.max(0, num(stat.packetsLost));
          snapshot.bytesReceived += num(stat.bytesReceived);
          if (typeof stat.jitter === 'number') jitters.push(stat.jitter * 1000);
          break;
        case 'candidate-pair': {
          const inUse = selected.size
            ? selected.has(stat.id)
            : stat.nominated === true && stat.state === 'succeeded';
          if (inUse && typeof stat.currentRoundTripTime === 'number') {
            snapshot.rttMs = Math.max(snapshot.rttMs ?? 0, stat.currentRoundTripTime * 1000);
          }
          break;
        }
      }
    }
  }
  if (jitters.length) snapshot.jitterMs = jitters.reduce((a, b) => a + b, 0) / jitters.length;
  return snapshot;
}

/** LiveKit's connection quality as our `networkScore` (0 lost … 5 excellent); unknown: null. */
export function networkScoreOf(quality: string): number | null {
  switch (quality) {
    case 'excellent':
      return 5;
    case 'good':
      return 4;
    case 'poor':
      return 2;
    case 'lost':
      return 0;
    default:
      return null;
  }
}

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;
const clamp = (value: number, max: number) => Math.min(max, Math.max(0, value));
const mean = (values: number[]) =>
  values.length ? values.reduce((a, b) => a + b, 0) / values.length : 0;

/**
 * The `/rooms/:id/stats` body of one interval: `start` is the snapshot that opened it, `samples`
 * those taken during it (oldest first, the last one closes it). Counters that went back (a peer
 * connection replaced after a reconnection) count as zero for that interval.
 */
export function statsBody(
  start: StatsSnapshot,
  samples: StatsSnapshot[],
  networkScore: number,
): StatsReportBody {
  const end = samples.at(-1) ?? start;
  const delta = (key: keyof Omit<StatsSnapshot, 'at' | 'rttMs' | 'jitterMs'>) =>
    Math.max(0, end[key] - start[key]);
  const rtts = samples.flatMap((s) => (s.rttMs === undefined ? [] : [s.rttMs]));
  const jitters = samples.flatMap((s) => (s.jitterMs === undefined ? [] : [s.jitterMs]));
  const sent = delta('packetsSent');
  const lostUp = delta('packetsLostUp');
  const received = delta('packetsReceived');
  const lostDown = delta('packetsLostDown');
  const ms = end.at - start.at;
  const bits = (delta('bytesSent') + delta('bytesReceived')) * 8;
  return {
    avgRttMs: round(mean(rtts)),
    maxRttMs: round(Math.max(0, ...rtts)),
    avgJitterMs: round(mean(jitters)),
    packetLossUpPercent: round(sent + lostUp ? clamp((lostUp / (sent + lostUp)) * 100, 100) : 0, 2),
    packetLossDownPercent: round(
      received + lostDown ? clamp((lostDown / (received + lostDown)) * 100, 100) : 0,
      2,
    ),
    // bits per millisecond are kilobits per second.
    avgBitrateKbps: round(ms > 0 ? bits / ms : 0),
    networkScore: clamp(networkScore, 5),
  };
}

export interface StatsSamplerOptions {
  /** The peer connections' reports, now. */
  collect: () => Promise<RTCStatsReport[]>;
  /** The current `networkScore`, or null while LiveKit has not scored the connection yet. */
  networkScore: () => number | null;
  /** Called with each interval's body. */
  report: (body: StatsReportBody) => unknown;
  /** A failed `collect` or `report` (the sampler keeps going). */
  onError?: (error: unknown) => void;
  /** How often `report` is called (default 10 s). */
  intervalMs?: number;
  /** How often the connections are sampled within an interval (default every 2 s). */
  sampleMs?: number;
  now?: () => number;
}

/**
 * Samples the peer connections every `sampleMs` and hands one body per `intervalMs` to `report`.
 * An interval with no score from LiveKit yet is not reported (it would be a made-up number).
 */
export class StatsSampler {
  private timer: ReturnType<typeof setInterval> | undefined;
  private opening: StatsSnapshot | undefined;
  private samples: StatsSnapshot[] = [];
  private busy = false;
  private readonly intervalMs: number;
  private readonly sampleMs: number;
  private readonly now: () => number;

  constructor(private readonly options: StatsSamplerOptions) {
    this.intervalMs = options.intervalMs ?? 10_000;
    this.sampleMs = Math.min(options.sampleMs ?? 2_000, this.intervalMs);
    this.now = options.now ?? (() => performance.now());
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts sampling (a new interval begins now). */
  start(): void {
    if (this.timer) return;
    this.opening = undefined;
    this.samples = [];
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.sampleMs);
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const snapshot = snapshotOf(await this.options.collect(), this.now());
      if (!this.timer && this.opening) return;
      if (!this.opening) {
        this.opening = snapshot;
        return;
      }
      this.samples.push(snapshot);
      if (snapshot.at - this.opening.at < this.intervalMs - this.sampleMs / 2) return;
      const score = this.options.networkScore();
      const body = score === null ? null : statsBody(this.opening, this.samples, score);
      this.opening = snapshot;
      this.samples = [];
      if (body) await this.options.report(body);
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.busy = false;
    }
  }
}
