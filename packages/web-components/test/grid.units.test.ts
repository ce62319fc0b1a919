import { describe, expect, it } from 'vitest';
import { initialsOf } from '../src/vc-grid/vc-grid';

describe('<vc-grid> initials', () => {
  it('takes the first letters of the first and last words, whole code points, upper-cased', () => {
    expect(initialsOf('Ada Lovelace')).toBe('AL');
    expect(initialsOf('  ada  ')).toBe('A');
    expect(initialsOf('Jean Paul Sartre')).toBe('JS');
    expect(initialsOf('😀 smile')).toBe('😀S');
    expect(initialsOf('ёжик в тумане')).toBe('ЁТ');
    expect(initialsOf('')).toBe('');
  });
});
