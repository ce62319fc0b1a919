import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from 'prom-client';

/** Prometheus metrics of one server; a registry of its own so several can share a process. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: RequestDurations;
  /** Open WebSocket connections. */
  readonly wsConnections: Gauge;
  /** Room events delivered to sockets. */
  readonly eventsFannedOut: Counter;
  /** WebSocket connections the server closed, by close code (4000: slow consumers). */
  readonly wsClosedByServer: Counter<'code'>;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'videoconf_' });
  return {
    registry,
    httpDuration: registerMetric(registry, new RequestDurations()),
    wsConnections: new Gauge({
      name: 'videoconf_ws_connections',
      help: 'Open WebSocket connections',
      registers: [registry],
    }),
    eventsFannedOut: new Counter({
      name: 'videoconf_events_fanned_out_total',
      help: 'Room events delivered to WebSocket connections',
      registers: [registry],
    }),
    wsClosedByServer: new Counter({
      name: 'videoconf_ws_closed_by_server_total',
      help: 'WebSocket connections closed by the server, by close code (4000: too slow)',
      labelNames: ['code'],
      registers: [registry],
    }),
  };
}

/** The buckets of `videoconf_http_request_duration_seconds`, in seconds. */
export const REQUEST_DURATION_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
] as const;

type DurationLabels = { method: string; route: string; status_code: string };

/** What prom-client's registry reads of a metric's `get()` (its own types say less). */
interface MetricSnapshot {
  name: string;
  help: string;
  type: 'histogram';
  aggregator: 'sum';
  values: Array<{
    labels: Record<string, string | number>;
    value: number;
    metricName: string;
    exemplar?: null;
  }>;
}

interface DurationSeries {
  labels: DurationLabels;
  /** Observations per bucket, not cumulative; the last slot counts those over every bound. */
  counts: number[];
  sum: number;
  count: number;
}

/**
 * `videoconf_http_request_duration_seconds{method,route,status_code}`, the histogram of every
 * HTTP request, counted here and read by prom-client's registry like any of its metrics: the
 * same name, help, buckets and exposition as a prom-client `Histogram` (a test compares the
 * text). `Histogram.observe()` checks the label names and builds a string of the label set
 * on every call; on the hot path of every request that was an eighth of the CPU time of
 * `POST /media/token` (bench `http.media-token`, docs/benchmarks.md). Here an observation is
 * one lookup by route and status and three additions.
 */
export class RequestDurations {
  readonly name = 'videoconf_http_request_duration_seconds';
  readonly help = 'HTTP request latency by route and status';
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  readonly #series = new Map<string, DurationSeries>();

  observe(method: string, route: string, statusCode: number, seconds: number): void {
    const key = `${statusCode} ${method} ${route}`;
    let series = this.#series.get(key);
    if (!series) {
      series = {
        labels: { method, route, status_code: String(statusCode) },
        counts: new Array<number>(REQUEST_DURATION_BUCKETS.length + 1).fill(0),
        sum: 0,
        count: 0,
      };
      this.#series.set(key, series);
    }
    let bucket = 0;
    while (bucket < REQUEST_DURATION_BUCKETS.length && seconds > REQUEST_DURATION_BUCKETS[bucket]!)
      bucket++;
    series.counts[bucket]! += 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** The metric as prom-client's `Histogram.get()` gives it. */
  async get(): Promise<MetricSnapshot> {
    const values: MetricSnapshot['values'] = [];
    const bucketName = `${this.name}_bucket`;
    for (const { labels, counts, sum, count } of this.#series.values()) {
      let cumulative = 0;
      REQUEST_DURATION_BUCKETS.forEach((le, i) => {
        cumulative += counts[i]!;
        values.push({
          labels: { le, ...labels },
          value: cumulative,
          metricName: bucketName,
          exemplar: null,
        });
      });
      values.push(
        { labels: { le: '+Inf', ...labels }, value: count, metricName: bucketName, exemplar: null },
        { labels: { ...labels }, value: sum, metricName: `${this.name}_sum` },
        { labels: { ...labels }, value: count, metricName: `${this.name}_count` },
      );
    }
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      values,
      aggregator: this.aggregator,
    };
  }

  reset(): void {
    this.#series.clear();
  }
}

/** Registers a metric object that is not one of prom-client's classes (it needs only `get`). */
function registerMetric<T extends { name: string }>(registry: Registry, metric: T): T {
  registry.registerMetric(metric as unknown as Metric);
  return metric;
}
