import type { Readable } from 'node:stream';
import { ANONYMOUS_KEYCHAIN, type AuthConfig, type Authenticator, type Keychain } from './auth.js';
import { CATALOG_SCOPE, parseChallenges, repositoryScope, type Challenge } from './challenge.js';
import { computeDigest, isDigest, parseDigest } from './digest.js';
import type { EndpointPolicy } from './endpoint-policy.js';
import { OciError, type RegistryDiagnostic } from './errors.js';
import { HttpTransport, type HttpResponse, type ReadMethod, type TlsOptions } from './http-transport.js';
import { Limits } from './limits.js';
import { nextLink } from './link-header.js';
import { parseManifest, type Descriptor, type Manifest } from './manifest.js';
import { MANIFEST_ACCEPT } from './media-types.js';
import { parseRateLimit, type RateLimitInfo } from './rate-limit.js';
import { readLimited } from './read-body.js';
import { isLoopbackRegistry, registryApiHost } from './reference.js';
import { backoffDelay, DEFAULT_RETRY_POLICY, parseRetryAfter, sleep, type RetryPolicy } from './retry.js';
import { TokenCache } from './token-cache.js';
import { VerifyingStream } from './verified-stream.js';

/** Per-registry connection settings, keyed by registry name (`localhost:5000`, `ghcr.io`). */
export interface RegistryHostOptions {
  /** Plain HTTP. Loopback registries default to it; everything else to HTTPS. */
  readonly insecure?: boolean;
  /** Extra trusted CA certificates (PEM). */
  readonly ca?: string | readonly string[];
}

export interface RegistryClientOptions {
  readonly keychain?: Keychain;
  readonly registries?: Readonly<Record<string, RegistryHostOptions>>;
  readonly retry?: Partial<RetryPolicy>;
  readonly connectTimeoutMs?: number;
  readonly readTimeoutMs?: number;
  /** Concurrent connections per host; further requests queue. */
  readonly maxConnectionsPerHost?: number;
  readonly endpointPolicy?: EndpointPolicy;
  readonly userAgent?: string;
  /** Called whenever a registry reports quota headers. */
  readonly onRateLimit?: (registry: string, info: RateLimitInfo) => void;
  /** Clock for token expiry (tests); default `Date.now`. */
  readonly now?: () => number;
}

/** Where a repository lives. */
export interface RepositoryLocator {
  readonly registry: string;
  readonly repository: string;
}

export interface FetchedManifest {
  /** The exact bytes received; the digest is computed over them. */
  readonly raw: Buffer;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly manifest: Manifest;
}

export interface ManifestHead {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque cursor for the next page (the registry's `Link` target), absent on the last page. */
  readonly next?: string;
}

export interface BlobOptions {
  readonly signal?: AbortSignal;
  /** Byte range, inclusive end; verified for length only (a partial blob cannot be hashed). */
  readonly range?: { readonly start: number; readonly end?: number };
}

export interface PingResult {
  readonly status: number;
  readonly challenges: readonly Challenge[];
  readonly apiVersion: string | undefined;
}

interface RequestSpec {
  readonly method: ReadMethod;
  readonly registry: string;
  /** Path and query below the registry origin, starting with `/v2/`. */
  readonly path: string;
  readonly scope: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal: AbortSignal | undefined;
  /** What is being fetched, for error messages ("manifest library/alpine:3.20"). */
  readonly what: string;
  readonly okStatuses?: readonly number[];
}

/** The credentials one attempt used, so a refusal can be reported back to where they came from. */
interface Credentials {
  readonly authenticator: Authenticator;
  readonly config: AuthConfig;
}

interface HostState {
  ping?: Promise<PingResult>;
  challenges?: readonly Challenge[];
}

const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);

/**
 * When `error` says the registry refused credentials that can be renewed, tells their
 * authenticator to drop them and returns true: one more attempt may succeed.
 */
function dropRefused(error: unknown, credentials: Credentials): boolean {
  if (!(error instanceof OciError) || error.code !== 'unauthorized' || !credentials.authenticator.invalidate)
    return false;
  credentials.authenticator.invalidate(credentials.config);
  return true;
}

