// Checks of the built bundles that black-box requests cannot see directly: one home for every
// class that crosses entry points (defect: each tsup entry bundled its own ConferenceError, so
// `instanceof` failed across entries and PostgreSQL lost the contract's error codes).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// `class Name …` and `var Name = class …` (esbuild's form for a class with static members).
const CLASS =
  /(?:^|[^\w$.])(?:class\s+(?!extends\b)([A-Za-z_$][\w$]*)|(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*class\b)/gm;
const SYMBOL = /(?:^|[^\w$.])Symbol\(\s*("[^"]*"|'[^']*')\s*\)/gm;

/** Names declared by more than one bundle of one format: each would be a separate class. */
function duplicates(dist, extension) {
  const seen = new Map();
  for (const file of readdirSync(dist).filter((name) => name.endsWith(extension))) {
    const code = readFileSync(join(dist, file), 'utf8');
    const names = new Set();
    for (const [, declared, assigned] of code.matchAll(CLASS)) {
      names.add(`class ${(declared ?? assigned).replace(/^_+/, '')}`);
    }
    for (const [, name] of code.matchAll(SYMBOL)) names.add(`Symbol(${name})`);
    for (const name of names) seen.set(name, [...(seen.get(name) ?? []), file]);
  }
  return [...seen].filter(([, files]) => files.length > 1);
}

/** Returns the problems found in `packages/server/dist` (empty: all good). */
export async function checkServerBundles(serverDir) {
  const dist = join(serverDir, 'dist');
  const problems = [];
  for (const extension of ['.js', '.cjs']) {
    for (const [name, files] of duplicates(dist, extension)) {
      problems.push(`${name} is bundled into ${files.join(', ')}: one copy per entry point`);
    }
  }

  const require = createRequire(join(dist, 'index.cjs'));
  const load = (file) =>
    file.endsWith('.cjs')
      ? require(join(dist, file))
      : import(pathToFileURL(join(dist, file)).href);

  // Every entry loads (an import that `index` does not export fails here), from both builds;
  // testing.cjs only under Vitest, which refuses `require()`.
  for (const entry of ['index', 'sequelize', 'redis', 'testing']) {
    for (const extension of entry === 'testing' ? ['.js'] : ['.js', '.cjs']) {
      try {
        await load(`${entry}${extension}`);
      } catch (error) {
        problems.push(`${entry}${extension} does not load: ${error.message}`);
      }
    }
  }

  // A ConferenceError of one build is one of the other build too (ESM and CJS both loaded).
  const esm = await load('index.js');
  const cjs = await load('index.cjs');
  if (!(new cjs.ConferenceError('ROOM_FULL') instanceof esm.ConferenceError)) {
    problems.push('a ConferenceError of index.cjs is no instanceof the one of index.js');
  }
  if (!(new esm.ConferenceError('ROOM_FULL') instanceof cjs.ConferenceError)) {
    problems.push('a ConferenceError of index.js is no instanceof the one of index.cjs');
  }

  // The entries that check their optional peers export what their adapter exports.
  for (const entry of ['sequelize', 'redis']) {
    for (const extension of ['.js', '.cjs']) {
      const guard = `${entry}${extension}`;
      const adapter = `${entry}-adapter${extension}`;
      const names = async (file) =>
        Object.keys(await load(file))
          .filter((name) => name !== 'default' && name !== '__esModule')
          .sort()
          .join(', ');
      try {
        const [exported, expected] = await Promise.all([names(guard), names(adapter)]);
        if (exported !== expected) {
          problems.push(`${guard} exports {${exported}}, its adapter {${expected}}`);
        }
      } catch (error) {
        problems.push(`${guard} or ${adapter} does not load: ${error.message}`);
      }
    }
  }
  return problems;
}
