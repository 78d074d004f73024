import type {
  AuthStatus,
  Connector,
  DiffListPage,
  DiffState,
  FileChangeKind,
  FileContentDiff,
  FileItem,
  ImageSpec,
  Job,
  Page,
  Platform,
  ProfileState,
  Repository,
  SearchItem,
  Tag,
  TestResult,
  TreePlatform,
  User,
} from './types';

/**
 * An error the API answered with: its problem document's `code` and `detail` sentence
 * (RFC 9457), which the portal shows as it is, or a network failure.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

/** The sentence to show for any error: the API's own `detail` when there is one. */
export function errorSentence(error: unknown): string {
  if (error instanceof ApiError) return error.detail;
  if (error instanceof Error) return error.message;
  return String(error);
}

let csrfToken: string | undefined;
let onUnauthenticated: (() => void) | undefined;

/** The session's CSRF token (from log-in, sign-up or /me), sent on every change. */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** Called when a request outside /auth comes back 401: the session ended. */
export function setUnauthenticatedHandler(handler: (() => void) | undefined): void {
  onUnauthenticated = handler;
}

function problemDetail(body: unknown, status: number): { code: string; detail: string } {
  if (body && typeof body === 'object') {
    const p = body as { code?: unknown; detail?: unknown; title?: unknown };
    const detail =
      typeof p.detail === 'string' ? p.detail : typeof p.title === 'string' ? p.title : undefined;
    if (detail) return { code: typeof p.code === 'string' ? p.code : `http_${status}`, detail };
  }
  return { code: `http_${status}`, detail: `The server answered with HTTP ${status}.` };
}

export async function request<T>(
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  options: { body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(
      0,
      'network',
      'Berth did not answer. Check that the server is running, then try again.',
    );
  }
  const text = await res.text();
  let body: unknown = undefined;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  }
  if (!res.ok) {
    if (res.status === 401 && !path.startsWith('/api/v1/auth/') && path !== '/api/v1/me')
      onUnauthenticated?.();
    const { code, detail } = problemDetail(body, res.status);
    throw new ApiError(res.status, code, detail);
  }
  return body as T;
}

const q = (params: Record<string, string | number | undefined>) => {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, String(v));
  const s = search.toString();
  return s ? `?${s}` : '';
};

interface Session {
  readonly user: User;
  readonly csrfToken?: string;
}

/** Every endpoint the portal uses, typed. */
export const api = {
  me: () => request<Session>('GET', '/api/v1/me'),
  authStatus: () => request<AuthStatus>('GET', '/api/v1/auth/status'),
  signup: (email: string, password: string) =>
    request<Session>('POST', '/api/v1/auth/signup', { body: { email, password } }),
  login: (email: string, password: string) =>
    request<Session>('POST', '/api/v1/auth/login', { body: { email, password } }),
  logout: () => request<void>('POST', '/api/v1/auth/logout'),
  platforms: () => request<Platform[]>('GET', '/api/v1/platforms'),
  connectors: () => request<Connector[]>('GET', '/api/v1/connectors'),
  connector: (id: string) => request<Connector>('GET', `/api/v1/connectors/${encodeURIComponent(id)}`),
  createConnector: (body: {
    platform: string;
    name: string;
    config: Record<string, unknown>;
    credentials: Record<string, string>;
  }) => request<Connector>('POST', '/api/v1/connectors', { body }),
  updateConnector: (
    id: string,
    body: { name?: string; config?: Record<string, unknown>; credentials?: Record<string, string> },
  ) => request<Connector>('PATCH', `/api/v1/connectors/${encodeURIComponent(id)}`, { body }),
  deleteConnector: (id: string) => request<void>('DELETE', `/api/v1/connectors/${encodeURIComponent(id)}`),
  testConnector: (id: string) =>
    request<TestResult>('POST', `/api/v1/connectors/${encodeURIComponent(id)}/test`),
  syncConnector: (id: string) =>
    request<{ jobId: string }>('POST', `/api/v1/connectors/${encodeURIComponent(id)}/sync`),
  job: (id: string) => request<Job>('GET', `/api/v1/jobs/${encodeURIComponent(id)}`),
  tree: () => request<TreePlatform[]>('GET', '/api/v1/tree'),
  repositories: (connectorId: string, params: { cursor?: string; limit?: number; q?: string } = {}) =>
    request<Page<Repository>>(
      'GET',
      `/api/v1/connectors/${encodeURIComponent(connectorId)}/repositories${q(params)}`,
    ),
  tags: (connectorId: string, repository: string, params: { cursor?: string; limit?: number } = {}) =>
    request<Page<Tag>>(
      'GET',
      `/api/v1/connectors/${encodeURIComponent(connectorId)}/tags${q({ repository, ...params })}`,
    ),
  /** One version, by tag or digest (no paging through the repository's tags). */
  tag: (connectorId: string, repository: string, reference: string) =>
    request<Page<Tag>>(
      'GET',
      `/api/v1/connectors/${encodeURIComponent(connectorId)}/tags${q({ repository, reference, limit: 1 })}`,
    ).then((page) => page.items[0]),
  search: (query: string, signal: AbortSignal) =>
    request<{ items: SearchItem[] }>('GET', `/api/v1/search${q({ q: query, limit: 20, publicLimit: 5 })}`, {
      signal,
    }),
  requestProfile: (image: ImageSpec) =>
    request<ProfileState>('POST', '/api/v1/profiles', { body: { image } }),
  profile: (id: string, signal?: AbortSignal) =>
    request<ProfileState>('GET', `/api/v1/profiles/${encodeURIComponent(id)}`, signal ? { signal } : {}),
  profileFiles: (id: string, path: string, layer?: number) =>
    request<{ path: string; items: FileItem[] }>(
      'GET',
      `/api/v1/profiles/${encodeURIComponent(id)}/files${q({ path, layer })}`,
    ),
  requestDiff: (left: ImageSpec, right: ImageSpec) =>
    request<DiffState>('POST', '/api/v1/diffs', { body: { left: { image: left }, right: { image: right } } }),
  diff: (id: string, signal?: AbortSignal) =>
    request<DiffState>('GET', `/api/v1/diffs/${encodeURIComponent(id)}`, signal ? { signal } : {}),
  diffFiles: <T>(id: string, change: FileChangeKind, cursor: string, limit?: number) =>
    request<DiffListPage<T>>(
      'GET',
      `/api/v1/diffs/${encodeURIComponent(id)}/files${q({ change, cursor, limit })}`,
    ),
  diffFile: (id: string, path: string) =>
    request<FileContentDiff>('GET', `/api/v1/diffs/${encodeURIComponent(id)}/file${q({ path })}`),
  sbomUrl: (id: string, format: 'cyclonedx-json' | 'spdx-json') =>
    `/api/v1/profiles/${encodeURIComponent(id)}/sbom${q({ format })}`,
};
