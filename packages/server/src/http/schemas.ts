import { ErrorBody } from '@videoconf/protocol';

/** Error responses every route documents in OpenAPI. */
export const errorResponses = {
  '4xx': ErrorBody,
  '5xx': ErrorBody,
} as const;
