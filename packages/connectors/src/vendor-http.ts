import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { rootCertificates } from 'node:tls';
import {
  assertAddressAllowed,
  backoffDelay,
  createPolicyLookup,
  DEFAULT_RETRY_POLICY,
  isOciError,
  OciError,
  parseRateLimit,
  parseRetryAfter,
  readLimited,
  redact,
  sleep,
  type EndpointPolicy,
  type RateLimitInfo,
  type RetryPolicy,
} from '@berth/oci';
import { ConnectorError, fromOciError } from './connector-error.js';

export interface VendorHttpOptions {
  /** "Docker Hub", "AWS ECR"…: the subject of every error sentence. */
  readonly platformName: string;
  readonly endpointPolicy: EndpointPolicy;
  readonly retry?: Partial<RetryPolicy>;
  readonly userAgent?: string;
  readonly connectTimeoutMs?: number;
  /** Longest silence while waiting for headers or between body chunks. */
  readonly readTimeoutMs?: number;
  /** Largest JSON body read into memory (default 8 MiB). */
  readonly maxResponseBytes?: number;
  /** Extra trusted CA certificates (PEM), e.g. for self-hosted Quay. */
  readonly caCert?: string;
}

export interface VendorRequest {
  readonly method: 'GET' | 'POST';
  readonly url: string | URL;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sent as `application/json`. */
  readonly json?: unknown;
  /** Sent as `application/x-www-form-urlencoded`. */
  readonly form?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal | undefined;
  /** What is being done, for error sentences ("listing the repositories of acme"). */
  readonly what: string;
  /** Statuses handed back to the caller instead of thrown (besides 2xx). */
  readonly accept?: readonly number[];
}

export interface VendorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Parsed JSON when the body is JSON, otherwise the text. */
  readonly body: unknown;
  readonly text: string;
  readonly url: string;
}

/** Statuses worth another try: overload and gateway failures (RFC 9110 §15.6, RFC 6585 §4). */
const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const RETRYABLE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ECONNREFUSED', 'EAI_AGAIN']);

/**
 * JSON over HTTP to a vendor's control-plane API (Docker Hub, Quay, GitHub, Google…), with the
 * same guarantees as the registry client: the endpoint policy is checked on the resolved address
 * at connect time (and on literal IPs before any packet), timeouts, `AbortSignal`, a size cap on
 * bodies, retries with backoff on 429/502/503/504 honouring `Retry-After` up to a bound, and the
 * vendor's rate-limit headers captured. Failures become {@link ConnectorError}s whose sentences
 * name the platform and never contain a secret.
 *
 * @example
 * const http = new VendorHttp({ platformName: 'Quay', endpointPolicy: 'default' });
 * const { body } = await http.request({ method: 'GET', url: 'https://quay.io/api/v1/repository?namespace=acme', what: 'listing repositories' });
 */
export class VendorHttp {
  readonly #options: VendorHttpOptions;
  readonly #retry: RetryPolicy;
  readonly #agents = new Map<string, HttpAgent>();
  #rateLimit: RateLimitInfo | undefined;

  constructor(options: VendorHttpOptions) {
    this.#options = options;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
  }

  /** The quota the vendor reported on its last response, if it reports any. */
  rateLimit(): RateLimitInfo | undefined {
    return this.#rateLimit;
  }

