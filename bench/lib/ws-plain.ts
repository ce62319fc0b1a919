/**
 * Server scripts without tsx, for `ws.idle-memory`.
 *
 * Under `--import tsx` a process carries tsx's module-hooks thread: a second V8 isolate of some
 * 20 MiB whose heap shrinks by megabytes whenever its memory reducer runs (seconds after
 * startup), which is more than the sockets being measured. So the memory scenario bundles its
 * server script with esbuild (tsx's own) into one plain ES module and runs it with plain `node`,
 * pinned like `ctx.spawnServer` does. The built server (`packages/server/dist`) is imported at
 * run time as usual; only the bench's own TypeScript (and `ws`) is bundled.
 */
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, type ChildServer, canPin, JsonProcess, ROOT_DIR, SERVER_CORE } from './proc';

interface Esbuild {
  build(options: Record<string, unknown>): Promise<unknown>;
}

/** esbuild as tsx has it (the workspace does not depend on it directly). */
function esbuild(): Esbuild {
  const tsx = realpathSync(join(ROOT_DIR, 'node_modules', 'tsx'));
  return createRequire(join(tsx, 'package.json'))('esbuild') as Esbuild;
}

let outDir: string | null = null;
const bundles = new Map<string, string>();

/** Bundles `bench/<script>` into one `.mjs` (once per run); returns its path. */
export async function bundle(script: string): Promise<string> {
  const done = bundles.get(script);
  if (done) return done;
  if (!outDir) {
    outDir = mkdtempSync(join(tmpdir(), 'videoconf-bench-'));
    const dir = outDir;
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  const outfile = join(outDir, `${script.replace(/[^A-Za-z0-9.-]/g, '_')}.mjs`);
  await esbuild().build({
    entryPoints: [join(BENCH_DIR, script)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    // `ws` tries these optional native add-ons; without them it uses its JavaScript code.
    external: ['bufferutil', 'utf-8-validate'],
    // The bench's modules find the repository from their own location (bench/lib).
    define: {
      'import.meta.url': JSON.stringify(pathToFileURL(join(BENCH_DIR, 'lib', 'proc.ts')).href),
    },
    // CommonJS dependencies (ws) call `require` for Node's built-in modules.
    banner: {
      js: "import { createRequire as __benchRequire } from 'node:module'; const require = __benchRequire(process.cwd() + '/');",
    },
  });
  bundles.set(script, outfile);
  return outfile;
}

/**
 * Starts a bundled server script with plain `node` (and `nodeFlags`), pinned to the server core,
 * and waits for its ready line. Stop it with `stop()`; the harness kills it on exit otherwise.
 */
export async function spawnPlainServer(
  script: string,
  env: Record<string, string>,
  nodeFlags: string[] = [],
): Promise<ChildServer> {
  const file = await bundle(script);
  const argv = [...nodeFlags, file];
  const [cmd, args] = canPin()
    ? ['taskset', ['-c', String(SERVER_CORE), process.execPath, ...argv]]
    : [process.execPath, argv];
  const proc = new JsonProcess(script, cmd, args, env);
  try {
    const info = await proc.next((m) => m.ready === true, 60_000);
    const port = Number(info.port);
    return Object.assign(proc, {
      info,
      port,
      url: `http://127.0.0.1:${port}`,
      wsUrl: `ws://127.0.0.1:${port}`,
    }) as ChildServer;
  } catch (error) {
    await proc.stop(1000);
    throw error;
  }
}
