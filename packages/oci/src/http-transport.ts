import { Agent, errors as undiciErrors, request, type Dispatcher } from 'undici';
import type { Readable, Writable } from 'node:stream';
import { OciError } from './errors.js';
import { Limits } from './limits.js';
import { abortError } from './retry.js';
import { createPolicyLookup, type EndpointPolicy, assertAddressAllowed } from './endpoint-policy.js';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';

/** The only methods that ever reach a registry: the client is read-only by construction. */
export type ReadMethod = 'GET' | 'HEAD';

export interface HttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: Readable;
  /** The URL that answered (after redirects). */
  readonly url: string;
}

export interface TlsOptions {
  /** Extra CA certificates (PEM) trusted for this host, in addition to the system store. */
  readonly ca?: string | readonly string[];
}

export interface HttpTransportOptions {
  readonly connectTimeoutMs: number;
  /** Time allowed for response headers, and the longest silence between body chunks. */
  readonly readTimeoutMs: number;
  readonly maxConnectionsPerHost: number;
  readonly endpointPolicy: EndpointPolicy;
  readonly userAgent: string;
  /** TLS settings per host[:port]. */
  readonly tls?: Readonly<Record<string, TlsOptions>>;
}

/**
 * One HTTP exchange over undici, with redirects followed by hand so that `Authorization`
 * never leaves the origin it was meant for (blob storage redirects go to other hosts with
 * signed URLs). Maps transport failures to typed errors; retries live one level up.
 */
export class HttpTransport {
  readonly #options: HttpTransportOptions;
  readonly #agents = new Map<string, Agent>();

  constructor(options: HttpTransportOptions) {
    this.#options = options;
  }

  async send(
    method: ReadMethod,
    url: string,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    let current = new URL(url);
    let currentMethod: ReadMethod = method;
    let currentHeaders: Record<string, string> = { 'user-agent': this.#options.userAgent, ...headers };
    for (let hop = 0; ; hop++) {
      const res = await this.#once(currentMethod, current, currentHeaders, signal);
      if (![301, 302, 303, 307, 308].includes(res.status)) return res;
      const location = res.headers.location;
      res.body.resume();
      if (typeof location !== 'string') {
        throw new OciError(
          'invalid_response',
          `${current.host} answered ${res.status} without a Location header`,
          {
            status: res.status,
          },
        );
      }
      if (hop >= Limits.redirects) {
        throw new OciError(
          'invalid_response',
          `more than ${Limits.redirects} redirects starting at ${new URL(url).host}`,
        );
      }
      const next = new URL(location, current);
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new OciError('invalid_response', `redirect to unsupported scheme ${next.protocol}`);
      }
      if (next.origin !== current.origin) {
        // Never forward credentials to another host (signed storage URLs carry their own).
        const { authorization: _drop, ...rest } = currentHeaders;
        currentHeaders = rest;
      }
      if (res.status === 303) currentMethod = method === 'HEAD' ? 'HEAD' : 'GET';
      current = next;
    }
  }

  /**
   * Pipes a response body into `sink`, turning body failures (a stall, a reset) into typed
   * errors on the sink, and releasing the connection when the sink is closed early.
   */
  pipeBody<T extends Writable & Readable>(res: HttpResponse, sink: T, signal: AbortSignal | undefined): T {
    const host = new URL(res.url).host;
    res.body.once('error', (cause) => sink.destroy(mapTransportError(cause, host, signal)));
    sink.once('close', () => res.body.destroy());
    res.body.pipe(sink);
    return sink;
  }

  async close(): Promise<void> {
    const agents = [...this.#agents.values()];
    this.#agents.clear();
    await Promise.all(agents.map((a) => a.close()));
  }

  async #once(
    method: ReadMethod,
    url: URL,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    if (signal?.aborted) throw abortError(signal);
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0) assertAddressAllowed(url.host, literal, this.#options.endpointPolicy);
    try {
      const res = await request(url, {
        method,
        headers,
        signal,
        dispatcher: this.#agentFor(url.host),
        headersTimeout: this.#options.readTimeoutMs,
        bodyTimeout: this.#options.readTimeoutMs,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body, url: url.toString() };
    } catch (cause) {
      throw mapTransportError(cause, url.host, signal);
    }
  }

  #agentFor(host: string): Dispatcher {
    const tls = this.#options.tls?.[host];
    const key = tls ? host : '*';
    let agent = this.#agents.get(key);
    if (!agent) {
      const ca = tls?.ca === undefined ? undefined : [...(typeof tls.ca === 'string' ? [tls.ca] : tls.ca)];
      agent = new Agent({
        connections: this.#options.maxConnectionsPerHost,
        connect: {
          timeout: this.#options.connectTimeoutMs,
          lookup: createPolicyLookup(this.#options.endpointPolicy),
          ...(ca ? { ca: [...ca, ...defaultCaList()] } : {}),
        },
      });
      this.#agents.set(key, agent);
    }
    return agent;
  }
}

/** Adding `ca` replaces Node's default trust store, so the bundled roots are kept alongside. */
function defaultCaList(): readonly string[] {
  return rootCertificates;
}

/** Maps socket, TLS, DNS and timeout failures (also those of a body mid-stream) to typed errors. */
export function mapTransportError(cause: unknown, host: string, signal: AbortSignal | undefined): OciError {
  if (cause instanceof OciError) return cause;
  if (signal?.aborted) return abortError(signal);
  const code = (cause as { code?: string } | null)?.code ?? '';
  if (
    cause instanceof undiciErrors.HeadersTimeoutError ||
    cause instanceof undiciErrors.BodyTimeoutError ||
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT'
  ) {
    return new OciError('timeout', `${host} did not answer in time`, { retryable: true, cause });
  }
  if (
    cause instanceof undiciErrors.ConnectTimeoutError ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    code === 'ETIMEDOUT'
  ) {
    return new OciError('timeout', `connecting to ${host} timed out`, { retryable: true, cause });
  }
  // The endpoint policy rejects inside dns.lookup; undici wraps that error.
  const inner = (cause as { cause?: unknown } | null)?.cause;
  if (inner instanceof OciError) return inner;
  if (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'EAI_AGAIN' ||
    code === 'EHOSTUNREACH' ||
    code === 'ENETUNREACH'
  ) {
    return new OciError('endpoint_unreachable', `cannot reach ${host} (${code})`, {
      retryable: code === 'EAI_AGAIN' || code === 'ECONNREFUSED',
      cause,
    });
  }
  if (
    code.startsWith('ERR_TLS') ||
    code.includes('CERT') ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN'
  ) {
    return new OciError(
      'tls_error',
      `TLS handshake with ${host} failed (${code}); provide its CA certificate or mark it insecure`,
      { cause },
    );
  }
  if (
    code === 'EPROTO' ||
    /wrong version number|packet length too long/i.test(String((cause as Error)?.message))
  ) {
    return new OciError(
      'tls_error',
      `TLS handshake with ${host} failed: is it plain HTTP? mark the registry insecure`,
      { cause },
    );
  }
  return new OciError(
    'endpoint_unreachable',
    `request to ${host} failed (${code || (cause as Error)?.message || 'unknown error'})`,
    {
      retryable: ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'].includes(code),
      cause,
    },
  );
}
