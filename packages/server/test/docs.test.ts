import { readFileSync } from 'node:fs';
import { ERROR_STATUS } from '@videoconf/protocol';
import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGES } from '../src/errors';

const errorsPage = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

describe('docs/errors.md', () => {
  it('lists every error code with its status and message', () => {
    for (const [code, status] of Object.entries(ERROR_STATUS)) {
      const message = ERROR_MESSAGES[code as keyof typeof ERROR_MESSAGES];
      expect(errorsPage).toContain(`| \`${code}\` | ${status} | ${message} |`);
    }
  });
});
