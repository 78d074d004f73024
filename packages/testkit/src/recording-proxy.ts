import { appendFileSync } from 'node:fs';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { listenOnLoopback } from './http-listen.js';

/** One request that went through a {@link RecordingProxy}. */
export interface RecordedRequest {
  readonly method: string;
  /** Path with query string, as the client sent it. */
  readonly path: string;
  /** Status the upstream answered (502 when the upstream could not be reached). */
  readonly status: number;
  /** Whether the client sent an `Authorization` header. */
  readonly authorization: boolean;
  /** Request headers as received, with the `Authorization` value reduced to its scheme. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface RecordingProxy {
  /** `127.0.0.1:PORT` */
  readonly host: string;
  readonly url: string;
  requests(): RecordedRequest[];
  clearRequests(): void;
  stop(): Promise<void>;
}

export interface RecordingProxyOptions {
  /** Append every recorded request as one JSON line to this file. */
  readonly logFile?: string;
}

// RFC 9110 §7.6.1: connection-specific fields are not forwarded by intermediaries.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'upgrade']);

/**
 * A transparent HTTP proxy in front of `target` (`host:port`) that records what clients ask.
 * Bodies stream both ways untouched; the `Host` header is passed through so the upstream builds
 * its absolute URLs for the proxy, and `Location` headers that still name the upstream are
 * rewritten to the proxy.
 *
 * @example
 * const proxy = await startRecordingProxy('127.0.0.1:5000');
 * await fetch(`${proxy.url}/v2/`);
 * proxy.requests(); // [{ method: 'GET', path: '/v2/', status: 200, authorization: false, headers: {...} }]
 */
export async function startRecordingProxy(
  target: string,
  options: RecordingProxyOptions = {},
): Promise<RecordingProxy> {
  const [targetHostname = '127.0.0.1', targetPort = '80'] = target.split(':');
  const agent = new Agent({ keepAlive: true });
  let recorded: RecordedRequest[] = [];
  let proxyHost = '';

  const record = (entry: RecordedRequest): void => {
    recorded.push(entry);
    if (options.logFile) {
      const line = { ...entry, proxy: proxyHost, upstream: target, time: new Date().toISOString() };
      appendFileSync(options.logFile, `${JSON.stringify(line)}\n`);
    }
  };

  const server = createServer((request, response) => {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const base = {
      method,
      path,
      authorization: request.headers.authorization !== undefined,
      headers: summarizeHeaders(request.headers),
    };
    const upstream = httpRequest(
      {
        host: targetHostname,
        port: Number(targetPort),
        method,
        path,
        headers: forwardHeaders(request.headers),
        agent,
      },
      (upstreamResponse) => {
        const status = upstreamResponse.statusCode ?? 502;
        const headers = forwardHeaders(upstreamResponse.headers);
        const location = headers.location;
        if (typeof location === 'string' && location.startsWith(`http://${target}`)) {
          headers.location = `http://${proxyHost}${location.slice(`http://${target}`.length)}`;
        }
        record({ ...base, status });
        response.writeHead(status, upstreamResponse.statusMessage, headers);
        upstreamResponse.pipe(response);
        upstreamResponse.once('error', () => response.destroy());
      },
    );
    upstream.once('error', (error) => {
      if (!response.headersSent) {
        record({ ...base, status: 502 });
        response.writeHead(502, { 'content-type': 'text/plain' }).end(`proxy: ${error.message}`);
      } else {
        response.destroy();
      }
    });
    // A client that goes away mid-transfer must not leave the upstream exchange running.
    response.once('close', () => {
      if (!response.writableFinished) upstream.destroy();
    });
    request.pipe(upstream);
  });

  const listening = await listenOnLoopback(server);
  proxyHost = listening.host;
  return {
    host: listening.host,
    url: `http://${listening.host}`,
    requests: () => [...recorded],
    clearRequests: () => {
      recorded = [];
    },
    stop: async () => {
      await listening.close();
      agent.destroy();
    },
  };
}

function forwardHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function summarizeHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : value;
    out[name] = name === 'authorization' ? `${text.split(' ')[0] ?? ''} ***` : text;
  }
  return out;
}
