/**
 * A latency probe, run as a load child: `GET <url>` one request at a time, one every
 * `--interval` ms, for `--seconds`, over one keep-alive connection; prints one JSON line
 * `{count, errors, p50, p99, max}` (ms, microsecond resolution).
 *
 * `node --import tsx bench/lib/http-probe.ts --url http://127.0.0.1:3000/health --seconds 3`
 */
import { Agent, request } from 'node:http';
import { parseArgs } from 'node:util';
import { summarize } from './stats';

const { values } = parseArgs({
  options: {
    url: { type: 'string' },
    seconds: { type: 'string', default: '3' },
    interval: { type: 'string', default: '10' },
  },
});
if (!values.url) throw new Error('--url is required');
const url = new URL(values.url);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const deadline = Date.now() + Number(values.seconds) * 1000;
const interval = Number(values.interval);

const once = () =>
  new Promise<number>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const req = request(url, { agent, method: 'GET' }, (res) => {
      res.resume();
      res.on('end', () => {
        if ((res.statusCode ?? 0) >= 300) reject(new Error(`status ${res.statusCode}`));
        else resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
    });
    req.on('error', reject);
    req.end();
  });

const latencies: number[] = [];
let errors = 0;
while (Date.now() < deadline) {
  const started = Date.now();
  try {
    latencies.push(await once());
  } catch {
    errors += 1;
  }
  const wait = interval - (Date.now() - started);
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
agent.destroy();
const { p50, p99, max } = summarize(latencies);
process.stdout.write(`${JSON.stringify({ count: latencies.length, errors, p50, p99, max })}\n`);
