// The guides' shell commands, pasted in order into bash against a running server, must work
// and print what the guides say they print.
//
// Each guide's ```sh blocks run in one bash session (`set -euo pipefail`, so an undefined
// variable or a failing command stops it), one session per guide, all against one server
// started the way `videoconf serve` starts (`optionsFromEnv` of a user's environment, on a free
// PORT that the guides read as `${PORT:-3000}`). A fake LiveKit stands in for the media server.
// What a block must print comes from the guide itself:
// - a comment `# <output>` after a command (`# 204`, `# "host"`, `# {"status":"ended",…}`):
//   the block's output must contain it, in order, whitespace aside, `…` (and timestamps and
//   UUIDs) matching anything;
// - the first ```json block after a ```sh block (before the next one, in the same section):
//   the block's last JSON output must have the same fields and the same values, except ids,
//   times, tokens and URLs (checked for type only) and where the guide writes `"…": "…"` (more
//   fields allowed).
// A block whose info string says `no-test` (```sh no-test: installs, servers, other setups) is
// not run; every other ```sh block of docs/ must belong to a guide this test runs.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsFromEnv } from '../src/env';
import type { App } from '../src/http/types';
import { createConferenceServer } from '../src/server';
import { type FakeLivekit, LIVEKIT_KEY, LIVEKIT_SECRET, startFakeLivekit } from './support/livekit';

/** The guides, in the order a reader follows them (each continues on the same server). */
const GUIDES = [
  'getting-started.md',
  'rooms.md',
  'invites-and-lobby.md',
  'chat-stats-audit.md',
  'rate-limits.md', // last: it adds a rate-limit rule, with ADMIN_EMAILS as the page says
];

interface ShellBlock {
  /** 1-based line of the opening fence. */
  line: number;
  code: string;
  /** The answer the guide shows for this block (the next ```json block), parsed. */
  shown?: unknown;
}

const read = (guide: string) =>
  readFileSync(new URL(`../../../docs/${guide}`, import.meta.url), 'utf8');

/** The runnable shell blocks of a guide, in order, each with the JSON the guide shows after it. */
function shellBlocks(markdown: string): ShellBlock[] {
  const blocks: ShellBlock[] = [];
  const lines = markdown.split('\n');
  let open: { line: number; info: string[]; body: string[] } | null = null;
  let last: ShellBlock | null = null;
  for (const [index, text] of lines.entries()) {
    const fence = /^\s*```(.*)$/.exec(text);
    if (!open) {
      if (fence) open = { line: index + 1, info: (fence[1] ?? '').trim().split(/\s+/), body: [] };
      else if (text.startsWith('#')) last = null; // a new section: the shown answer is not ours
      continue;
    }
    if (fence?.[1]?.trim() !== '') {
      open.body.push(text);
      continue;
    }
    const [language, ...flags] = open.info;
    const body = open.body.join('\n');
    if (language === 'sh' || language === 'bash') {
      last = flags.includes('no-test') ? null : { line: open.line, code: body };
      if (last) blocks.push(last);
    } else if (language === 'json' && last && last.shown === undefined) {
      last.shown = JSON.parse(body);
      last = null;
    }
    open = null;
  }
  return blocks;
}

/** `# <output>` comments: the text after `#` when it looks like output (status, JSON, literal). */
function expectedOutputs(code: string): string[] {
  const outputs: string[] = [];
  for (const line of code.split('\n')) {
    const comment = /(?:^|\s)#\s(.*)$/.exec(line);
    const text = comment?.[1]?.trim();
    if (text && /^(\d{3}$|[[{"]|true$|false$|null$)/.test(text)) outputs.push(text);
  }
  return outputs;
}

const squeeze = (text: string) => text.replace(/\s+/g, '');

/** Timestamps and UUIDs in a shown output stand for any value. */
const wildcards = (text: string) =>
  text
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '…')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '…');

/** Whether `output` contains every expected text in order, `…` standing for anything. */
function findInOrder(output: string, expected: string[]): string | null {
  let from = 0;
  const haystack = squeeze(output);
  for (const text of expected) {
    for (const piece of squeeze(wildcards(text)).split('…').filter(Boolean)) {
      const at = haystack.indexOf(piece, from);
      if (at < 0) return `expected ${JSON.stringify(text)} (missing ${JSON.stringify(piece)})`;
      from = at + piece.length;
    }
  }
  return null;
}

/** Splits concatenated JSON values (`curl` prints bodies without a newline) and parses them. */
function jsonValues(output: string): unknown[] {
  const values: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < output.length; i += 1) {
    const char = output[i];
    if (inString) {
      if (char === '\\') i += 1;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') {
      if (depth === 0) start = i;
      depth += 1;
    } else if ((char === '}' || char === ']') && depth > 0) {
      depth -= 1;
      if (depth === 0) values.push(JSON.parse(output.slice(start, i + 1)));
    }
  }
  return values;
}

/** Ids, timestamps, tokens and URLs differ from run to run: the guide's value shows the type. */
const VOLATILE = [
  /[0-9a-f]{8}-[0-9a-f]{4}/, // a UUID (also inside `vc-<uuid>` and guest emails)
  /^\d{4}-\d\d-\d\dT/, // an ISO timestamp
  /…/, // shortened by the guide
  /^[A-Za-z0-9_.-]{20,}$/, // a token
  /^(ws|http)s?:\/\//, // a URL of this setup
];

/** Differences between what the guide shows and what the server answered. */
function differences(shown: unknown, actual: unknown, path = '$'): string[] {
  if (typeof shown === 'string' && VOLATILE.some((pattern) => pattern.test(shown))) {
    return typeof actual === 'string' ? [] : [`${path}: expected a string, got ${actual}`];
  }
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual))
      return [`${path}: expected an array, got ${JSON.stringify(actual)}`];
    if (shown.length !== actual.length) return [`${path}: expected ${shown.length} items`];
    return shown.flatMap((item, i) => differences(item, actual[i], `${path}[${i}]`));
  }
  if (shown !== null && typeof shown === 'object') {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      return [`${path}: expected an object, got ${JSON.stringify(actual)}`];
    }
    const open = '…' in shown;
    const keys = Object.keys(shown).filter((key) => key !== '…');
    const missing = keys.filter((key) => !(key in actual)).map((key) => `${path}.${key}: missing`);
    const extra = open
      ? []
      : Object.keys(actual)
          .filter((key) => !(key in shown))
          .map((key) => `${path}.${key}: not shown in the guide`);
    const values = keys
      .filter((key) => key in actual)
      .flatMap((key) =>
        differences(
          (shown as Record<string, unknown>)[key],
          (actual as Record<string, unknown>)[key],
          `${path}.${key}`,
        ),
      );
    return [...missing, ...extra, ...values];
  }
  return Object.is(shown, actual)
    ? []
    : [`${path}: expected ${JSON.stringify(shown)}, got ${JSON.stringify(actual)}`];
}

