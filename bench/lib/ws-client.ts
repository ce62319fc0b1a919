import WebSocket from 'ws';

// biome-ignore lint/suspicious/noExplicitAny: frames are read field by field
export type Frame = { type: string } & Record<string, any>;

export interface AuthedSocket {
  ws: WebSocket;
  /** The `ready` frame. */
  ready: Frame;
}

export interface ConnectOptions {
  /** Highest chat seq already held (resume). */
  since?: number;
  /** `rooms` (default) or the `chat` alias. */
  path?: 'rooms' | 'chat';
  timeoutMs?: number;
}

/**
 * Opens `<wsUrl>/ws/rooms/<roomId>`, sends the auth frame of docs/realtime.md and resolves with
 * the socket once `ready` arrived. Rejects on a refused upgrade, a close before `ready`, or a
 * timeout. Frames after `ready` are the caller's: attach `ws.on('message')` right away.
 */
export function connectAuthed(
  wsUrl: string,
  roomId: string,
  token: string,
  options: ConnectOptions = {},
): Promise<AuthedSocket> {
  const ws = new WebSocket(`${wsUrl}/ws/${options.path ?? 'rooms'}/${roomId}`, {
    perMessageDeflate: false,
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no ready within ${options.timeoutMs ?? 10_000} ms`));
    }, options.timeoutMs ?? 10_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      reject(error);
    };
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      fail(new Error(`upgrade refused with ${res.statusCode}`));
    });
    ws.once('error', fail);
    ws.once('close', (code, reason) => fail(new Error(`closed ${code} ${reason} before ready`)));
    ws.once('open', () => {
      ws.send(
        JSON.stringify({
          type: 'auth',
          token,
          ...(options.since !== undefined && { since: options.since }),
        }),
      );
    });
    ws.once('message', (data) => {
      clearTimeout(timer);
      ws.removeAllListeners('close');
      ws.removeAllListeners('error');
      ws.on('error', () => {
        // Surfaces as a close.
      });
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString()) as Frame;
      } catch {
        reject(new Error('first frame is not JSON'));
        return;
      }
      if (frame.type !== 'ready') {
        ws.terminate();
        reject(new Error(`expected ready, got ${data.toString().slice(0, 200)}`));
        return;
      }
      resolve({ ws, ready: frame });
    });
  });
}

/** Connects many sockets with at most `concurrency` handshakes in flight. */
export async function connectMany(
  count: number,
  connect: (index: number) => Promise<AuthedSocket>,
  concurrency = 50,
): Promise<AuthedSocket[]> {
  const sockets: AuthedSocket[] = new Array(count);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < count) {
      const index = nextIndex++;
      sockets[index] = await connect(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return sockets;
}
