import { Type } from '@sinclair/typebox';

/**
 * Characters that show nothing on their own: white space, controls, format characters
 * (zero-width spaces and joiners, U+2060, U+FEFF, bidi marks and controls, tags), separators,
 * lone surrogates, combining marks, the other default-ignorable code points (Hangul fillers,
 * variation selectors) and the Braille blank.
 */
const INVISIBLE =
  '\\p{White_Space}\\p{Cc}\\p{Cf}\\p{Cs}\\p{Z}\\p{M}\\p{Default_Ignorable_Code_Point}\\u2800';
const HAS_VISIBLE = new RegExp(`[^${INVISIBLE}]`, 'u');

/**
 * Refused anywhere in a name: controls (line breaks, tabs, escape), line and paragraph
 * separators, lone surrogates, and the bidi embeddings, overrides and isolates (U+202A–U+202E,
 * U+2066–U+2069), which reorder the text around a name wherever it is shown ("Trojan Source"
 * spoofing). The bidi marks U+200E, U+200F and U+061C stay allowed inside a visible name:
 * right-to-left names need them and they reorder nothing beyond their neighbours.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;

/** Name of the string format of names people see: `{ format: 'visible-name' }`. */
export const VISIBLE_NAME_FORMAT = 'visible-name';

/**
 * True when `value` is acceptable as a name people see (display names, room titles): it has at
 * least one visible character, and no control, separator or bidi embedding/override/isolate.
 */
export const isVisibleName = (value: string): boolean =>
  HAS_VISIBLE.test(value) && !FORBIDDEN.test(value);

/** A name people see, of 1 to `maxLength` UTF-16 code units, in the `visible-name` format. */
export const VisibleName = (maxLength: number) =>
  Type.String({ minLength: 1, maxLength, format: VISIBLE_NAME_FORMAT });

/** The name a user (or a guest) is shown under. */
export const DisplayName = VisibleName(100);
