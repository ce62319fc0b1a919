import { describe, expect, it } from 'vitest';
import { ConferenceError, isConferenceError } from '../src/errors';

// A program can hold several copies of the errors module: the ESM and the CommonJS build both
// loaded, or a bundle per entry point (the built package once had one in each, and PostgreSQL
// then lost every error code the adapter raised). test/dist checks the built bundles; this is
// the rule they rely on, on a second copy of the module.
describe('ConferenceError across copies of its module', () => {
  it('is recognised by instanceof whichever copy created it', async () => {
    const path = '../src/errors.ts?second-copy';
    const copy: typeof import('../src/errors') = await import(/* @vite-ignore */ path);
    expect(copy.ConferenceError).not.toBe(ConferenceError);

    const fromCopy = new copy.ConferenceError('ROOM_FULL');
    expect(fromCopy).toBeInstanceOf(ConferenceError);
    expect(isConferenceError(fromCopy)).toBe(true);
    expect(new ConferenceError('EMAIL_TAKEN')).toBeInstanceOf(copy.ConferenceError);
  });

  it('recognises nothing else', () => {
    expect(new Error('Room is full')).not.toBeInstanceOf(ConferenceError);
    expect({ name: 'ConferenceError', code: 'ROOM_FULL' }).not.toBeInstanceOf(ConferenceError);
    expect(null).not.toBeInstanceOf(ConferenceError);
  });
});
