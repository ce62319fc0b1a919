import { describe, expect, it } from 'vitest';
import { networkScoreOf, type StatsSnapshot, snapshotOf, statsBody } from '../src/conference/stats';

/** An `RTCStatsReport` as the browser gives it: a map of stats by id. */
const report = (...stats: Record<string, unknown>[]) =>
  new Map(stats.map((s) => [s.id as string, s])) as unknown as RTCStatsReport;

const zero: StatsSnapshot = {
  at: 0,
  packetsSent: 0,
  packetsLostUp: 0,
  packetsReceived: 0,
  packetsLostDown: 0,
  bytesSent: 0,
  bytesReceived: 0,
};

describe('stats', () => {
  it('reads the counters of both peer connections, RTT from the selected candidate pair', () => {
    const publisher = report(
      { id: 'T', type: 'transport', selectedCandidatePairId: 'CP1' },
      { id: 'CP1', type: 'candidate-pair', currentRoundTripTime: 0.042 },
      { id: 'CP2', type: 'candidate-pair', currentRoundTripTime: 0.9 },
      { id: 'O1', type: 'outbound-rtp', packetsSent: 900, bytesSent: 100_000 },
      { id: 'O2', type: 'outbound-rtp', packetsSent: 100, bytesSent: 25_000 },
      { id: 'R1', type: 'remote-inbound-rtp', packetsLost: 10 },
    );
    const subscriber = report(
      {
        id: 'I1',
        type: 'inbound-rtp',
        packetsReceived: 480,
        packetsLost: 20,
        bytesReceived: 50_000,
        jitter: 0.004,
      },
      {
        id: 'I2',
        type: 'inbound-rtp',
        packetsReceived: 500,
        packetsLost: 0,
        bytesReceived: 0,
        jitter: 0.002,
      },
    );
    expect(snapshotOf([publisher, subscriber], 5)).toEqual({
      at: 5,
      rttMs: 42,
      jitterMs: 3,
      packetsSent: 1000,
      packetsLostUp: 10,
      packetsReceived: 980,
      packetsLostDown: 20,
      bytesSent: 125_000,
      bytesReceived: 50_000,
    });
  });

  it('turns an interval into the body of POST /rooms/:id/stats', () => {
    const samples: StatsSnapshot[] = [
      {
        ...zero,
        at: 5_000,
        rttMs: 40,
        jitterMs: 2,
        packetsSent: 495,
        packetsLostUp: 5,
        bytesSent: 500_000,
      },
      {
        at: 10_000,
        rttMs: 60,
        jitterMs: 4,
        packetsSent: 990,
        packetsLostUp: 10,
        packetsReceived: 950,
        packetsLostDown: 50,
        bytesSent: 1_000_000,
        bytesReceived: 250_000,
      },
    ];
    expect(statsBody(zero, samples, 4)).toEqual({
      avgRttMs: 50,
      maxRttMs: 60,
      avgJitterMs: 3,
      packetLossUpPercent: 1,
      packetLossDownPercent: 5,
      // 1.25 MB in 10 s
      avgBitrateKbps: 1000,
      networkScore: 4,
    });
  });

  it('counts counters that went back (a new peer connection) as nothing, and an idle interval as zeros', () => {
    const start = { ...zero, packetsSent: 5_000, bytesSent: 9_000_000 };
    expect(statsBody(start, [{ ...zero, at: 10_000 }], 0)).toEqual({
      avgRttMs: 0,
      maxRttMs: 0,
      avgJitterMs: 0,
      packetLossUpPercent: 0,
      packetLossDownPercent: 0,
      avgBitrateKbps: 0,
      networkScore: 0,
    });
  });

  it('scores LiveKit connection quality 0 to 5, and unknown as no score', () => {
    expect(['excellent', 'good', 'poor', 'lost', 'unknown'].map(networkScoreOf)).toEqual([
      5,
      4,
      2,
      0,
      null,
    ]);
  });
});