/**
 * A read-only client for the OCI distribution API.
 *
 * Authentication follows the distribution token spec: the client pings `/v2/` once per
 * registry, answers Basic challenges directly and Bearer challenges with a token fetched from
 * the realm for the exact scope (cached until shortly before it expires, refreshed on 401).
 * Only `GET` and `HEAD` are ever sent: there is no method that writes.
 *
 * @example
 * const client = new RegistryClient({ keychain });
 * const { manifest, digest } = await client.getManifest({ registry: 'docker.io', repository: 'library/alpine' }, '3.20');
 */
export class RegistryClient {
  readonly #keychain: Keychain;
  readonly #registries: Readonly<Record<string, RegistryHostOptions>>;
  readonly #retry: RetryPolicy;
  readonly #transport: HttpTransport;
  readonly #hosts = new Map<string, HostState>();
  readonly #tokens: TokenCache;
  readonly #rateLimits = new Map<string, RateLimitInfo>();
  readonly #onRateLimit: RegistryClientOptions['onRateLimit'];

  constructor(options: RegistryClientOptions = {}) {
    this.#keychain = options.keychain ?? ANONYMOUS_KEYCHAIN;
    this.#registries = options.registries ?? {};
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#onRateLimit = options.onRateLimit;
    const tls: Record<string, TlsOptions> = {};
    for (const [registry, o] of Object.entries(this.#registries))
      if (o.ca !== undefined) tls[registryApiHost(registry)] = { ca: o.ca };
    this.#transport = new HttpTransport({
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      readTimeoutMs: options.readTimeoutMs ?? 60_000,
      maxConnectionsPerHost: options.maxConnectionsPerHost ?? 8,
      endpointPolicy: options.endpointPolicy ?? 'default',
      userAgent: options.userAgent ?? 'berth/0.1 (+read-only)',
      tls,
    });
    this.#tokens = new TokenCache(this.#transport, options.now);
  }

  /** Releases pooled connections. */
  async close(): Promise<void> {
    await this.#transport.close();
  }

  /** The base URL serving `/v2/` for a registry name. */
  baseUrl(registry: string): string {
    const insecure = this.#registries[registry]?.insecure ?? isLoopbackRegistry(registry);
    return `${insecure ? 'http' : 'https'}://${registryApiHost(registry)}`;
  }

  /** Last quota information the registry reported, if it reports any. */
  rateLimit(registry: string): RateLimitInfo | undefined {
    return this.#rateLimits.get(registry);
  }

