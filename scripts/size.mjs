// `pnpm size`: the bundle-size budgets of @videoconf/client-sdk (docs/client-sdk.md, "Bundle size")
// and of the embed script of @videoconf/web-components (docs/embed.md).
// Bundles the BUILT package (packages/client-sdk/dist, resolved through its package.json exports
// as a user's bundler resolves it) for the browser with esbuild, minified, ESM, code splitting on
// (as Vite and Rollup split a dynamic `import()` into a chunk of its own), gzips every chunk and
// checks:
//   1. REST + realtime: the initial chunk(s) of `import { … } from '@videoconf/client-sdk'` (the
//      entry chunk and the chunks it imports statically, not the lazily loaded ones) at most
//      15 kB gzipped, with no module of livekit-client or of a runtime schema library (TypeBox).
//   2. The whole SDK (`export *`, every chunk, livekit-client included) at most livekit-client
//      alone (`export *`, measured the same way in the same run) plus 25 kB gzipped.
//   3. The web components' embed script, packages/web-components/dist/videoconf.js as built (one
//      self-contained module: Lit, the SDK and livekit-client inside; docs/embed.md), at most
//      234 kB gzipped. Its brotli size (what the server sends to most browsers) and livekit-client's
//      own gzipped size (case 2) are printed for context.
// Exits 1 when a budget is exceeded. kB = 1000 bytes; gzip level 9, brotli quality 9 (as the
// server compresses it). Needs `pnpm build` first.
//
//   node scripts/size.mjs [--json]
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const { values: args } = parseArgs({ options: { json: { type: 'boolean' } } });
const root = fileURLToPath(new URL('..', import.meta.url));
const sdkDir = join(root, 'packages/client-sdk');
const { build } = createRequire(join(sdkDir, 'package.json'))('esbuild');

/** The budgets, in bytes gzipped (kB = 1000 bytes). */
export const BUDGET = {
  /** Case 1: what `import { createClient, RealtimeConnection, ApiError, … }` costs on first load. */
  restRealtime: 15_000,
  /** Case 2: the whole SDK may add this much to livekit-client alone. */
  overLivekit: 25_000,
  /** Case 3: the embed script of @videoconf/web-components, gzipped. */
  embedScript: 234_000,
};

/** The embed script as `pnpm build` writes it. */
const EMBED_SCRIPT = join(root, 'packages/web-components/dist/videoconf.js');

/** The names case 1 imports: the REST client, the realtime connection and the error. */
export const REST_REALTIME_IMPORTS = [
  'createClient',
  'RealtimeConnection',
  'ApiError',
  'isApiError',
];

/** Modules that must never be in the initial chunk of case 1 (esbuild metafile input paths). */
const FORBIDDEN = [
  /(^|\/)node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?livekit-client\//,
  /(^|\/)node_modules\/(\.pnpm\/[^/]+\/node_modules\/)?@sinclair\/typebox\//,
];

const kB = (bytes) => `${(bytes / 1000).toFixed(2)} kB`;

/**
 * Bundles `contents` (an ES module resolved from the SDK's folder) as a browser app would and
 * returns its chunks: the initial ones (entry plus static imports) and the lazy ones.
 */
async function bundle(contents) {
  const { metafile, outputFiles } = await build({
    stdin: { contents, resolveDir: sdkDir, loader: 'js', sourcefile: 'app.js' },
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    write: false,
    outdir: join(sdkDir, '.size'),
    metafile: true,
    absWorkingDir: root,
    logLevel: 'error',
  });
  const gz = new Map(
    outputFiles.map((file) => [
      relative(root, file.path),
      gzipSync(file.contents, { level: 9 }).length,
    ]),
  );
  const outputs = Object.entries(metafile.outputs).filter(([name]) => name.endsWith('.js'));
  const entry = outputs.find(([, output]) => output.entryPoint !== undefined)?.[0];
  if (!entry) throw new Error('esbuild produced no entry chunk');
  // The initial chunks: the entry and everything it imports statically, transitively.
  const initial = new Set();
  const visit = (name) => {
    if (initial.has(name)) return;
    initial.add(name);
    for (const i of metafile.outputs[name].imports)
      if (i.kind === 'import-statement') visit(i.path);
  };
  visit(entry);
  const chunks = outputs.map(([name, output]) => ({
    name,
    initial: initial.has(name),
    gzip: gz.get(name),
    inputs: Object.keys(output.inputs),
  }));
  for (const chunk of chunks) {
    if (chunk.gzip === undefined) throw new Error(`no output file for ${chunk.name}`);
  }
  const sum = (list) => list.reduce((total, chunk) => total + chunk.gzip, 0);
  return {
    chunks,
    initialGzip: sum(chunks.filter((chunk) => chunk.initial)),
    totalGzip: sum(chunks),
  };
}

