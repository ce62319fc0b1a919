// In the memory-only consumer (no sequelize, pg, umzug or ioredis installed): the server runs on
// memory storage from ESM and CommonJS, and the adapters and the CLI refuse to start with an
// error that names the missing packages and the command that installs them.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const cases = [
  ['@videoconf/server/sequelize', 'npm install sequelize pg umzug'],
  ['@videoconf/server/redis', 'npm install ioredis'],
];
const failures = [];

const esm = await import('@videoconf/server');
for (const [what, server] of [
  ['import', esm],
  ['require', require('@videoconf/server')],
]) {
  const app = server.createConferenceServer({ storage: server.memoryStorage(), logger: false });
  const health = await app.inject({ method: 'GET', url: '/health' });
  if (health.statusCode !== 200)
    failures.push(`${what}: GET /health answered ${health.statusCode}`);
  await app.close();
}
const expectRefusal = (what, run, install) => {
  try {
    run();
    failures.push(`${what}: loaded without its packages`);
  } catch (error) {
    const message = String(error?.message ?? error);
    if (!message.includes(install)) failures.push(`${what}: unclear error: ${message}`);
  }
};

for (const [entry, install] of cases) {
  try {
    await import(entry);
    failures.push(`import('${entry}'): loaded without its packages`);
  } catch (error) {
    const message = String(error?.message ?? error);
    if (!message.includes(install)) failures.push(`import('${entry}'): unclear error: ${message}`);
  }
  expectRefusal(`require('${entry}')`, () => require(entry), install);
}

const cli = require
  .resolve('@videoconf/server/package.json')
  .replace(/package\.json$/, 'dist/cli.js');
for (const [variable, value, install] of [
  ['DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/none', 'npm install sequelize pg umzug'],
  ['REDIS_URL', 'redis://127.0.0.1:6379', 'npm install ioredis'],
]) {
  const run = spawnSync(process.execPath, [cli, 'serve'], {
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', PORT: '0', [variable]: value },
    encoding: 'utf8',
    timeout: 20_000,
  });
  const output = `${run.stdout}${run.stderr}`;
  if (run.status === 0 || run.signal)
    failures.push(`videoconf serve with ${variable}: did not refuse`);
  else if (!output.includes(install)) {
    failures.push(`videoconf serve with ${variable}: unclear error: ${output.trim()}`);
  }
}

if (failures.length > 0) {
  console.error(failures.join('\n'));
  process.exit(1);
}
console.log('memory-only consumer: the server runs; adapters and CLI name their missing packages');
