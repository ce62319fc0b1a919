import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));
const cli = join(src, 'cli.ts');

/** Every environment variable the server's sources read (`env.NAME`, `process.env.NAME`). */
function variablesRead(dir: string): Set<string> {
  const names = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // The conformance kits and tests' helpers are not the server.
      if (entry.name !== 'testing') for (const name of variablesRead(path)) names.add(name);
    } else if (entry.name.endsWith('.ts')) {
      for (const [, name] of readFileSync(path, 'utf8').matchAll(/\benv\.([A-Z][A-Z0-9_]*)/g)) {
        names.add(name as string);
      }
    }
  }
  return names;
}

describe('videoconf --help', () => {
  it('lists every environment variable the server reads', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', cli, '--help'],
      { cwd: fileURLToPath(new URL('..', import.meta.url)) },
    );
    const read = variablesRead(src);
    expect([...read]).toEqual(expect.arrayContaining(['TRUST_PROXY', 'NODE_ENV', 'LOG_LEVEL']));
    for (const name of read) expect(stdout, name).toMatch(new RegExp(`\\b${name}\\b`));
  });
});
