import type { FastifyReply } from 'fastify';

/**
 * The security headers of helmet's defaults, as `@fastify/helmet` (global) set them on every
 * response of the API scope. They are constants: `@fastify/helmet` builds a new helmet
 * middleware on every request (parsing the CSP directives again each time), which was a sixth
 * of the CPU time of an authenticated `GET /users/me` (bench `http.me`, docs/benchmarks.md).
 * `test/security-headers.test.ts` checks that this list equals what `@fastify/helmet` sends.
 */
export const SECURITY_HEADERS: ReadonlyArray<readonly [name: string, value: string]> = [
  [
    'content-security-policy',
    "default-src 'self';base-uri 'self';font-src 'self' https: data:;form-action 'self';" +
      "frame-ancestors 'self';img-src 'self' data:;object-src 'none';script-src 'self';" +
      "script-src-attr 'none';style-src 'self' https: 'unsafe-inline';upgrade-insecure-requests",
  ],
  ['cross-origin-opener-policy', 'same-origin'],
  ['cross-origin-resource-policy', 'same-origin'],
  ['origin-agent-cluster', '?1'],
  ['referrer-policy', 'no-referrer'],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-dns-prefetch-control', 'off'],
  ['x-download-options', 'noopen'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['x-permitted-cross-domain-policies', 'none'],
  ['x-xss-protection', '0'],
];

const HEADERS: Record<string, string> = Object.fromEntries(SECURITY_HEADERS);

/**
 * Adds the security headers to the reply's headers, which a route may still override (the docs
 * UI sets its own CSP). Run by the API scope's `onRequest` hook (plugin.ts) and by the handlers
 * that run outside the scope's hooks (http/errors.ts). Kept off the raw response on purpose: a
 * header set there sends Node's `writeHead` down its slow path, which validates every header a
 * second time (bench `http.me`).
 */
export function setSecurityHeaders(reply: FastifyReply): void {
  reply.headers(HEADERS);
}
