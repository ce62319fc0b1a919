import { Histogram, Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { REQUEST_DURATION_BUCKETS, RequestDurations } from '../src/operations/metrics';
import { testServer } from './support/app';

/** Observations on bounds, between them, under the first and over the last, in 4 series. */
const OBSERVATIONS: Array<[method: string, route: string, status: number, seconds: number]> = [
  ['GET', '/health', 200, 0.0004],
  ['GET', '/health', 200, 0.001],
  ['GET', '/health', 200, 0.0011],
  ['POST', '/api/v1/rooms/:id/media/token', 200, 0.0025],
  ['POST', '/api/v1/rooms/:id/media/token', 200, 0.3],
  ['POST', '/api/v1/rooms/:id/media/token', 403, 5],
  ['POST', '/api/v1/rooms/:id/media/token', 403, 7.5],
  ['GET', 'unmatched', 404, 0.02],
  ['GET', '/health', 200, 0.049],
];

describe('videoconf_http_request_duration_seconds', () => {
  let app: ReturnType<typeof testServer> | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it("is exported as prom-client's Histogram exports the same observations", async () => {
    const theirs = new Registry();
    const histogram = new Histogram({
      name: 'videoconf_http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status_code'],
      buckets: [...REQUEST_DURATION_BUCKETS],
      registers: [theirs],
    });
    const ours = new Registry();
    const durations = new RequestDurations();
    ours.registerMetric(durations as never);
    for (const [method, route, status, seconds] of OBSERVATIONS) {
      histogram.observe({ method, route, status_code: String(status) }, seconds);
      durations.observe(method, route, status, seconds);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.getMetricsAsJSON()).toEqual(await theirs.getMetricsAsJSON());

    ours.resetMetrics();
    theirs.resetMetrics();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });

  it('counts every request of the server by route template, method and status', async () => {
    app = testServer();
    await app.inject('/health');
    await app.inject('/health');
    await app.inject('/api/v1/users/me');
    const { body } = await app.inject('/metrics');
    const count = (labels: string) =>
      body.match(
        new RegExp(`^videoconf_http_request_duration_seconds_count\\{${labels}\\} (\\d+)$`, 'm'),
      )?.[1];
    expect(count('method="GET",route="/health",status_code="200"')).toBe('2');
    expect(count('method="GET",route="/api/v1/users/me",status_code="401"')).toBe('1');
    expect(body).toMatch(
      /^videoconf_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/health",status_code="200"\} 2$/m,
    );
  });
});
