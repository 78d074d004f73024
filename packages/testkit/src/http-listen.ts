import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** A node:http server listening on a loopback port the OS chose. */
export interface ListeningServer {
  readonly port: number;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  /** Destroys every open connection (including stalled ones) and closes the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Listens on `127.0.0.1:0` and tracks sockets so that `close()` never waits on a keep-alive or
 * deliberately stalled connection.
 *
 * @example
 * const { host, close } = await listenOnLoopback(createServer(handler));
 */
export async function listenOnLoopback(server: Server): Promise<ListeningServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  const port = address.port;
  let closing: Promise<void> | undefined;
  return {
    port,
    host: `127.0.0.1:${port}`,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
