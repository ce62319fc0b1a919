import { connect, createServer, type Socket } from 'node:net';

/** A TCP relay from a free loopback port to `127.0.0.1:targetPort`: a network a test can break. */
export interface TcpRelay {
  /** The relay's port on 127.0.0.1. */
  readonly port: number;
  /** Connections relayed now. */
  readonly connections: number;
  /** Drops every connection and refuses new ones (until `restore`): a network cut. */
  cut(): void;
  /**
   * Keeps the connections (and accepts new ones) but stops carrying bytes (until `restore`): a
   * dead link. `toClient` drops only what the target sends, so requests still arrive and their
   * answers are lost.
   */
  stall(direction?: 'both' | 'toClient'): void;
  restore(): void;
  close(): Promise<void>;
}

/** Starts a relay to `127.0.0.1:targetPort`. */
export async function tcpRelay(targetPort: number): Promise<TcpRelay> {
  let mode: 'open' | 'cut' | 'stall' | 'toClient' = 'open';
  const open = new Set<Socket>();
  let pairs = 0;
  const server = createServer((client) => {
    if (mode === 'cut') {
      client.destroy();
      return;
    }
    const upstream = connect(targetPort, '127.0.0.1');
    pairs++;
    let closed = false;
    for (const [from, to, carries] of [
      [client, upstream, () => mode === 'open' || mode === 'toClient'],
      [upstream, client, () => mode === 'open'],
    ] as const) {
      open.add(from);
      from.on('error', () => undefined);
      // Bytes that arrive during a stall are lost, as on a dead link.
      from.on('data', (chunk) => {
        if (carries()) to.write(chunk);
      });
      from.on('close', () => {
        open.delete(from);
        if (!closed) {
          closed = true;
          pairs--;
        }
        client.destroy();
        upstream.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const dropAll = () => {
    for (const socket of open) socket.destroy();
  };
  return {
    port,
    get connections() {
      return pairs;
    },
    cut() {
      mode = 'cut';
      dropAll();
    },
    stall(direction = 'both') {
      mode = direction === 'both' ? 'stall' : 'toClient';
    },
    restore() {
      mode = 'open';
    },
    async close() {
      dropAll();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
