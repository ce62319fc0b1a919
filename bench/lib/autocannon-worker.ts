/**
 * A long-lived autocannon load generator (a load child, pinned like the others): it runs
 * autocannon (the library the CLI wraps, same engine, in this one process) on every
 * `{"cmd":"run","id":N,"options":{...}}` line of stdin and prints
 * `{"reply":"run","id":N,"result":{...}}` with the result the CLI prints under `--json`.
 * One process per scenario instead of one per run: starting the autocannon CLI takes about
 * 1.5 s on the bench machine, which would eat a third of the quick budget.
 */
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';

const emit = (message: object) => process.stdout.write(`${JSON.stringify(message)}\n`);

const lines = createInterface({ input: process.stdin });
lines.on('line', async (line) => {
  let message: { cmd?: string; id?: number; options?: autocannon.Options };
  try {
    message = JSON.parse(line);
  } catch {
    return;
  }
  if (message.cmd !== 'run') return;
  try {
    if (!message.options) throw new Error('run needs options');
    const result = await autocannon(message.options);
    // The histograms are not JSON; the summaries next to them are.
    const {
      histogram: _h,
      latency,
      requests,
      throughput,
      ...rest
    } = result as autocannon.Result & {
      histogram?: unknown;
    };
    emit({ reply: 'run', id: message.id, result: { ...rest, latency, requests, throughput } });
  } catch (error) {
    emit({ reply: 'run', id: message.id, error: String((error as Error)?.stack ?? error) });
  }
});
lines.on('close', () => process.exit(0));
emit({ ready: true });
