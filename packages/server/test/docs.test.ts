import { readFileSync } from 'node:fs';
import { ERROR_STATUS } from '@videoconf/protocol';
import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGES } from '../src/errors';

const errorsPage = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

/** The rows of the page's table, as trimmed cells. */
const rows = errorsPage
  .split('\n')
  .filter((line) => line.startsWith('| `'))
  .map((line) =>
    line
      .split('|')
      .slice(1, -1)
      .map((cell) => cell.trim()),
  );

describe('docs/errors.md', () => {
  it('lists every error code with its status and message, and no other', () => {
    const expected = Object.entries(ERROR_STATUS).map(([code, status]) => [
      `\`${code}\``,
      String(status),
      ERROR_MESSAGES[code as keyof typeof ERROR_MESSAGES],
    ]);
    expect(rows).toEqual(expected);
  });
});
