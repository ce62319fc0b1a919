/** Longest chat message, as the server counts it (`MAX_MESSAGE_LENGTH` of the protocol). */
export const MAX_MESSAGE_LENGTH = 4000;

/**
 * The protocol's `messageLength`: Unicode code points of the trimmed content (an emoji counts
 * once). Copied rather than imported: `@videoconf/protocol`'s module holds the TypeBox schemas,
 * which must stay out of a browser bundle (test/units.test.ts checks both agree).
 */
export const messageLength = (content: string): number => [...content.trim()].length;
