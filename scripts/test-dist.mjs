// `pnpm test:dist`: tests what users install (test/dist/README.md). Packs every package,
// installs the tarballs with npm into scratch apps outside the workspace, type-checks strict
// consumers, then runs the black-box suite of test/dist against `pnpm start` and a consumer
// app of its own (ESM and CJS), each on memory and on a fresh PostgreSQL database, and the client
// SDK as installed (ESM and CJS, with `ws`) against each of them. The web components as installed:
// their types, CommonJS resolution, and in Chromium the embed script served by the installed
// `videoconf serve` to a page of another origin (target `browser:embed`).
//
//   node scripts/test-dist.mjs [--only <substring of a target label>] [--keep]
//
// Environment: TEST_PG_ADMIN_URL (default postgres://postgres@127.0.0.1:5432/postgres),
// DIST_CONCURRENCY (targets at once, default 4).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkServerBundles } from '../test/dist/harness/bundles.mjs';
import { checkEmbedInBrowser, chromiumPath } from '../test/dist/harness/embed-browser.mjs';

const { values: args } = parseArgs({
  options: { only: { type: 'string' }, keep: { type: 'boolean' } },
});
const root = fileURLToPath(new URL('..', import.meta.url));
const consumer = join(root, 'test/dist/harness/consumer');
const packages = ['protocol', 'server', 'client-sdk', 'web-components'].map((name) =>
  join(root, 'packages', name),
);
const serverDir = join(root, 'packages/server');
const pg = createRequire(join(serverDir, 'package.json'))('pg');
const adminUrl = process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const concurrency = Number(process.env.DIST_CONCURRENCY ?? 4);
const began = performance.now();
const seconds = (since) => `${((performance.now() - since) / 1000).toFixed(1)}s`;
const failures = [];
/** One line per target, printed again at the end. */
const summary = [];

/** Settings of every target (test/dist/README.md). */
const SETTINGS = {
  ADMIN_EMAILS: 'admin@e2e.test',
  JWT_SECRET: 'e2e-only-secret-0123456789abcdef0123456789',
};

function step(title) {
  console.log(`\n=== ${title} (${seconds(began)})`);
}

