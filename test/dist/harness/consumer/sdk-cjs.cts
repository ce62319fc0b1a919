// Type-checked as a strict NodeNext CommonJS consumer of @videoconf/client-sdk (no skipLibCheck).
import {
  ApiError,
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
export const closed: Promise<void> = realtime.close();
export const current: RealtimeState = state.get();
export const refused = (error: unknown): boolean =>
  isApiError(error, 'ROOM_NOT_FOUND') || (error instanceof ApiError && error.status === 404);
