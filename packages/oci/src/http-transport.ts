import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import { isIP } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type * as Tls from 'node:tls';
import { assertAddressAllowed, createPolicyLookup, type EndpointPolicy } from './endpoint-policy.js';
import { OciError } from './errors.js';
import { Limits } from './limits.js';
import { abortError } from './retry.js';

const requireBuiltin = createRequire(import.meta.url);
let tlsModules: { readonly https: typeof Https; readonly tls: typeof Tls } | undefined;

/**
 * node:https and node:tls, loaded with the first https URL: they take ~10–20 ms to load on a
 * small VM, which a one-shot `berth profile` of a plain-HTTP (local) registry never needs.
 */
function httpsModules(): { readonly https: typeof Https; readonly tls: typeof Tls } {
  return (tlsModules ??= {
    https: requireBuiltin('node:https') as typeof Https,
    tls: requireBuiltin('node:tls') as typeof Tls,
  });
}

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
  /** Extra CA certificates (PEM) trusted for this host, in addition to the bundled roots. */
  readonly ca?: string | readonly string[];
}

export interface HttpTransportOptions {
  readonly connectTimeoutMs: number;
  /** Longest silence allowed while waiting for headers or between body chunks. */
  readonly readTimeoutMs: number;
  readonly maxConnectionsPerHost: number;
  readonly endpointPolicy: EndpointPolicy;
  readonly userAgent: string;
  /** TLS settings per host[:port]. */
  readonly tls?: Readonly<Record<string, TlsOptions>>;
}

/**
 * One HTTP exchange over Node's own `http`/`https` (no extra start-up cost, keep-alive pools
 * per host), with redirects followed by hand so that `Authorization` never leaves the origin
 * it was meant for: blob storage redirects go to other hosts with signed URLs. Transport
 * failures become typed errors; retries live one level up.
 */
export class HttpTransport {
  readonly #options: HttpTransportOptions;
  readonly #agents = new Map<string, HttpAgent>();

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
    let currentHeaders: Record<string, string> = { 'user-agent': this.#options.userAgent, ...headers };
    for (let hop = 0; ; hop++) {
      const res = await this.#once(method, current, currentHeaders, signal);
      if (![301, 302, 303, 307, 308].includes(res.status)) return res;
      res.body.resume();
      const location = res.headers.location;
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
        const { authorization: _dropped, ...rest } = currentHeaders;
        currentHeaders = rest;
      }
      current = next;
    }
  }

  /**
   * Pipes a response body into `sink`, turning body failures (a stall, a reset) into typed
   * errors on the sink, and releasing the connection when the sink is closed early. `context`
   * says what broke off and where (prefixed to the error's message).
   */
  pipeBody<T extends Writable & Readable>(
    res: HttpResponse,
    sink: T,
    signal: AbortSignal | undefined,
    context?: () => string,
  ): T {
    const host = new URL(res.url).host;
    res.body.once('error', (cause) => {
      const error = mapTransportError(cause, host, signal);
      sink.destroy(
        context && !signal?.aborted
          ? new OciError(error.code, `${context()}: ${error.message}`, {
              retryable: error.retryable,
              ...(error.status === undefined ? {} : { status: error.status }),
              cause: error,
            })
          : error,
      );
    });
    sink.once('close', () => res.body.destroy());
    res.body.pipe(sink);
    return sink;
  }

  close(): Promise<void> {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
    return Promise.resolve();
  }

  #once(
    method: ReadMethod,
    url: URL,
    headers: Readonly<Record<string, string>>,
    signal: AbortSignal | undefined,
  ): Promise<HttpResponse> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0) assertAddressAllowed(url.host, literal, this.#options.endpointPolicy);
    const https = url.protocol === 'https:';
    const send = https ? httpsModules().https.request : httpRequest;
    return new Promise((resolve, reject) => {
      let response: IncomingMessage | undefined;
      let settled = false;
      const fail = (error: OciError): void => {
        if (response) response.destroy(error);
        else req.destroy(error);
      };
      const req = send(
        url,
        { method, headers, agent: this.#agentFor(url, https), ...(signal ? { signal } : {}) },
        (res) => {
          response = res;
          settled = true;
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res, url: url.toString() });
        },
      );
      req.setTimeout(this.#options.readTimeoutMs, () =>
        fail(
          new OciError('timeout', `${url.host} did not answer within ${this.#options.readTimeoutMs} ms`, {
            retryable: true,
          }),
        ),
      );
      req.once('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(
          () => fail(new OciError('timeout', `connecting to ${url.host} timed out`, { retryable: true })),
          this.#options.connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      req.once('error', (cause) => {
        if (!settled) {
          settled = true;
          reject(mapTransportError(cause, url.host, signal));
        }
      });
      req.end();
    });
  }

  #agentFor(url: URL, https: boolean): HttpAgent {
    const tls = https ? this.#options.tls?.[url.host] : undefined;
    const key = https ? (tls ? `https:${url.host}` : 'https') : 'http';
    let agent = this.#agents.get(key);
    if (!agent) {
      const common = {
        keepAlive: true,
        maxSockets: this.#options.maxConnectionsPerHost,
        lookup: createPolicyLookup(this.#options.endpointPolicy),
      };
      if (!https) agent = new HttpAgent(common);
      else {
        // Adding `ca` replaces Node's trust store, so the bundled roots are kept alongside.
        const modules = httpsModules();
        const ca =
          tls?.ca === undefined
            ? undefined
            : [...(typeof tls.ca === 'string' ? [tls.ca] : tls.ca), ...modules.tls.rootCertificates];
        agent = new modules.https.Agent({ ...common, ...(ca ? { ca } : {}) });
      }
      this.#agents.set(key, agent);
    }
    return agent;
  }
}

const TLS_CODES =
  /^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_(GET|VERIFY)|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|ERR_TLS_CERT_ALTNAME_INVALID)/;
const RETRYABLE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** Maps socket, TLS, DNS and timeout failures (also those of a body mid-stream) to typed errors. */
export function mapTransportError(cause: unknown, host: string, signal: AbortSignal | undefined): OciError {
  if (cause instanceof OciError) return cause;
  if (signal?.aborted) return abortError(signal);
  const code = (cause as { code?: string } | null)?.code ?? '';
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code === 'ETIMEDOUT')
    return new OciError('timeout', `connecting to ${host} timed out`, { retryable: true, cause });
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code)) {
    return new OciError('endpoint_unreachable', `cannot reach ${host} (${code})`, {
      retryable: code === 'EAI_AGAIN' || code === 'ECONNREFUSED',
      cause,
    });
  }
  if (TLS_CODES.test(code)) {
    const hint = /WRONG_VERSION_NUMBER/.test(code)
      ? 'is it plain HTTP? mark the registry insecure'
      : 'provide its CA certificate or mark it insecure';
    return new OciError('tls_error', `TLS with ${host} failed (${code}); ${hint}`, { cause });
  }
  return new OciError('endpoint_unreachable', `request to ${host} failed (${code || message})`, {
    retryable: RETRYABLE_SOCKET_CODES.has(code) || /socket hang up|aborted/i.test(message),
    cause,
  });
}