  /** `GET /v2/` without credentials: tells whether the registry answers and how it wants auth. */
  async ping(registry: string, signal?: AbortSignal): Promise<PingResult> {
    const state = this.#host(registry);
    state.ping ??= this.#ping(registry, signal).catch((error: unknown) => {
      state.ping = undefined;
      throw error;
    });
    return state.ping;
  }

  /**
   * Proves that the credentials work for a scope (the catalog, or one repository) by obtaining
   * an authorization for it; throws `unauthorized` with the registry's reason when they do not.
   */
  async checkAuth(registry: string, repository?: string, signal?: AbortSignal): Promise<void> {
    const scope = repository === undefined ? CATALOG_SCOPE : repositoryScope(repository);
    for (let renewed = false; ; renewed = true) {
      const credentials = await this.#credentials(registry, signal);
      let status: number;
      try {
        const authorization = await this.#authorization(registry, scope, signal, false, credentials.config);
        // Basic credentials are only judged when a request carries them: present them to /v2/.
        const res = await this.#withRetries(registry, signal, () =>
          this.#transport.send(
            'GET',
            `${this.baseUrl(registry)}/v2/`,
            authorization ? { authorization } : {},
            signal,
          ),
        );
        res.body.resume();
        status = res.status;
      } catch (error) {
        if (!renewed && dropRefused(error, credentials)) continue;
        throw error;
      }
      if (status === 401 && !renewed && credentials.authenticator.invalidate) {
        credentials.authenticator.invalidate(credentials.config);
        continue;
      }
      if (status === 401 || status === 403) {
        throw new OciError('unauthorized', `${registry} rejected the credentials`, { status });
      }
      if (status !== 200) {
        throw new OciError('registry_error', `${registry} answered ${status} to GET /v2/`, { status });
      }
      return;
    }
  }

  /** One page of `GET /v2/_catalog`. */
  async listRepositoriesPage(
    registry: string,
    options: { pageSize?: number; next?: string; signal?: AbortSignal } = {},
  ): Promise<Page<string>> {
    const path = options.next
      ? this.#cursorPath(registry, options.next, '/v2/_catalog')
      : `/v2/_catalog?n=${pageSize(options.pageSize)}`;
    const res = await this.#request({
      method: 'GET',
      registry,
      path,
      scope: CATALOG_SCOPE,
      signal: options.signal,
      what: 'the repository catalog',
    });
    const body = await readJson(res, Limits.listBytes, 'the catalog page');
    const repositories = stringArray(body, 'repositories');
    return withNext(repositories, nextLink(res.headers.link, res.url), registry, this);
  }

  /** Every repository in the catalog, page after page. */
  async *listRepositories(
    registry: string,
    options: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<string> {
    let next: string | undefined;
    do {
      const page = await this.listRepositoriesPage(registry, { ...options, ...(next ? { next } : {}) });
      yield* page.items;
      next = page.next;
    } while (next);
  }

  /** One page of `GET /v2/<name>/tags/list`. A repository without tags gives an empty page. */
  async listTagsPage(
    locator: RepositoryLocator,
    options: { pageSize?: number; next?: string; signal?: AbortSignal } = {},
  ): Promise<Page<string>> {
    const base = `/v2/${locator.repository}/tags/list`;
    const path = options.next
      ? this.#cursorPath(locator.registry, options.next, base)
      : `${base}?n=${pageSize(options.pageSize)}`;
    const res = await this.#request({
      method: 'GET',
      registry: locator.registry,
      path,
      scope: repositoryScope(locator.repository),
      signal: options.signal,
      what: `the tags of ${locator.repository}`,
    });
    const body = await readJson(res, Limits.listBytes, 'the tag list');
    const tags = stringArray(body, 'tags');
    return withNext(tags, nextLink(res.headers.link, res.url), locator.registry, this);
  }

  async *listTags(
    locator: RepositoryLocator,
    options: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<string> {
    let next: string | undefined;
    do {
      const page = await this.listTagsPage(locator, { ...options, ...(next ? { next } : {}) });
      yield* page.items;
      next = page.next;
    } while (next);
  }

  /**
   * Fetches a manifest or index by tag or digest. The digest is computed over the exact bytes
   * received and checked against the requested digest (or the registry's
   * `Docker-Content-Digest`); a mismatch is `digest_mismatch`.
   */
  async getManifest(
    locator: RepositoryLocator,
    reference: string,
    signal?: AbortSignal,
  ): Promise<FetchedManifest> {
    const what = `manifest ${locator.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
    const res = await this.#request({
      method: 'GET',
      registry: locator.registry,
      path: `/v2/${locator.repository}/manifests/${reference}`,
      scope: repositoryScope(locator.repository),
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      signal,
      what,
    });
    const declared = Number(header(res, 'content-length'));
    if (Number.isFinite(declared) && declared > Limits.manifestBytes) {
      res.body.destroy();
      throw new OciError(
        'manifest_too_large',
        `${what} is ${declared} bytes, over the ${Limits.manifestBytes}-byte limit`,
      );
    }
    const raw = await readLimited(res.body, Limits.manifestBytes, what, 'manifest_too_large');
    const expected = isDigest(reference) ? reference : header(res, 'docker-content-digest');
    const algorithm = expected && isDigest(expected) ? parseDigest(expected).algorithm : 'sha256';
    const digest = computeDigest(raw, algorithm);
    if (expected && isDigest(expected) && expected !== digest) {
      throw new OciError(
        'digest_mismatch',
        `${what}: received content has digest ${digest}, expected ${expected}`,
      );
    }
    const manifest = parseManifest(raw, header(res, 'content-type'));
    return {
      raw,
      digest: algorithm === 'sha256' ? digest : computeDigest(raw),
      mediaType: manifest.mediaType,
      size: raw.byteLength,
      manifest,
    };
  }

  /**
   * Resolves a tag to its digest with `HEAD` (which does not count against Docker Hub's pull
   * limit). Falls back to `GET` when the registry omits `Docker-Content-Digest`.
   */
  async headManifest(
    locator: RepositoryLocator,
    reference: string,
    signal?: AbortSignal,
  ): Promise<ManifestHead> {
    const res = await this.#request({
      method: 'HEAD',
      registry: locator.registry,
      path: `/v2/${locator.repository}/manifests/${reference}`,
      scope: repositoryScope(locator.repository),
      headers: { accept: MANIFEST_ACCEPT.join(', ') },
      signal,
      what: `manifest ${locator.repository}:${reference}`,
    });
    res.body.resume();
    const digest = header(res, 'docker-content-digest');
    const mediaType = header(res, 'content-type')?.split(';')[0]?.trim();
    const size = Number(header(res, 'content-length'));
    if (digest && isDigest(digest) && mediaType && Number.isFinite(size)) {
      if (isDigest(reference) && reference !== digest) {
        throw new OciError(
          'digest_mismatch',
          `HEAD ${locator.repository}@${reference} answered digest ${digest}`,
        );
      }
      return { digest, mediaType, size };
    }
    const fetched = await this.getManifest(locator, reference, signal);
    return { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.size };
  }

  /**
   * Opens a blob as a stream that verifies itself: sha256 and size are checked as bytes flow,
   * and the stream fails at EOF (`digest_mismatch`, `size_mismatch`). Redirects to storage
   * hosts are followed without our `Authorization` header.
   */
  async openBlob(
    locator: RepositoryLocator,
    descriptor: Pick<Descriptor, 'digest'> & { size?: number },
    options: BlobOptions = {},
  ): Promise<Readable> {
    parseDigest(descriptor.digest);
    const range = options.range;
    const res = await this.#request({
      method: 'GET',
      registry: locator.registry,
      path: `/v2/${locator.repository}/blobs/${descriptor.digest}`,
      scope: repositoryScope(locator.repository),
      headers: range ? { range: `bytes=${range.start}-${range.end ?? ''}` } : {},
      signal: options.signal,
      what: `blob ${descriptor.digest} in ${locator.repository}`,
      okStatuses: range ? [206] : [200],
    });
    if (range) {
      const length = Number(header(res, 'content-length'));
      return this.#transport.pipeBody(
        res,
        new VerifyingStream(Number.isFinite(length) ? { size: length } : {}),
        options.signal,
      );
    }
    const verifier = new VerifyingStream({
      digest: descriptor.digest,
      ...(descriptor.size === undefined ? {} : { size: descriptor.size }),
    });
    return this.#transport.pipeBody(
      res,
      verifier,
      options.signal,
      () =>
        `blob ${descriptor.digest} in ${locator.repository} broke off after ${verifier.bytesRead}${descriptor.size === undefined ? '' : ` of ${descriptor.size}`} bytes`,
    );
  }

  /** Reads a small blob (an image config) whole, verified, capped at `limit` bytes. */
  async readBlob(
    locator: RepositoryLocator,
    descriptor: Pick<Descriptor, 'digest'> & { size?: number },
    limit: number = Limits.configBytes,
    signal?: AbortSignal,
  ): Promise<Buffer> {
    if (descriptor.size !== undefined && descriptor.size > limit) {
      throw new OciError(
        'response_too_large',
        `blob ${descriptor.digest} is ${descriptor.size} bytes, over the ${limit}-byte limit`,
      );
    }
    const stream = await this.openBlob(locator, descriptor, signal ? { signal } : {});
    return readLimited(stream, limit, `blob ${descriptor.digest}`);
  }

  // ---------------------------------------------------------------------------------------

  #host(registry: string): HostState {
    let state = this.#hosts.get(registry);
    if (!state) {
      state = {};
      this.#hosts.set(registry, state);
    }
    return state;
  }

  async #ping(registry: string, signal: AbortSignal | undefined): Promise<PingResult> {
    const res = await this.#withRetries(registry, signal, () =>
      this.#transport.send('GET', `${this.baseUrl(registry)}/v2/`, {}, signal),
    );
    res.body.resume();
    if (res.status !== 200 && res.status !== 401) {
      throw new OciError(
        res.status === 404 ? 'endpoint_unreachable' : 'registry_error',
        `${registry} does not look like a container registry: GET /v2/ answered ${res.status}`,
        { status: res.status },
      );
    }
    const challenges = parseChallenges(res.headers['www-authenticate']);
    this.#host(registry).challenges = challenges;
    return { status: res.status, challenges, apiVersion: header(res, 'docker-distribution-api-version') };
  }

  /** Who we are to a registry, as its keychain says now (asked after the registry answered). */
  async #credentials(registry: string, signal: AbortSignal | undefined): Promise<Credentials> {
    await this.ping(registry, signal);
    const authenticator = await this.#keychain.resolve(registry, signal);
    return { authenticator, config: await authenticator.authorization(signal) };
  }

  /** The `Authorization` header value for a scope, or undefined when none is needed. */
  async #authorization(
    registry: string,
    scope: string,
    signal: AbortSignal | undefined,
    useCache: boolean,
    config: AuthConfig,
  ): Promise<string | undefined> {
    await this.ping(registry, signal);
    const challenges = this.#host(registry).challenges ?? [];
    if (config.kind === 'bearer') return `Bearer ${config.token}`;
    const bearer = challenges.find((c) => c.scheme === 'bearer');
    if (bearer) {
      const token = await this.#tokens.token({
        registry,
        challenge: bearer,
        scope,
        auth: config,
        signal,
        useCache,
        retry: (fn) => this.#withRetries(registry, signal, fn),
      });
      return `Bearer ${token}`;
    }
    const basic = challenges.find((c) => c.scheme === 'basic');
    if (basic && config.kind === 'basic') {
      return `Basic ${Buffer.from(`${config.username}:${config.password}`).toString('base64')}`;
    }
    if (basic && config.kind !== 'anonymous') {
      throw new OciError(
        'unauthorized',
        `${registry} asks for Basic authentication; provide a username and password`,
      );
    }
    return undefined;
  }

  async #request(spec: RequestSpec): Promise<HttpResponse> {
    const url = `${this.baseUrl(spec.registry)}${spec.path}`;
    let reauthorized = false;
    for (;;) {
      const credentials = await this.#credentials(spec.registry, spec.signal);
      let authorization: string | undefined;
      try {
        authorization = await this.#authorization(
          spec.registry,
          spec.scope,
          spec.signal,
          true,
          credentials.config,
        );
      } catch (error) {
        // The token realm refused a short-lived credential (it expired early or was revoked).
        if (!reauthorized && dropRefused(error, credentials)) {
          reauthorized = true;
          continue;
        }
        throw error;
      }
      const headers = { ...spec.headers, ...(authorization ? { authorization } : {}) };
      const res = await this.#withRetries(spec.registry, spec.signal, () =>
        this.#transport.send(spec.method, url, headers, spec.signal),
      );
      if (res.status === 401 && !reauthorized) {
        // The token expired or lacks the scope, or /v2/ was open but this repository is not:
        // learn the challenge from this response and try once more with a fresh token.
        res.body.resume();
        reauthorized = true;
        const challenges = parseChallenges(res.headers['www-authenticate']);
        if (challenges.length > 0) this.#host(spec.registry).challenges = challenges;
        this.#tokens.invalidate(spec.registry, spec.scope);
        credentials.authenticator.invalidate?.(credentials.config);
        continue;
      }
      if ((spec.okStatuses ?? [200]).includes(res.status)) return res;
      throw await this.#statusError(spec, res);
    }
  }

  /** Runs one exchange, retrying transient failures with backoff, honouring `Retry-After`. */
  async #withRetries(
    registry: string,
    signal: AbortSignal | undefined,
    send: () => Promise<HttpResponse>,
  ): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt++) {
      let res: HttpResponse;
      try {
        res = await send();
      } catch (error) {
        if (error instanceof OciError && error.retryable && attempt < this.#retry.maxRetries) {
          await sleep(backoffDelay(attempt, this.#retry), signal);
          continue;
        }
        throw error;
      }
      const quota = parseRateLimit(res.headers);
      if (quota) {
        this.#rateLimits.set(registry, quota);
        this.#onRateLimit?.(registry, quota);
      }
      if (!RETRYABLE_STATUS.has(res.status)) return res;
      const retryAfter = parseRetryAfter(header(res, 'retry-after'));
      const delay = retryAfter ?? backoffDelay(attempt, this.#retry);
      if (attempt >= this.#retry.maxRetries || delay > this.#retry.maxDelayMs) return res;
      res.body.resume();
      await sleep(delay, signal);
    }
  }

  async #statusError(spec: RequestSpec, res: HttpResponse): Promise<OciError> {
    const diagnostics = await readDiagnostics(res);
    const reason = diagnostics[0] ? `: ${diagnostics[0].code} ${diagnostics[0].message}`.trimEnd() : '';
    const base = { status: res.status, diagnostics };
    switch (res.status) {
      case 401:
        return new OciError(
          'unauthorized',
          `${spec.registry} refused the credentials for ${spec.what}${reason}`,
          base,
        );
      case 403:
        return new OciError('denied', `access to ${spec.what} on ${spec.registry} is denied${reason}`, base);
      case 404:
        return new OciError('not_found', `${spec.what} was not found on ${spec.registry}${reason}`, base);
      case 429: {
        const retryAfterMs = parseRetryAfter(header(res, 'retry-after'));
        return new OciError(
          'rate_limited',
          `${spec.registry} is rate limiting requests${retryAfterMs === undefined ? '' : `; retry in ${Math.ceil(retryAfterMs / 1000)} s`}`,
          {
            ...base,
            retryable: true,
            ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
          },
        );
      }
      default:
        if (res.status === 416)
          return new OciError('invalid_argument', `range not satisfiable for ${spec.what}`, base);
        return new OciError(
          'registry_error',
          `${spec.registry} answered ${res.status} for ${spec.what}${reason}`,
          {
            ...base,
            retryable: res.status >= 500,
          },
        );
    }
  }

  #cursorPath(registry: string, cursor: string, expectedPath: string): string {
    let url: URL;
    try {
      url = new URL(cursor, this.baseUrl(registry));
    } catch (cause) {
      throw new OciError('invalid_argument', 'the page cursor is not a URL', { cause });
    }
    if (url.origin !== new URL(this.baseUrl(registry)).origin || url.pathname !== expectedPath) {
      throw new OciError('invalid_argument', `the page cursor does not belong to ${registry}${expectedPath}`);
    }
    return `${url.pathname}${url.search}`;
  }
}

function pageSize(n: number | undefined): number {
  // distribution rejects n > 1000 with PAGINATION_NUMBER_INVALID.
  const value = n ?? 1000;
  if (!Number.isInteger(value) || value < 1 || value > 1000)
    throw new OciError('invalid_argument', 'page size must be 1..1000');
  return value;
}

function header(res: HttpResponse, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function withNext(
  items: string[],
  next: string | undefined,
  registry: string,
  client: RegistryClient,
): Page<string> {
  if (!next) return { items };
  const base = new URL(client.baseUrl(registry));
  const url = new URL(next);
  // Keep cursors relative to the registry so they survive scheme/host aliasing.
  return { items, next: url.origin === base.origin ? `${url.pathname}${url.search}` : next };
}

async function readJson(res: HttpResponse, limit: number, what: string): Promise<unknown> {
  const raw = await readLimited(res.body, limit, what);
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new OciError('invalid_response', `${what} is not valid JSON`, { cause });
  }
}

function stringArray(body: unknown, field: string): string[] {
  if (typeof body !== 'object' || body === null)
    throw new OciError('invalid_response', `expected a JSON object with "${field}"`);
  const value = (body as Record<string, unknown>)[field];
  if (value === null || value === undefined) return []; // distribution answers "tags": null for an empty repository
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    throw new OciError('invalid_response', `"${field}" is not an array of strings`);
  }
  return value;
}

async function readDiagnostics(res: HttpResponse): Promise<RegistryDiagnostic[]> {
  try {
    const raw = await readLimited(res.body, Limits.errorBodyBytes, 'error body');
    const doc = JSON.parse(raw.toString('utf8')) as { errors?: unknown };
    if (!Array.isArray(doc.errors)) return [];
    return doc.errors.flatMap((e: unknown) => {
      if (typeof e !== 'object' || e === null) return [];
      const { code, message, detail } = e as Record<string, unknown>;
      return [
        {
          code: typeof code === 'string' ? code : 'UNKNOWN',
          message: typeof message === 'string' ? message : '',
          ...(detail === undefined ? {} : { detail }),
        },
      ];
    });
  } catch {
    res.body.destroy();
    return [];
  }
}
