/**
 * The load generator of the WebSocket scenarios: many `ws` clients in one process (pinned to the
 * load core by the harness), driven by JSON-line commands on stdin, answering with JSON lines
 * on stdout. The sender and every receiver of a measurement live in this process, so that one
 * clock (`performance.now()`) times both ends.
 *
 * Commands:
 * - `{"cmd":"connect","group":g,"role":"receivers"|"sender","urls":[…],"tokens":[…]}`: opens a
 *   socket per token (round-robin over `urls`), sends the auth frame of docs/realtime.md and
 *   waits for the first frame (`ready`) → `{"connected":g,"count":n,"ms":…}`;
 * - `{"cmd":"run","groups":[g,…],"rate":20,"durationMs":3000,"graceMs":3000,"contentBytes":80}`:
 *   the sender of each group sends `chat.send` frames at `rate` a second for `durationMs`, the
 *   groups taking turns (with two groups, one sends half a period after the other), so that
 *   whatever else the machine does in that time falls on every group alike; for each message
 *   the time until the LAST receiver of its group got it is recorded →
 *   `{"runs":[{"group":g,"sent":…,"lost":…,"p50":…,"p99":…,"max":…,"mean":…,"errors":…},…]}`
 *   (ms; `lost` counts messages that did not reach every receiver within `graceMs` after the
 *   last send);
 * - `{"cmd":"close","group":g}` → `{"closed":g}` (closing handshakes); `{"cmd":"exit"}` drops
 *   every socket and exits.
 * Failures answer `{"error":"…"}`.
 */
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import WebSocket from 'ws';

interface Client {
  ws: WebSocket;
  /** The run and highest message index this socket received (duplicates are ignored). */
  runId: number;
  lastIndex: number;
}

interface Group {
  sender: WebSocket | null;
  receivers: Client[];
  /** Sockets of the group closed by the server, by close code. */
  closes: Record<string, number>;
}

interface Run {
  id: number;
  receivers: number;
  sentAt: Float64Array;
  remaining: Int32Array;
  doneAt: Float64Array;
  /** When the first receiver got each message. */
  firstAt: Float64Array;
  completed: number;
  sent: number;
  onComplete: (() => void) | null;
}

const say = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

const groups = new Map<string, Group>();
/** The runs being measured, by id (the id is in the content of their messages). */
const current = new Map<number, Run>();
let runs = 0;
const MARK = Buffer.from('"content":"bench:');
const COLON = 0x3a;

const group = (name: string): Group => {
  let found = groups.get(name);
  if (!found) {
    found = { sender: null, receivers: [], closes: {} };
    groups.set(name, found);
  }
  return found;
};

/** Reads `bench:<run>:<index>:` out of a frame without parsing the JSON. */
function onFrame(client: Client, data: Buffer): void {
  if (current.size === 0) return;
  const at = data.indexOf(MARK);
  if (at < 0) return;
  let position = at + MARK.length;
  let runId = 0;
  while (data[position] !== COLON) runId = runId * 10 + data[position++]! - 48;
  position += 1;
  let index = 0;
  while (data[position] !== COLON) index = index * 10 + data[position++]! - 48;
  const run = current.get(runId);
  if (!run) return;
  if (client.runId === runId && index <= client.lastIndex) return;
  client.runId = runId;
  client.lastIndex = index;
  if (run.remaining[index] === run.receivers) run.firstAt[index] = performance.now();
  const left = --run.remaining[index]!;
  if (left === 0) {
    run.doneAt[index] = performance.now();
    run.completed += 1;
    if (run.completed === run.sent) run.onComplete?.();
  }
}

