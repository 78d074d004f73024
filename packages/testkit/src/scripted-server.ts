import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from './http-listen.js';

/** What a scripted server saw; `index` counts from 0 in arrival order. */
export interface ScriptedRequest {
  readonly index: number;
  readonly method: string;
  /** Path with query string. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
}

export interface ScriptedContext {
  /** Arrival order of this request, from 0. */
  readonly index: number;
  /** `http://127.0.0.1:PORT` of this server (to build absolute redirects or Link headers). */
  readonly url: string;
}

export type ScriptedHandler = (
  request: IncomingMessage,
  response: ServerResponse,
  context: ScriptedContext,
) => void | Promise<void>;

export interface ScriptedServer {
  readonly url: string;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly port: number;
  requests(): ScriptedRequest[];
  clearRequests(): void;
  /** Closes the server and destroys open connections, including ones the handler left hanging. */
  stop(): Promise<void>;
}

/**
 * Runs a node:http server on a free loopback port with a handler written by the test: rate
 * limits, stalls, redirects to a second host, malformed answers. A handler that throws answers
 * 500 (if nothing was sent yet). A handler may leave a response open forever to simulate a
 * stall; `stop()` still returns promptly.
 *
 * @example
 * const server = await startScriptedServer((req, res, { index }) => {
 *   if (index === 0) {
 *     res.writeHead(429, { 'retry-after': '1' }).end();
 *     return;
 *   }
 *   res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
 * });
 * await fetch(`${server.url}/v2/`);
 * await server.stop();
 */
export async function startScriptedServer(handler: ScriptedHandler): Promise<ScriptedServer> {
  let recorded: ScriptedRequest[] = [];
  let count = 0;
  let url = '';
  const server = createServer((request, response) => {
    const index = count++;
    recorded.push({
      index,
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
    });
    Promise.resolve()
      .then(() => handler(request, response, { index, url }))
      .catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(500, { 'content-type': 'text/plain' });
          response.end(`scripted handler failed: ${String(error)}`);
        } else {
          response.destroy();
        }
      });
  });
  const listening = await listenOnLoopback(server);
  url = `http://${listening.host}`;
  return {
    url,
    host: listening.host,
    port: listening.port,
    requests: () => [...recorded],
    clearRequests: () => {
      recorded = [];
    },
    stop: () => listening.close(),
  };
}
