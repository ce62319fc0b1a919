// Type-checked as a strict NodeNext ESM consumer of @videoconf/client-sdk (no skipLibCheck).
import {
  ApiError,
  type ApiErrorCode,
  type Client,
  type Conference,
  type ConferenceState,
  createClient,
  isApiError,
  type MediaState,
  type ParticipantView,
  RealtimeConnection,
  type RealtimeEvents,
  type RealtimeState,
  type Store,
} from '@videoconf/client-sdk';
import WebSocket from 'ws';

const client: Client = createClient({ server: 'https://meet.example.com' });
export const title: Promise<string> = client.rooms.get('room').then((room) => room.title);
const conference: Conference = client.conference('room', { audio: false });
export const joined: Promise<void> = conference.join();
export const conferenceState: Store<ConferenceState> = conference.state;

const realtime = new RealtimeConnection({
  server: 'https://meet.example.com',
  roomId: 'room',
  getToken: async ({ refresh }) => (refresh ? 'fresh' : 'token'),
  WebSocket,
});
const state: Store<RealtimeState> = realtime.state;
export const stop = state.subscribe((value: RealtimeState) => value === 'open');
export const off = realtime.on('chat.message', (event: RealtimeEvents['chat.message']) => {
  const seq: number = event.data.message.seq;
  return seq;
});
export const sent: Promise<string> = realtime.sendChat('hi').then((message) => message.content);

export function describe(error: unknown): string {
  if (isApiError(error, 'ROOM_FULL')) return 'full';
  if (error instanceof ApiError) {
    const code: ApiErrorCode | (string & {}) = error.code;
    return `${error.status} ${code}`;
  }
  return 'other';
}
export const media: MediaState = 'off';
export const names = (views: ParticipantView[]): string[] => views.map((view) => view.displayName);