/** Opens one socket, authenticates it and resolves at its first frame (`ready`). */
function open(url: string, token: string, into: Group): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let ready = false;
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no ready frame within 15 s from ${url}`));
    }, 15_000);
    ws.once('open', () => ws.send(JSON.stringify({ type: 'auth', token })));
    ws.once('message', (data) => {
      ready = true;
      clearTimeout(timer);
      const text = data.toString();
      if (!text.includes('"type":"ready"')) {
        reject(new Error(`first frame is not ready: ${text.slice(0, 200)}`));
        return;
      }
      resolve(ws);
    });
    ws.on('error', (error) => {
      if (!ready) {
        clearTimeout(timer);
        reject(error);
      }
    });
    ws.on('close', (code) => {
      if (!ready) {
        clearTimeout(timer);
        reject(new Error(`closed ${code} before ready`));
        return;
      }
      into.closes[code] = (into.closes[code] ?? 0) + 1;
    });
  });
}

async function connect(command: {
  group: string;
  role: 'receivers' | 'sender';
  urls: string[];
  tokens: string[];
  concurrency?: number;
}): Promise<object> {
  const target = group(command.group);
  const started = performance.now();
  const { urls, tokens } = command;
  if (command.role === 'sender') {
    target.sender = await open(urls[0]!, tokens[0]!, target);
    return { connected: command.group, count: 1, ms: performance.now() - started };
  }
  let next = 0;
  const worker = async () => {
    while (next < tokens.length) {
      const i = next++;
      const ws = await open(urls[i % urls.length]!, tokens[i]!, target);
      const client: Client = { ws, runId: -1, lastIndex: -1 };
      ws.on('message', (data) => onFrame(client, data as Buffer));
      target.receivers.push(client);
    }
  };
  await Promise.all(Array.from({ length: command.concurrency ?? 50 }, worker));
  return { connected: command.group, count: tokens.length, ms: performance.now() - started };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))]!;
}

interface RunCommand {
  groups: string[];
  rate: number;
  durationMs: number;
  graceMs?: number;
  contentBytes?: number;
}

/** Sends and times the messages of every group of `command`, interleaved. */
async function measure(command: RunCommand): Promise<object> {
  if (!Array.isArray(command.groups) || command.groups.length === 0) {
    throw new Error('run needs groups');
  }
  const total = Math.max(1, Math.round((command.rate * command.durationMs) / 1000));
  const period = 1000 / command.rate;
  const pad = Math.max(0, (command.contentBytes ?? 80) - 24);
  const padding = 'x'.repeat(pad);
  const sides = command.groups.map((name, turn) => {
    const target = groups.get(name);
    const sender = target?.sender;
    if (!target || !sender) throw new Error(`group ${name} has no sender`);
    const run: Run = {
      id: ++runs,
      receivers: target.receivers.length,
      sentAt: new Float64Array(total),
      remaining: new Int32Array(total).fill(target.receivers.length),
      doneAt: new Float64Array(total),
      firstAt: new Float64Array(total),
      completed: 0,
      sent: 0,
      onComplete: null,
    };
    const side = {
      name,
      target,
      sender,
      run,
      offset: (turn * period) / command.groups.length,
      errors: 0,
      firstError: null as string | null,
      onSenderFrame: (data: WebSocket.RawData) => {
        const text = data.toString();
        if (text.startsWith('{"type":"error"')) {
          side.errors += 1;
          side.firstError ??= text.slice(0, 300);
        }
      },
    };
    return side;
  });
  for (const side of sides) {
    current.set(side.run.id, side.run);
    side.sender.on('message', side.onSenderFrame);
  }

  const started = performance.now();
  await Promise.all(
    sides.map(
      ({ run, sender, offset }) =>
        new Promise<void>((resolve) => {
          const tick = () => {
            const i = run.sent;
            run.sentAt[i] = performance.now();
            run.sent += 1;
            sender.send(
              `{"type":"chat.send","clientMessageId":"b-${run.id}-${i}","content":"bench:${run.id}:${i}:${padding}"}`,
            );
            if (run.sent >= total) {
              resolve();
              return;
            }
            setTimeout(tick, Math.max(0, started + offset + run.sent * period - performance.now()));
          };
          setTimeout(tick, offset);
        }),
    ),
  );
  await Promise.all(
    sides.map(({ run }) =>
      run.completed < run.sent
        ? new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, command.graceMs ?? 3000);
            run.onComplete = () => {
              clearTimeout(timer);
              resolve();
            };
          })
        : undefined,
    ),
  );
  for (const side of sides) {
    current.delete(side.run.id);
    side.sender.off('message', side.onSenderFrame);
  }
  return { runs: sides.map(summary) };
}

function summary(side: {
  name: string;
  target: Group;
  run: Run;
  errors: number;
  firstError: string | null;
}): object {
  const { run } = side;
  const latencies: number[] = [];
  const firsts: number[] = [];
  for (let i = 0; i < run.sent; i += 1) {
    if (run.remaining[i] === 0) {
      latencies.push(run.doneAt[i]! - run.sentAt[i]!);
      firsts.push(run.firstAt[i]! - run.sentAt[i]!);
    }
  }
  latencies.sort((a, b) => a - b);
  firsts.sort((a, b) => a - b);
  const mean = latencies.reduce((sum, x) => sum + x, 0) / (latencies.length || 1);
  return {
    group: side.name,
    receivers: run.receivers,
    sent: run.sent,
    lost: run.sent - run.completed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    max: latencies[latencies.length - 1] ?? Number.NaN,
    mean,
    firstP50: percentile(firsts, 50),
    errors: side.errors,
    firstError: side.firstError,
    closes: side.target.closes,
  };
}

async function close(name: string): Promise<object> {
  const target = groups.get(name);
  groups.delete(name);
  if (target) {
    const sockets = [
      ...target.receivers.map((c) => c.ws),
      ...(target.sender ? [target.sender] : []),
    ];
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => {
              ws.terminate();
              resolve();
            }, 2000);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close();
          }),
      ),
    );
  }
  return { closed: name };
}

// Commands run one after the other, in order.
let queue = Promise.resolve();
createInterface({ input: process.stdin }).on('line', (line) => {
  let command: { cmd: string; [key: string]: unknown };
  try {
    command = JSON.parse(line);
  } catch {
    return;
  }
  queue = queue.then(async () => {
    try {
      switch (command.cmd) {
        case 'connect':
          say(await connect(command as never));
          return;
        case 'run':
          say(await measure(command as unknown as RunCommand));
          return;
        case 'close':
          say(await close(command.group as string));
          return;
        case 'exit':
          // No closing handshakes: the servers see the sockets drop, which is all they need.
          for (const target of groups.values()) {
            for (const client of target.receivers) client.ws.terminate();
            target.sender?.terminate();
          }
          say({ exited: true });
          process.exit(0);
          return;
        default:
          say({ error: `unknown command ${command.cmd}` });
      }
    } catch (error) {
      say({ error: (error as Error).message });
    }
  });
});
process.stdin.on('end', () => process.exit(0));
say({ started: true });
