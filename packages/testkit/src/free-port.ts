import { createServer } from 'node:net';

/**
 * Asks the OS for a free TCP port on loopback. The port is released before it is returned, so
 * callers that hand it to another process must cope with the (rare) case that it is taken again.
 *
 * @example
 * const port = await freePort();
 */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close((error) => (error ? reject(error) : resolve(port)));
    });
  });
}
