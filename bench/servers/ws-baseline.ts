/**
 * The baseline of the WebSocket scenarios: a bare `ws` server on a bare `node:http` server. No
 * authentication, no storage, no rooms: the first frame of a socket (the client's auth frame)
 * is answered `{"type":"ready"}`, and a `chat.send` frame is turned into a `chat.message` frame
 * of the same shape and size as ours, serialised once and sent to every open socket, the
 * sender included (as ours does).
 *
 * Ready line: `{"ready":true,"port":N,"roomId":…}`. Command `{"cmd":"memory"}` as ws-ours.ts.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { type WebSocket, WebSocketServer } from 'ws';
import { intEnv, serve } from '../lib/serve';
import { cpu, memory, SAMPLE_IDS, snapshot } from '../lib/ws-child';

const roomId = randomUUID();
const server = createServer((_request, response) => {
  response.statusCode = 404;
  response.end();
});
// The same frame limit as ours; no compression (ours has none either).
const wss = new WebSocketServer({ server, maxPayload: 16 * 1024, perMessageDeflate: false });
let seq = 0;

wss.on('connection', (ws: WebSocket) => {
  let authenticated = false;
  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    if (!authenticated) {
      authenticated = true;
      ws.send('{"type":"ready"}');
      return;
    }
    let frame: { type?: string; content?: unknown };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      return;
    }
    if (frame.type !== 'chat.send' || typeof frame.content !== 'string') return;
    const at = new Date().toISOString();
    seq += 1;
    const raw = JSON.stringify({
      type: 'chat.message',
      roomId,
      at,
      data: {
        message: {
          id: randomUUID(),
          roomId,
          seq,
          senderParticipantId: SAMPLE_IDS.participantId,
          senderUserId: SAMPLE_IDS.userId,
          senderDisplayName: 'Bench host',
          messageType: 'user',
          content: frame.content,
          createdAt: at,
          editedAt: null,
          deletedAt: null,
        },
      },
    });
    for (const client of wss.clients) {
      if (client.readyState === client.OPEN) client.send(raw);
    }
  });
});

server.listen(intEnv('PORT', 0), '127.0.0.1', () => {
  const address = server.address();
  serve({
    port: typeof address === 'object' && address ? address.port : 0,
    info: { roomId },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      await new Promise((resolve) => server.close(resolve));
    },
    commands: { memory: () => memory(), snapshot, cpu },
  });
});
