/** The scenarios, in the order they run. */
export const SCENARIOS = [
  'http.me',
  'http.media-token',
  'http.chat-send.pg',
  'ws.fanout.100',
  'ws.fanout.1000',
  'ws.idle-memory',
  'cluster.fanout.100',
  'login.isolation',
  'media.join',
];