/** Runs a command to completion; throws with its output when it fails. */
function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', ...options });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${commandArgs.join(' ')} failed (${result.status ?? result.signal}):\n${result.stdout}${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Like `run`, without blocking the event loop (so installs run side by side). */
function runAsync(command, commandArgs, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, commandArgs, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${commandArgs.join(' ')} failed (${code}):\n${output}`)),
    );
  });
}

const newest = (path) => {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), 0);
};
const oldest = (dir) =>
  Math.min(...readdirSync(dir).map((name) => statSync(join(dir, name)).mtimeMs));

/**
 * Builds unless every file of every dist/ is newer than every source, package.json and tsup
 * config: stricter than `pnpm start`, which looks at its own entry points only, because this tier
 * packs all of dist/.
 */
function ensureBuilt() {
  let stale;
  try {
    const sources = Math.max(
      ...packages.flatMap((dir) => [join(dir, 'src'), join(dir, 'package.json')].map(newest)),
      ...packages.map((dir) => newest(join(dir, 'tsup.config.ts'))),
    );
    stale = Math.min(...packages.map((dir) => oldest(join(dir, 'dist')))) < sources;
  } catch {
    stale = true;
  }
  if (!stale) return console.log('dist is up to date');
  console.log('dist is missing or older than the sources: pnpm build');
  run('pnpm', ['build'], { cwd: root, stdio: 'inherit' });
}

/** Packs every package with pnpm (as publishing would) and checks what the tarballs hold. */
function pack(dir) {
  for (const pkg of packages) run('pnpm', ['pack', '--pack-destination', dir], { cwd: pkg });
  const tarballs = {};
  for (const file of readdirSync(dir)) {
    const path = join(dir, file);
    const manifest = JSON.parse(run('tar', ['xzf', path, '-O', 'package/package.json']));
    const files = run('tar', ['tzf', path]).split('\n');
    const problems = [];
    for (const required of ['package/LICENSE', 'package/README.md']) {
      if (!files.includes(required)) problems.push(`no ${required.slice(8)}`);
    }
    if (files.some((name) => name.startsWith('package/src/'))) problems.push('ships src/');
    const exported = JSON.stringify(manifest.exports ?? {});
    if (exported.includes('"source"') || exported.includes('/src/')) {
      problems.push('exports name the sources (`source` condition)');
    }
    if (JSON.stringify(manifest).includes('workspace:')) problems.push('a workspace: range');
    if (manifest.license !== 'MIT') problems.push(`license ${manifest.license}`);
    if (manifest.name === '@videoconf/web-components') {
      // The embed script and the custom elements manifest (docs/embed.md, docs/web-components.md).
      for (const required of ['package/dist/videoconf.js', 'package/custom-elements.json']) {
        if (!files.includes(required)) problems.push(`no ${required.slice(8)}`);
      }
      if (manifest.customElements !== 'custom-elements.json') {
        problems.push('package.json names no customElements manifest');
      }
    }
    if (manifest.name === '@videoconf/server') {
      if (manifest.dependencies?.fastify) problems.push('fastify is a dependency, not a peer');
      if (!manifest.peerDependencies?.fastify) problems.push('fastify is no peer dependency');
    }
    if (problems.length > 0) failures.push(`${file}: ${problems.join('; ')}`);
    tarballs[manifest.name] = path;
  }
  return tarballs;
}

/** A scratch npm project outside the workspace with the tarballs and `extra` installed. */
async function scratchApp(dir, tarballs, extra) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'videoconf-dist-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  await runAsync(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      ...Object.values(tarballs),
      ...extra,
    ],
    { cwd: dir },
  );
}

/** Type-checks `files` of `dir` as one strict NodeNext program, without skipLibCheck. */
function typecheck(dir, name, files) {
  const config = `tsconfig.${name}.json`;
  writeFileSync(
    join(dir, config),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ['node'],
      },
      files,
    }),
  );
  return runAsync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', config], {
    cwd: dir,
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function withAdmin(sql) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function databaseUrl(name) {
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.href;
}

/** The environment of a target: ours, and none of the caller's videoconf settings. */
function targetEnv(extra) {
  const env = { ...process.env };
  for (const name of Object.keys(env)) {
    if (
      /^(DATABASE_URL|REDIS_URL|LIVEKIT_|CORS_ORIGINS|RATE_LIMIT|TRUST_PROXY|NODE_ENV|PORT|HOST|VIDEOCONF_|npm_)/.test(
        name,
      )
    ) {
      delete env[name];
    }
  }
  // The Node.js that runs this script runs the targets too (`node` of `pnpm start`, Vitest).
  const path = `${dirname(process.execPath)}${delimiter}${env.PATH ?? ''}`;
  return { ...env, PATH: path, ...SETTINGS, HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...extra };
}

async function waitForHealth(base, child, deadline) {
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`exited before answering /health (${child.exitCode ?? child.signalCode})`);
    }
    try {
      const response = await fetch(`${base}/health`);
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  throw new Error('no 200 from /health within 60 s');
}

const exited = (child) =>
  child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', resolve));

async function isListening(port) {
  try {
    await fetch(`http://127.0.0.1:${port}/`);
    return true;
  } catch {
    return false;
  }
}

