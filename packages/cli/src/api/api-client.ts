/** A problem document the server answered with (RFC 9457), or a server that could not be reached. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    /** HTTP status; 0 when the server could not be reached. */
    readonly status: number,
    /** The problem's stable `code` (`invalid_credentials`, `not_found`…). */
    readonly code: string,
    /** The problem's `detail`: what went wrong, in words meant for people. */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }
}

export interface ApiClientOptions {
  /** Base URL of the Berth server, e.g. `http://127.0.0.1:8080`. */
  readonly server: string;
  /** API token, sent as `Authorization: Bearer …`. */
  readonly token?: string;
  readonly timeoutMs?: number;
}

export interface RequestOptions {
  readonly body?: unknown;
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string>>;
  /** Sends no Authorization header (log-in itself). */
  readonly anonymous?: boolean;
}

const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * `127.0.0.1:8080` → `http://127.0.0.1:8080`, `berth.example.com` → `https://berth.example.com`:
 * loopback addresses are plain HTTP, anything else TLS unless the URL says otherwise.
 * @throws Error naming what is wrong with the URL.
 */
export function normaliseServerUrl(text: string): string {
  const trimmed = text.trim();
  const loopback = /^(localhost|127\.[0-9.]+|\[::1\])(:|\/|$)/i.test(trimmed);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed)
    ? trimmed
    : `${loopback ? 'http' : 'https'}://${trimmed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not a server URL (e.g. https://berth.example.com)`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`the server URL must start with http:// or https://, got ${JSON.stringify(text)}`);
  if (url.username || url.password || url.search || url.hash)
    throw new Error('the server URL must not contain credentials, a query or a fragment');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The Berth HTTP API (`/api/v1`, API.md) over fetch. Every failure is an {@link ApiError}
 * carrying the server's problem `code` and `detail`; the token never appears in one.
 *
 * @example
 * const api = new ApiClient({ server: 'http://127.0.0.1:8080', token });
 * const connectors = await api.get<Connector[]>('/connectors');
 */
export class ApiClient {
  readonly server: string;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.server = options.server;
    this.#token = options.token;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  get<T>(path: string, options: RequestOptions = {}): Promise<T> {
    return this.json<T>('GET', path, options);
  }

  post<T>(path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    return this.json<T>('POST', path, { ...options, body });
  }

  async delete(path: string, options: RequestOptions = {}): Promise<void> {
    await this.request('DELETE', path, options);
  }

  async json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, options);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new ApiError(
        response.status,
        'invalid_response',
        `the server's answer to ${method} ${path} is not JSON`,
        {
          cause,
        },
      );
    }
  }

  /** One request; a non-2xx answer becomes an {@link ApiError} with the problem's detail. */
  async request(method: string, path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(`${this.server}/api/v1${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (this.#token && !options.anonymous) headers.authorization = `Bearer ${this.#token}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'manual',
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${this.#timeoutMs / 1000} s`
          : (cause?.code ?? cause?.message ?? (error as Error).message);
      throw new ApiError(
        0,
        'server_unreachable',
        `cannot reach the Berth server at ${this.server} (${why})`,
        {
          cause: error,
        },
      );
    }
    if (response.ok) return response;
    throw await problemOf(response, method, path);
  }
}

async function problemOf(response: Response, method: string, path: string): Promise<ApiError> {
  let problem: { code?: unknown; detail?: unknown; title?: unknown } = {};
  try {
    problem = (await response.json()) as typeof problem;
  } catch {
    // not a problem document (a proxy's error page, say)
  }
  const code = typeof problem.code === 'string' ? problem.code : `http_${response.status}`;
  let detail =
    typeof problem.detail === 'string' && problem.detail
      ? problem.detail
      : typeof problem.title === 'string'
        ? problem.title
        : `the server answered ${method} ${path} with HTTP ${response.status}`;
  if (response.status === 401 && code !== 'invalid_credentials') detail += '; run berth login';
  return new ApiError(response.status, code, detail);
}
