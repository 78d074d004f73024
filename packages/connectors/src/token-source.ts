import type { AuthConfig, Authenticator } from '@berth/oci';
import { ConnectorError } from './connector-error.js';

export interface IssuedToken<T> {
  readonly value: T;
  /** Epoch milliseconds after which the vendor no longer accepts it. */
  readonly expiresAt: number;
}

/**
 * One short-lived credential (a vendor API token, an STS session, an ECR authorization token):
 * fetched on first use, shared by concurrent callers, and replaced a little before it expires —
 * a tenth of its lifetime early, at most five minutes — so a long listing never starts a
 * request with a token that dies on the way. `invalidate()` forces the next caller to fetch.
 * {@link tokenAuthenticator} presents such a token to a registry and drops it when refused.
 */
export class TokenSource<T> {
  readonly #fetch: (signal?: AbortSignal) => Promise<IssuedToken<T>>;
  readonly #now: () => number;
  #current: { token: IssuedToken<T>; refreshAt: number } | undefined;
  #pending: Promise<T> | undefined;

  constructor(fetch: (signal?: AbortSignal) => Promise<IssuedToken<T>>, now: () => number = Date.now) {
    this.#fetch = fetch;
    this.#now = now;
  }

  get(signal?: AbortSignal): Promise<T> {
    const current = this.#current;
    if (current && current.refreshAt > this.#now()) return Promise.resolve(current.token.value);
    this.#pending ??= this.#fetch(signal)
      .then((token) => {
        const now = this.#now();
        const margin = Math.min(5 * 60_000, Math.max(0, token.expiresAt - now) / 10);
        this.#current = { token, refreshAt: token.expiresAt - margin };
        return token.value;
      })
      .finally(() => {
        this.#pending = undefined;
      });
    return this.#pending;
  }

  /**
   * Forgets the token. With `rejected`, only when it is still the current one: requests that
   * failed together with one stale token then cause one fetch, not one each.
   */
  invalidate(rejected?: T): void {
    if (rejected !== undefined && this.#current && this.#current.token.value !== rejected) return;
    this.#current = undefined;
  }

  /**
   * Runs `work` with the token; when the vendor says the token is no good any more (it expired
   * early or was revoked: `invalid_credentials`), fetches a fresh one and tries once more.
   */
  async use<R>(work: (token: T) => Promise<R>, signal?: AbortSignal): Promise<R> {
    const token = await this.get(signal);
    try {
      return await work(token);
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.code !== 'invalid_credentials') throw error;
      this.invalidate();
      return work(await this.get(signal));
    }
  }
}

/** `exp` of a JWT, in epoch milliseconds, when the token is one (Hub's are). */
export function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A registry authenticator backed by a short-lived token (ECR's registry password, a Google
 * access token): when the registry refuses what it gave, the token is dropped so the registry
 * client's retry fetches a fresh one.
 */
export function tokenAuthenticator<T>(
  source: TokenSource<T>,
  toAuth: (token: T) => AuthConfig,
): Authenticator {
  const given = new WeakMap<AuthConfig, T>();
  return {
    async authorization(signal) {
      const token = await source.get(signal);
      const config = toAuth(token);
      given.set(config, token);
      return config;
    },
    invalidate(rejected) {
      const token = given.get(rejected);
      if (token !== undefined) source.invalidate(token);
    },
  };
}
