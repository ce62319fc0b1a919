// Type-checked as a strict NodeNext CommonJS consumer of @videoconf/client-sdk (no skipLibCheck).
import {
  ApiError,
  type Conference,
  createClient,
  isApiError,
  RealtimeConnection,
  type RealtimeState,
  type Store,
} from '@videoconf/client-sdk';

import WebSocket = require('ws');

const realtime = new RealtimeConnection({
  server: 'http://127.0.0.1:3000',
  roomId: 'r',
  WebSocket,
});
const state: Store<RealtimeState> = realtime.state;
const client = createClient({ server: 'http://127.0.0.1:3000', token: 'host-app-token' });
export const conference: Conference = client.conference('r');
export const me: Promise<string> = client.users.me().then((user) => user.id);
export const closed: Promise<void> = realtime.close();
export const current: RealtimeState = state.get();
export const refused = (error: unknown): boolean =>
  isApiError(error, 'ROOM_NOT_FOUND') || (error instanceof ApiError && error.status === 404);
