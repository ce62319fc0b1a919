/** How long to wait before reconnecting: exponential, capped, with jitter. */
export interface BackoffOptions {
  /** The first delay, in ms (500). */
  initialMs?: number;
  /** The cap, in ms (30 000). */
  maxMs?: number;
}

/**
 * The delay before reconnection attempt `attempt` (0 for the first): `initialMs * 2^attempt`,
 * capped at `maxMs`, then scaled by a random factor in [0.5, 1) so that many clients dropped at
 * the same instant (a server restart) do not come back at the same instant.
 */
export function backoffDelay(
  attempt: number,
  { initialMs = 500, maxMs = 30_000 }: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.5 + random() / 2));
}
