/**
 * A latency probe, run as a long-lived load child: on each `{"cmd":"probe","id":N,"url":…,
 * "seconds":S,"interval":I}` line of stdin it sends `GET <url>` one request at a time, one every
 * `interval` ms (default 10), for `seconds`, over one keep-alive connection, and prints
 * `{"reply":"probe","id":N,"count","errors","p50","p99","max"}` (ms, microsecond resolution).
 */
import { Agent, request } from 'node:http';
import { createInterface } from 'node:readline';
import { summarize } from './stats';

const emit = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

const once = (url: URL, agent: Agent) =>
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

async function probe(url: URL, seconds: number, interval: number) {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const deadline = Date.now() + seconds * 1000;
  const latencies: number[] = [];
  let errors = 0;
  while (Date.now() < deadline) {
    const started = Date.now();
    try {
      latencies.push(await once(url, agent));
    } catch {
      errors += 1;
    }
    const wait = interval - (Date.now() - started);
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  agent.destroy();
  return { count: latencies.length, errors, ...summarize(latencies) };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  let message: { cmd?: string; id?: number; url?: string; seconds?: number; interval?: number };
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.cmd !== 'probe' || !message.url) return;
  const result = await probe(new URL(message.url), message.seconds ?? 3, message.interval ?? 10);
  emit({ reply: 'probe', id: message.id, ...result });
});
lines.on('close', () => process.exit(0));
emit({ ready: true });