interface Run {
  /** The exit code, or the signal that ended bash (SIGTERM after the timeout). */
  code: number | string | null;
  outputs: string[];
  stderr: string;
}

const MARK = '@@videoconf-docs-block@@';

/** Runs the blocks in one bash session; `outputs[i]` is what block i printed. */
function runBlocks(blocks: ShellBlock[], env: NodeJS.ProcessEnv): Promise<Run> {
  const script = [
    'set -euo pipefail',
    ...blocks.map((block) => `printf '\\n%s\\n' '${MARK}'\n${block.code}`),
  ].join('\n');
  return new Promise((resolve, reject) => {
    // A command that hangs (a server that stopped answering) must not outlive the test.
    const bash = spawn('bash', ['-c', script], { cwd: tmpdir(), env, timeout: 100_000 });
    let stdout = '';
    let stderr = '';
    bash.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    bash.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    bash.on('error', reject);
    bash.on('close', (code, signal) =>
      resolve({ code: code ?? signal, outputs: stdout.split(`\n${MARK}\n`).slice(1), stderr }),
    );
  });
}

describe('the shell blocks of docs/', () => {
  it('are all run by this test, or marked no-test', () => {
    const pages = readdirSync(new URL('../../../docs/', import.meta.url)).filter((name) =>
      name.endsWith('.md'),
    );
    const untested = pages
      .filter((page) => !GUIDES.includes(page))
      .flatMap((page) => shellBlocks(read(page)).map((block) => `docs/${page}:${block.line}`));
    expect(untested).toEqual([]);
  });
});

describe('the guides, pasted in order', () => {
  let livekit: FakeLivekit;
  let app: App;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    for (const tool of ['curl', 'jq']) {
      const found = await runBlocks([{ line: 0, code: `command -v ${tool}` }], process.env);
      if (found.code !== 0) throw new Error(`the guides use ${tool}: install it to run this test`);
    }
    livekit = await startFakeLivekit();
    // What `videoconf serve` does with a user's environment, on a free port.
    const { options, listen } = optionsFromEnv({
      PORT: '0',
      ADMIN_EMAILS: 'admin@example.com', // as docs/rate-limits.md starts the server
      LIVEKIT_URL: livekit.url,
      LIVEKIT_API_KEY: LIVEKIT_KEY,
      LIVEKIT_API_SECRET: LIVEKIT_SECRET,
    });
    app = createConferenceServer({ ...options, logger: false });
    await app.listen(listen);
    const address = app.server.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    const { BASE: _base, ...inherited } = process.env;
    env = { ...inherited, PORT: String(address.port) };
  });

  afterAll(async () => {
    await app?.close();
    await livekit?.close();
  });

  for (const guide of GUIDES) {
    it(`docs/${guide}: every command works and prints what the guide shows`, {
      timeout: 120_000,
    }, async () => {
      const blocks = shellBlocks(read(guide));
      expect(blocks.length).toBeGreaterThan(0);
      const run = await runBlocks(blocks, env);
      const failures: string[] = [];
      for (const [i, block] of blocks.entries()) {
        const output = run.outputs[i];
        const where = `docs/${guide}:${block.line}`;
        if (output === undefined) break;
        if (i === run.outputs.length - 1 && run.code !== 0) {
          failures.push(`${where}: exited with ${run.code}\n${run.stderr}`);
          break;
        }
        const missing = findInOrder(output, expectedOutputs(block.code));
        if (missing) failures.push(`${where}: ${missing}\n--- printed:\n${output}`);
        if (block.shown !== undefined) {
          const printed = jsonValues(output).at(-1);
          const diff = differences(block.shown, printed);
          if (diff.length > 0) {
            failures.push(`${where}: not the answer the guide shows:\n  ${diff.join('\n  ')}`);
            failures.push(`--- printed:\n${output}`);
          }
        }
      }
      expect(failures.join('\n\n')).toBe('');
      expect(run.code).toBe(0);
      expect(run.outputs).toHaveLength(blocks.length);
    });
  }
});
