// `videoconf serve` only (ESM): finds the embed script of an installed `@videoconf/web-components`.
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Where `@videoconf/web-components` installed its embed script, or null when it is not installed:
 * `@videoconf/web-components/videoconf.js` resolved from `cwd` (the app's own install), then
 * from this package. Used by
 * `videoconf serve`, which turns `embed` on when the file is there.
 */
export function resolveEmbedScript(
  cwd = process.cwd(),
  from: string = import.meta.url,
): string | null {
  for (const base of [join(cwd, 'noop.js'), from]) {
    try {
      return createRequire(base).resolve('@videoconf/web-components/videoconf.js');
    } catch {
      // Not installed where this base looks; try the next.
    }
  }
  return null;
}
