import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { listenOnLoopback } from './http-listen.js';

/** What a {@link FaultProxy} rule looks at. */
export interface FaultRequest {
  readonly method: string;
  /** Path with query string, as the client sent it. */
  readonly path: string;
}

export type FaultMatch = (request: FaultRequest) => boolean;

/**
 * A loopback HTTP proxy in front of a real server that misbehaves on command, for fault tests:
 * it holds matching requests unanswered (so a client stops at a known point), cuts a response
 * off in the middle of its body, and goes away entirely (every connection reset) until told
 * to come back. Everything else is forwarded untouched, as by {@link startRecordingProxy}.
 */
export interface FaultProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly url: string;
  /** From now on, matching requests wait (unforwarded) until {@link release}. */
  hold(match: FaultMatch): void;
  /** Requests waiting now (clients that went away are not counted). */
  held(): FaultRequest[];
  /** Stops holding and forwards every waiting request. */
  release(): void;
  /**
   * The next response to a matching request is cut after `bytes` bytes of its body (headers,
   * with the full `Content-Length`, are sent); with `vanish`, the proxy is down from that moment
   * on: every connection, new or kept alive, is reset until {@link restore}.
   */
  cutAfter(match: FaultMatch, bytes: number, options?: { vanish?: boolean }): void;
  /** Responses cut so far. */
  cuts(): number;
  /** Whether the proxy resets every connection (after a vanishing cut, or {@link vanish}). */
  isDown(): boolean;
  /** Resets every connection from now on, until {@link restore}. */
  vanish(): void;
  /** Serves again. */
  restore(): void;
  /** Forwarded requests so far (held and reset ones are not counted). */
  forwarded(): FaultRequest[];
  stop(): Promise<void>;
}

// RFC 9110 §7.6.1: connection-specific fields are not forwarded by intermediaries.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

function forwardHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/**
 * Starts a {@link FaultProxy} in front of `target` (`host:port`, plain HTTP).
 *
 * @example
 * const proxy = await startFaultProxy(registry.pushHost);
 * proxy.cutAfter((r) => r.path.includes('/blobs/'), 65_536, { vanish: true });
 * // … a client reads 64 KiB of the blob, then the registry is gone …
 * proxy.restore();
 */
export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const [targetHostname = '127.0.0.1', targetPort = '80'] = target.split(':');
  const agent = new Agent({ keepAlive: true });
  let proxyHost = '';
  let holding: FaultMatch | undefined;
  let waiting: { request: FaultRequest; go: () => void; gone: () => boolean }[] = [];
  let cut: { match: FaultMatch; bytes: number; vanish: boolean } | undefined;
  let cutCount = 0;
  let down = false;
  const forwarded: FaultRequest[] = [];
  const sockets = new Set<Socket>();

  const goDown = (): void => {
    down = true;
    for (const socket of sockets) socket.destroy();
  };

  function forward(
    request: IncomingMessage,
    response: ServerResponse,
    info: FaultRequest,
    cutAt: number | undefined,
    vanish: boolean,
  ): void {
    if (down) {
      request.socket.destroy();
      return;
    }
    forwarded.push(info);
    const upstream = httpRequest(
      {
        host: targetHostname,
        port: Number(targetPort),
        method: info.method,
        path: info.path,
        headers: forwardHeaders(request.headers),
        agent,
      },
      (upstreamResponse) => {
        const headers = forwardHeaders(upstreamResponse.headers);
        const location = headers.location;
        if (typeof location === 'string' && location.startsWith(`http://${target}`))
          headers.location = `http://${proxyHost}${location.slice(`http://${target}`.length)}`;
        response.writeHead(upstreamResponse.statusCode ?? 502, upstreamResponse.statusMessage, headers);
        if (cutAt === undefined) {
          upstreamResponse.pipe(response);
          upstreamResponse.once('error', () => response.destroy());
          return;
        }
        let sent = 0;
        upstreamResponse.on('data', (chunk: Buffer) => {
          if (sent >= cutAt) return;
          const part = chunk.subarray(0, cutAt - sent);
          sent += part.length;
          if (sent < cutAt) {
            response.write(part);
            return;
          }
          cutCount++;
          upstreamResponse.destroy();
          // The bytes so far reach the client, then the connection ends short of Content-Length.
          response.write(part, () => {
            response.socket?.destroy();
            if (vanish) goDown();
          });
        });
        upstreamResponse.once('end', () => response.end());
        // After the cut, the upstream is destroyed on purpose: its error must not cut the cut short.
        upstreamResponse.once('error', () => void (sent < cutAt && response.destroy()));
      },
    );
    upstream.once('error', (error) => {
      if (!response.headersSent)
        response.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${error.message}`);
      else response.destroy();
    });
    response.once('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  }

  const server = createServer((request, response) => {
    const info: FaultRequest = { method: request.method ?? 'GET', path: request.url ?? '/' };
    if (down) {
      request.socket.destroy();
      return;
    }
    if (holding?.(info)) {
      let closed = false;
      response.once('close', () => (closed = true));
      waiting.push({
        request: info,
        go: () => forward(request, response, info, undefined, false),
        gone: () => closed,
      });
      return;
    }
    const rule = cut && cut.match(info) ? cut : undefined;
    if (rule) cut = undefined;
    forward(request, response, info, rule?.bytes, rule?.vanish ?? false);
  });
  server.on('connection', (socket) => {
    if (down) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const listening = await listenOnLoopback(server);
  proxyHost = listening.host;
  return {
    host: listening.host,
    url: `http://${listening.host}`,
    hold: (match) => void (holding = match),
    held: () => waiting.filter((w) => !w.gone()).map((w) => w.request),
    release: () => {
      holding = undefined;
      const ready = waiting;
      waiting = [];
      for (const w of ready) if (!w.gone()) w.go();
    },
    cutAfter: (match, bytes, options = {}) => {
      cut = { match, bytes, vanish: options.vanish ?? false };
    },
    cuts: () => cutCount,
    isDown: () => down,
    vanish: goDown,
    restore: () => void (down = false),
    forwarded: () => [...forwarded],
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      await listening.close();
      agent.destroy();
    },
  };
}