/** Starts one target, runs the suite against it, stops it; returns its summary line. */
async function runTarget(target, appDir, logDir) {
  const since = performance.now();
  const port = await freePort();
  const log = join(logDir, `${target.label.replace(':', '-')}.log`);
  const out = createWriteStream(log);
  const problems = [];
  let database;
  let child;
  try {
    // The contract suite checks a server without a media server (503 MEDIA_UNAVAILABLE):
    // `pnpm start` must not run its LiveKit dev server here.
    const env = { PORT: String(port), LIVEKIT: 'off' };
    if (target.storage === 'postgres') {
      database = `videoconf_dist_${randomBytes(6).toString('hex')}`;
      await withAdmin(`CREATE DATABASE "${database}"`);
      env.DATABASE_URL = databaseUrl(database);
    }
    const [command, commandArgs, cwd] =
      target.kind === 'start'
        ? ['pnpm', ['start'], root]
        : [process.execPath, [target.app], appDir];
    child = spawn(command, commandArgs, {
      cwd,
      env: targetEnv(env),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    const base = `http://127.0.0.1:${port}${target.prefix}`;
    await waitForHealth(base, child, Date.now() + 60_000);

    // The client SDK as installed, from ESM and from CJS (sdk-flow.mjs), against this target.
    const sdkChecks = [];
    for (const consumerFile of ['sdk.mjs', 'sdk.cjs']) {
      try {
        await runAsync(process.execPath, [consumerFile, base], { cwd: appDir, env: targetEnv({}) });
        sdkChecks.push(consumerFile);
      } catch (error) {
        problems.push(`client SDK (${consumerFile}): ${error.message}`);
      }
    }
    target.sdk = `sdk ${sdkChecks.length}/2`;

    const suite = spawn(
      join(root, 'node_modules/.bin/vitest'),
      ['run', '--config', 'test/dist/vitest.config.ts'],
      {
        cwd: root,
        env: {
          ...targetEnv({}),
          VIDEOCONF_BASE_URL: base,
          VIDEOCONF_TARGET: target.label,
          VIDEOCONF_STORAGE: target.storage,
          ...(env.DATABASE_URL && { VIDEOCONF_DATABASE_URL: env.DATABASE_URL }),
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let report = '';
    suite.stdout.on('data', (chunk) => (report += chunk));
    suite.stderr.on('data', (chunk) => (report += chunk));
    const code = await new Promise((resolve) => suite.on('close', resolve));
    out.write(`\n--- suite (exit ${code})\n${report}`);
    if (code !== 0) problems.push(`suite failed (exit ${code})`);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: colours of the report
    const tally = /^\s*Tests\s+(.*)$/m.exec(report.replace(/\x1b\[[0-9;]*m/g, ''))?.[1]?.trim();
    target.tally = tally ?? 'no tests ran';
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  } finally {
    if (child) {
      // Ctrl-C, as a user stops it: SIGINT to the whole process group.
      if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGINT');
      const stopped = await Promise.race([exited(child).then(() => true), sleep(15_000)]);
      if (!stopped) {
        problems.push('did not exit within 15 s of SIGINT');
        process.kill(-child.pid, 'SIGKILL');
        await exited(child);
      } else if (child.exitCode !== 0) {
        const how = child.exitCode ?? `killed by ${child.signalCode}`;
        problems.push(`Ctrl-C (SIGINT to its process group) must exit 0, it exited: ${how}`);
      }
      if (await isListening(port)) {
        problems.push(`port ${port} still answers after the target exited`);
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // The group is gone; something else holds the port.
        }
      }
    }
    if (database) {
      try {
        await withAdmin(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      } catch (error) {
        problems.push(`could not drop ${database}: ${error.message}`);
      }
    }
    out.end();
  }
  const status = problems.length === 0 ? 'PASS' : 'FAIL';
  const line = `${status} ${target.label.padEnd(22)} ${seconds(since).padStart(7)}  ${target.tally ?? ''}${
    target.sdk ? `; ${target.sdk}` : ''
  }${problems.length ? `  — ${problems.join('; ')} (log: ${log})` : ''}`;
  if (problems.length) failures.push(line);
  return line;
}

/**
 * Target `browser:embed`: the installed `videoconf serve` serves the installed embed script to a
 * page of another origin in Chromium, whose element joins and chats (harness/embed-browser.mjs).
 * Without Chromium it is skipped, unless VIDEOCONF_REQUIRE_BROWSER=1 (CI).
 */
async function embedTarget(appDir, logDir) {
  const since = performance.now();
  const label = 'browser:embed'.padEnd(22);
  let line;
  try {
    const executablePath = chromiumPath();
    if (!executablePath) return `SKIP ${label} no Chromium (CHROMIUM_PATH, /usr/bin/chromium)`;
    const result = await checkEmbedInBrowser({
      appDir,
      env: targetEnv({}),
      port: await freePort(),
      executablePath,
      logDir,
      playwright: createRequire(join(serverDir, 'package.json'))('playwright-core'),
    });
    line = `PASS ${label} ${seconds(since).padStart(7)}  ${result}`;
  } catch (error) {
    line = `FAIL ${label} ${seconds(since).padStart(7)}  — ${error.message} (logs: ${logDir})`;
    failures.push(line);
  }
  return line;
}

async function pool(items, size, work) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]);
      console.log(results[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, worker));
  return results;
}

async function main() {
  const scratch = mkdtempSync(join(tmpdir(), 'videoconf-dist-'));
  console.log(`scratch directory: ${scratch}`);
  try {
    step('build');
    ensureBuilt();

    step('bundles: one copy of every class across entry points');
    const bundleProblems = await checkServerBundles(serverDir).catch((error) => [String(error)]);
    for (const problem of bundleProblems) failures.push(`bundles: ${problem}`);
    console.log(bundleProblems.length ? bundleProblems.join('\n') : 'ok');

    step('pack');
    const tarballs = pack(join(scratch, 'tarballs'));
    console.log(Object.values(tarballs).join('\n'));

    step('install the tarballs with npm (a full app and a memory-only app)');
    const server = JSON.parse(readFileSync(join(serverDir, 'package.json'), 'utf8'));
    const peer = (name) => `${name}@${server.peerDependencies[name]}`;
    const node = process.versions.node.split('.')[0];
    const tools = ['typescript@~5.9.3', `@types/node@^${node}`, peer('fastify')];
    // The client SDK's consumers run in Node with `ws` (docs/client-sdk.md), at the workspace's
    // versions (pnpm-workspace.yaml, catalog).
    const workspace = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8');
    const catalog = (name) => {
      const range = new RegExp(`^\\s+"?${name}"?:\\s*(\\S+)`, 'm').exec(workspace)?.[1];
      if (!range) throw new Error(`${name} is not in the catalog of pnpm-workspace.yaml`);
      return `${name}@${range}`;
    };
    const ws = [catalog('ws'), catalog('@types/ws')];
    const full = join(scratch, 'full');
    const memory = join(scratch, 'memory');
    await Promise.all([
      scratchApp(full, tarballs, [
        ...tools,
        ...['sequelize', 'pg', 'umzug', 'ioredis'].map(peer),
        ...ws,
      ]),
      // The server's own packages only: its optional peers must be missing there.
      scratchApp(
        memory,
        Object.fromEntries(
          Object.entries(tarballs).filter(
            ([name]) => !['@videoconf/client-sdk', '@videoconf/web-components'].includes(name),
          ),
        ),
        tools,
      ),
    ]);
    // The SDK's declarations name no livekit-client type (its `@internal` members are stripped):
    // the strict consumers below type-check without livekit-client's own declarations.
    const sdkFiles = ['sdk.mjs', 'sdk.cjs', 'sdk-flow.mjs', 'sdk-esm.ts', 'sdk-cjs.cts'];
    const wcFiles = ['wc-esm.ts', 'wc-cjs.cts', 'wc.cjs'];
    for (const file of ['app.mjs', 'app.cjs', 'esm.ts', 'cjs.cts', ...sdkFiles, ...wcFiles]) {
      cpSync(join(consumer, file), join(full, file));
    }
    for (const file of ['memory.ts', 'memory-peers.mjs'])
      cpSync(join(consumer, file), join(memory, file));

    step('type-check strict NodeNext consumers (no skipLibCheck)');
    // ESM and CJS in programs of their own: the declarations of both builds augment Fastify's
    // types (`app.videoconf`), and one program holding both sees two declarations of it.
    const checks = [
      [full, 'esm', ['esm.ts']],
      [full, 'cjs', ['cjs.cts']],
      [memory, 'memory', ['memory.ts']],
      // The client packages share a program per module kind: one compiler start less each.
      [full, 'sdk-esm', ['sdk-esm.ts', 'wc-esm.ts']],
      [full, 'sdk-cjs', ['sdk-cjs.cts', 'wc-cjs.cts']],
    ];
    await Promise.all(
      checks.map(async ([dir, name, files]) => {
        try {
          await typecheck(dir, name, files);
          console.log(`ok: ${files.join(', ')}`);
        } catch (error) {
          failures.push(`type-check ${files.join(', ')}: ${error.message}`);
          console.log(error.message);
        }
      }),
    );

    step('memory-only consumer: the adapters name their missing packages');
    try {
      console.log(run(process.execPath, ['memory-peers.mjs'], { cwd: memory }).trim());
    } catch (error) {
      failures.push(`memory-only consumer: ${error.message}`);
      console.log(error.message);
    }

    step('web components from CommonJS: entry points, the embed script, the manifest');
    try {
      console.log(run(process.execPath, ['wc.cjs'], { cwd: full }).trim());
    } catch (error) {
      failures.push(`web components from CommonJS: ${error.message}`);
      console.log(error.message);
    }

    step(`targets (${concurrency} at a time)`);
    const targets = [];
    for (const storage of ['memory', 'postgres']) {
      targets.push({ label: `start:${storage}`, kind: 'start', prefix: '', storage });
      targets.push({
        label: `plugin-esm:${storage}`,
        kind: 'plugin',
        app: 'app.mjs',
        prefix: '/videoconf',
        storage,
      });
      targets.push({
        label: `plugin-cjs:${storage}`,
        kind: 'plugin',
        app: 'app.cjs',
        prefix: '/videoconf',
        storage,
      });
    }
    const chosen = targets.filter((t) => !args.only || t.label.includes(args.only));
    const logDir = join(scratch, 'logs');
    mkdirSync(logDir);
    const [lines, embed] = await Promise.all([
      pool(chosen, concurrency, (target) => runTarget(target, full, logDir)),
      !args.only || 'browser:embed'.includes(args.only) ? embedTarget(full, logDir) : null,
    ]);
    summary.push(...lines);
    if (embed) {
      console.log(embed);
      summary.push(embed);
    }
  } finally {
    if (!args.keep && failures.length === 0) rmSync(scratch, { recursive: true, force: true });
    else console.log(`\nkept ${scratch}`);
  }
}

try {
  await main();
} catch (error) {
  failures.push(error instanceof Error ? error.message : String(error));
}
console.log(`\n=== summary (${seconds(began)})`);
if (summary.length > 0) console.log(summary.join('\n'));
const other = failures.filter((failure) => !summary.includes(failure));
if (failures.length > 0) {
  if (other.length > 0) console.log(other.join('\n'));
  console.log(`test:dist FAILED: ${failures.length} problem(s)`);
  process.exit(1);
}
console.log('test:dist passed');