  async request(req: VendorRequest): Promise<VendorResponse> {
    const url = new URL(req.url);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new ConnectorError('invalid_configuration', `${url.protocol} URLs are not supported`);
    }
    for (let attempt = 0; ; attempt++) {
      let res: VendorResponse;
      try {
        res = await this.#once(url, req);
      } catch (error) {
        const retryable = isOciError(error) && error.retryable;
        if (retryable && attempt < this.#retry.maxRetries) {
          await this.#sleep(backoffDelay(attempt, this.#retry), req.signal);
          continue;
        }
        throw fromOciError(error, this.#options.platformName);
      }
      const quota = parseRateLimit(res.headers);
      if (quota) this.#rateLimit = quota;
      if (res.status >= 200 && res.status < 300) return res;
      if (req.accept?.includes(res.status)) return res;
      const retryAfterMs = parseRetryAfter(header(res.headers, 'retry-after'));
      if (RETRYABLE_STATUS.has(res.status) && attempt < this.#retry.maxRetries) {
        const delay = retryAfterMs ?? backoffDelay(attempt, this.#retry);
        // A wait longer than we accept is reported, not slept through (the job can come back later).
        if (delay <= this.#retry.maxDelayMs) {
          await this.#sleep(delay, req.signal);
          continue;
        }
      }
      throw vendorStatusError(this.#options.platformName, req.what, res, retryAfterMs);
    }
  }

  close(): Promise<void> {
    for (const agent of this.#agents.values()) agent.destroy();
    this.#agents.clear();
    return Promise.resolve();
  }

  async #sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
    try {
      await sleep(ms, signal);
    } catch (error) {
      throw fromOciError(error, this.#options.platformName);
    }
  }

  #once(url: URL, req: VendorRequest): Promise<VendorResponse> {
    const { signal } = req;
    if (signal?.aborted) return Promise.reject(new OciError('aborted', 'the operation was aborted'));
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    // The lookup below never runs for literal addresses: check them here, before any packet.
    if (isIP(literal) !== 0) assertAddressAllowed(url.host, literal, this.#options.endpointPolicy);
    let payload: Buffer | undefined;
    const headers: Record<string, string> = {
      accept: 'application/json',
      'user-agent': this.#options.userAgent ?? 'berth/0.1 (+read-only)',
      ...req.headers,
    };
    if (req.json !== undefined) {
      payload = Buffer.from(JSON.stringify(req.json));
      headers['content-type'] = 'application/json';
    } else if (req.form !== undefined) {
      payload = Buffer.from(new URLSearchParams(req.form).toString());
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    if (payload) headers['content-length'] = String(payload.byteLength);
    const https = url.protocol === 'https:';
    const send = https ? httpsRequest : httpRequest;
    const readTimeoutMs = this.#options.readTimeoutMs ?? 30_000;
    const connectTimeoutMs = this.#options.connectTimeoutMs ?? 10_000;
    const limit = this.#options.maxResponseBytes ?? DEFAULT_MAX_BYTES;
    return new Promise<IncomingMessage>((resolve, reject) => {
      let settled = false;
      const r = send(
        url,
        { method: req.method, headers, agent: this.#agentFor(https), ...(signal ? { signal } : {}) },
        (res) => {
          settled = true;
          resolve(res);
        },
      );
      r.setTimeout(readTimeoutMs, () =>
        r.destroy(
          new OciError('timeout', `${url.host} did not answer within ${readTimeoutMs} ms`, {
            retryable: true,
          }),
        ),
      );
      r.once('socket', (socket) => {
        if (!socket.connecting) return;
        const timer = setTimeout(
          () =>
            r.destroy(new OciError('timeout', `connecting to ${url.host} timed out`, { retryable: true })),
          connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(timer));
        socket.once('close', () => clearTimeout(timer));
      });
      r.once('error', (cause) => {
        if (settled) return;
        settled = true;
        reject(transportError(cause, url.host, signal));
      });
      r.end(payload);
    }).then(async (res) => {
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > limit) {
        res.destroy();
        throw new OciError(
          'response_too_large',
          `${url.host} sent a ${declared}-byte answer; the limit is ${limit}`,
        );
      }
      let raw: Buffer;
      try {
        raw = await readLimited(res, limit, `the answer of ${url.host}`);
      } catch (cause) {
        throw transportError(cause, url.host, signal);
      }
      const text = raw.toString('utf8');
      let body: unknown = text;
      const type = header(res.headers, 'content-type') ?? '';
      if (/json/i.test(type) || /^\s*[[{]/.test(text)) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return { status: res.statusCode ?? 0, headers: res.headers, body, text, url: url.toString() };
    });
  }

  #agentFor(https: boolean): HttpAgent {
    const key = https ? 'https' : 'http';
    let agent = this.#agents.get(key);
    if (!agent) {
      const common = {
        keepAlive: true,
        maxSockets: 8,
        lookup: createPolicyLookup(this.#options.endpointPolicy),
      };
      const ca = this.#options.caCert ? [this.#options.caCert, ...rootCertificates] : undefined;
      agent = https ? new HttpsAgent({ ...common, ...(ca ? { ca } : {}) }) : new HttpAgent(common);
      this.#agents.set(key, agent);
    }
    return agent;
  }
}

export function header(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The vendor's own explanation from an error body, shortened and redacted. */
export function vendorReason(body: unknown): string | undefined {
  const pick = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  let reason: string | undefined;
  if (typeof body === 'object' && body !== null) {
    const b = body as Record<string, unknown>;
    const nested =
      typeof b.error === 'object' && b.error !== null ? (b.error as Record<string, unknown>) : {};
    const first =
      Array.isArray(b.errors) && typeof b.errors[0] === 'object'
        ? (b.errors[0] as Record<string, unknown>)
        : {};
    reason =
      pick(b.message) ??
      pick(b.error_message) ??
      pick(b.detail) ??
      pick(b.error_description) ??
      pick(nested.message) ??
      pick(first.message) ??
      pick(b.error) ??
      pick(b.details);
  } else if (typeof body === 'string' && body.length < 300 && !/<html/i.test(body)) {
    reason = pick(body);
  }
  if (!reason) return undefined;
  const short = reason.length > 200 ? `${reason.slice(0, 200)}…` : reason;
  return redact(short);
}

/** Maps a vendor's HTTP status to a connector error with a sentence a person can act on. */
export function vendorStatusError(
  platformName: string,
  what: string,
  res: Pick<VendorResponse, 'status' | 'body'>,
  retryAfterMs?: number,
): ConnectorError {
  const reason = vendorReason(res.body);
  const suffix = reason ? ` (${platformName} said: ${reason})` : '';
  switch (res.status) {
    case 401:
      return new ConnectorError(
        'invalid_credentials',
        `${platformName} rejected the credentials while ${what}${suffix}`,
      );
    case 403:
      return new ConnectorError(
        'insufficient_permissions',
        `${platformName} accepted the credentials but they may not be used for ${what}${suffix}`,
      );
    case 404:
      return new ConnectorError('not_found', `${platformName} found nothing while ${what}${suffix}`);
    case 429:
      return new ConnectorError(
        'rate_limited',
        `${platformName} is rate limiting Berth while ${what}${retryAfterMs === undefined ? '' : `; it asks to wait ${Math.ceil(retryAfterMs / 1000)} s`}`,
        { retryable: true, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) },
      );
    default:
      return new ConnectorError(
        'vendor_error',
        `${platformName} answered ${res.status} while ${what}${suffix}`,
        {
          retryable: res.status >= 500,
        },
      );
  }
}

function transportError(cause: unknown, host: string, signal: AbortSignal | undefined): OciError {
  if (cause instanceof OciError) return cause;
  if (signal?.aborted) return new OciError('aborted', 'the operation was aborted', { cause: signal.reason });
  const code = (cause as { code?: string } | null)?.code ?? '';
  const message = cause instanceof Error ? cause.message : String(cause);
  if (code === 'ETIMEDOUT')
    return new OciError('timeout', `connecting to ${host} timed out`, { retryable: true, cause });
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(code))
    return new OciError('endpoint_unreachable', `cannot reach ${host} (${code})`, {
      retryable: RETRYABLE_SOCKET_CODES.has(code),
      cause,
    });
  if (/^(ERR_SSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED)/.test(code))
    return new OciError('tls_error', `TLS with ${host} failed (${code})`, { cause });
  return new OciError('endpoint_unreachable', `request to ${host} failed (${code || message})`, {
    retryable: RETRYABLE_SOCKET_CODES.has(code) || /socket hang up/i.test(message),
    cause,
  });
}
