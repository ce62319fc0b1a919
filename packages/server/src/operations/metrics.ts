import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Prometheus metrics of one server; a registry of its own so several can share a process. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
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
    httpDuration: new Histogram({
      name: 'videoconf_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
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