async function main() {
  const dist = join(sdkDir, 'dist/index.js');
  for (const file of [dist, EMBED_SCRIPT]) {
    if (!existsSync(file))
      throw new Error(`${relative(root, file)} is missing: run pnpm build first`);
  }
  const problems = [];

  const names = REST_REALTIME_IMPORTS.join(', ');
  const [restRealtime, sdk, livekit] = await Promise.all([
    bundle(`export { ${names} } from '@videoconf/client-sdk';`),
    bundle(`export * from '@videoconf/client-sdk';`),
    bundle(`export * from 'livekit-client';`),
  ]);

  // Case 1.
  const forbidden = restRealtime.chunks
    .filter((chunk) => chunk.initial)
    .flatMap((chunk) => chunk.inputs)
    .filter((input) => FORBIDDEN.some((pattern) => pattern.test(input)));
  if (forbidden.length > 0) {
    problems.push(
      `REST + realtime: the initial chunk holds ${forbidden.length} module(s) of livekit-client or TypeBox, e.g. ${forbidden.slice(0, 3).join(', ')}`,
    );
  }
  if (restRealtime.initialGzip > BUDGET.restRealtime) {
    problems.push(
      `REST + realtime: ${kB(restRealtime.initialGzip)} gzipped, over the budget of ${kB(BUDGET.restRealtime)}`,
    );
  }
  // Case 2.
  const sdkLimit = livekit.totalGzip + BUDGET.overLivekit;
  if (sdk.totalGzip > sdkLimit) {
    problems.push(
      `whole SDK: ${kB(sdk.totalGzip)} gzipped, over livekit-client alone (${kB(livekit.totalGzip)}) + ${kB(BUDGET.overLivekit)} = ${kB(sdkLimit)}`,
    );
  }

  // Case 3.
  const embedBytes = readFileSync(EMBED_SCRIPT);
  const embed = {
    file: relative(root, EMBED_SCRIPT),
    bytes: embedBytes.length,
    gzip: gzipSync(embedBytes, { level: 9 }).length,
    brotli: brotliCompressSync(embedBytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 9 },
    }).length,
  };
  if (embed.gzip > BUDGET.embedScript) {
    problems.push(
      `embed script: ${embed.file} is ${kB(embed.gzip)} gzipped, over the budget of ${kB(BUDGET.embedScript)}`,
    );
  }

  const report = {
    restRealtime: {
      import: `{ ${names} }`,
      initialGzip: restRealtime.initialGzip,
      budget: BUDGET.restRealtime,
      lazyChunks: restRealtime.chunks.filter((chunk) => !chunk.initial).length,
    },
    wholeSdk: {
      initialGzip: sdk.initialGzip,
      totalGzip: sdk.totalGzip,
      livekitClientAlone: livekit.totalGzip,
      budget: sdkLimit,
      overLivekit: sdk.totalGzip - livekit.totalGzip,
    },
    embedScript: {
      ...embed,
      budget: BUDGET.embedScript,
      livekitClientAlone: livekit.totalGzip,
    },
    problems,
  };
  if (args.json) {
    console.log(JSON.stringify(report, null, 2));
  } else {
    const mark = (ok) => (ok ? 'ok  ' : 'OVER');
    console.log(
      `${mark(restRealtime.initialGzip <= BUDGET.restRealtime && forbidden.length === 0)} REST + realtime  import { ${names} }: ${kB(restRealtime.initialGzip)} gz initial (budget ${kB(BUDGET.restRealtime)}; no livekit-client, no TypeBox: ${forbidden.length === 0 ? 'yes' : 'NO'})`,
    );
    console.log(
      `${mark(sdk.totalGzip <= sdkLimit)} whole SDK        export *: ${kB(sdk.totalGzip)} gz in ${sdk.chunks.length} chunk(s), ${kB(sdk.initialGzip)} initial; livekit-client alone ${kB(livekit.totalGzip)}; budget ${kB(sdkLimit)} (+${kB(BUDGET.overLivekit)}), SDK adds ${kB(sdk.totalGzip - livekit.totalGzip)}`,
    );
    console.log(
      `${mark(embed.gzip <= BUDGET.embedScript)} embed script     ${embed.file}: ${kB(embed.gzip)} gz (budget ${kB(BUDGET.embedScript)}), ${kB(embed.brotli)} br, ${kB(embed.bytes)} minified; livekit-client alone ${kB(livekit.totalGzip)} gz`,
    );
  }
  if (problems.length > 0) {
    console.error(`\nsize budget exceeded:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    process.exitCode = 1;
  }
}

await main();
