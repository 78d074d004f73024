import type { AuthConfig } from './auth.js';
import type { Challenge } from './challenge.js';
import { OciError } from './errors.js';
import type { HttpResponse, HttpTransport } from './http-transport.js';
import { Limits } from './limits.js';
import { readLimited } from './read-body.js';

interface CachedToken {
  readonly token: string;
  readonly refreshAt: number;
}

export interface TokenRequest {
  readonly registry: string;
  readonly challenge: Challenge;
  readonly scope: string;
  readonly auth: AuthConfig;
  readonly signal: AbortSignal | undefined;
  /** False forces a new token (credential checks). */
  readonly useCache: boolean;
  readonly retry: (send: () => Promise<HttpResponse>) => Promise<HttpResponse>;
}

/** distribution token spec: "If omitted, the token should be assumed to be valid for 60 seconds". */
const DEFAULT_EXPIRES_IN_S = 60;

/**
 * Bearer tokens from a registry's token realm (distribution `token.md`), cached per registry
 * and scope until shortly before they expire; concurrent requests for one scope share a fetch.
 */
export class TokenCache {
  readonly #transport: HttpTransport;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #inflight = new Map<string, Promise<string>>();
  readonly #now: () => number;

  constructor(transport: HttpTransport, now: () => number = Date.now) {
    this.#transport = transport;
    this.#now = now;
  }

  async token(request: TokenRequest): Promise<string> {
    const key = `${request.registry}\n${request.scope}`;
    if (request.useCache) {
      const cached = this.#tokens.get(key);
      if (cached && cached.refreshAt > this.#now()) return cached.token;
      const pending = this.#inflight.get(key);
      if (pending) return pending;
    }
    const fetching = this.#fetch(request)
      .then((cached) => {
        this.#tokens.set(key, cached);
        return cached.token;
      })
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, fetching);
    return fetching;
  }

  invalidate(registry: string, scope: string): void {
    this.#tokens.delete(`${registry}\n${scope}`);
  }

  async #fetch(request: TokenRequest): Promise<CachedToken> {
    const realm = request.challenge.params.realm;
    if (!realm)
      throw new OciError('invalid_response', `${request.registry} sent a Bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch (cause) {
      throw new OciError('invalid_response', `${request.registry} sent an invalid token realm`, { cause });
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new OciError(
        'invalid_response',
        `${request.registry} sent a token realm with scheme ${url.protocol}`,
      );
    }
    const service = request.challenge.params.service;
    if (service) url.searchParams.set('service', service);
    url.searchParams.append('scope', request.scope);
    const headers: Record<string, string> = {};
    const { auth } = request;
    if (auth.kind === 'basic') {
      headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      url.searchParams.set('account', auth.username);
    }
    const res = await request.retry(() =>
      this.#transport.send('GET', url.toString(), headers, request.signal),
    );
    const body = await readLimited(res.body, Limits.tokenBytes, `the token response from ${url.host}`);
    if (res.status === 401 || res.status === 403) {
      throw new OciError(
        'unauthorized',
        auth.kind === 'anonymous'
          ? `${request.registry} requires credentials (its token service at ${url.host} refused anonymous access)`
          : `the token service at ${url.host} rejected the credentials for ${request.registry}`,
        { status: res.status },
      );
    }
    if (res.status !== 200) {
      throw new OciError('registry_error', `the token service at ${url.host} answered ${res.status}`, {
        status: res.status,
        retryable: res.status >= 500 || res.status === 429,
      });
    }
    let doc: { token?: unknown; access_token?: unknown; expires_in?: unknown };
    try {
      doc = JSON.parse(body.toString('utf8')) as typeof doc;
    } catch (cause) {
      throw new OciError('invalid_response', `the token service at ${url.host} did not answer JSON`, {
        cause,
      });
    }
    const token = typeof doc.token === 'string' && doc.token ? doc.token : doc.access_token;
    if (typeof token !== 'string' || token.length === 0) {
      throw new OciError('invalid_response', `the token service at ${url.host} answered without a token`);
    }
    const expiresIn =
      typeof doc.expires_in === 'number' && doc.expires_in > 0 ? doc.expires_in : DEFAULT_EXPIRES_IN_S;
    // Refresh a little early: a tenth of the lifetime, at most 30 s, so long pulls never
    // start a request with a token that expires on the way.
    const margin = Math.min(30, expiresIn / 10) * 1000;
    return { token, refreshAt: this.#now() + expiresIn * 1000 - margin };
  }
}
