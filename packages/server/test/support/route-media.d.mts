/**
 * Sends all of this page's media over TCP to `127.0.0.1:port` (see route-media.mjs): patches
 * `RTCPeerConnection.prototype`, so call it before the first connection.
 */
export function routeMediaThrough(port: number): void;
