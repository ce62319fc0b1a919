import { createRequire } from 'node:module';

/** The optional packages each adapter of `@videoconf/server` loads (its optional peers). */
export const ADAPTER_PEERS = {
  '@videoconf/server/sequelize': ['sequelize', 'pg', 'umzug'],
  '@videoconf/server/redis': ['ioredis'],
} as const;

export type Adapter = keyof typeof ADAPTER_PEERS;

const sentence = (names: readonly string[]) =>
  names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/**
 * Throws a clear error, naming the missing packages and the command that installs them, when
 * an optional peer of `adapter` cannot be resolved from `from` (the adapter's module). The
 * adapters run this before loading the packages, so a user never sees a bare
 * `ERR_MODULE_NOT_FOUND` from inside our bundle.
 */
export function assertPeers(adapter: Adapter, from: string): void {
  const resolve = createRequire(from).resolve;
  const peers = ADAPTER_PEERS[adapter];
  const missing = peers.filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  const error = new Error(
    `${adapter} needs ${sentence(peers)} installed next to @videoconf/server; ` +
      `missing: ${missing.join(', ')}. Install with: npm install ${peers.join(' ')}`,
  );
  throw Object.assign(error, { code: 'ERR_VIDEOCONF_MISSING_PEER', missing });
}
