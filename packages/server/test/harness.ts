import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { startServer, type RunningServer, type RuntimeOptions } from '@berth/server';
import { testDatabaseEnv } from './test-engine.js';
export { TEST_ENGINE, testDatabaseEnv, databaseContentTexts, recordTagWrites } from './test-engine.js';

export interface TestServer extends RunningServer {
  readonly dataDir: string;
  /** Every log line written so far. */
  logs(): string;
  stop(): Promise<void>;
}

/**
 * A real server on a free loopback port with its own data directory and captured logs, on the
 * engine under test (`BERTH_TEST_ENGINE`: SQLite by default, or PostgreSQL with a fresh
 * database per data directory).
 */
export async function startTestServer(
  env: Record<string, string> = {},
  options: Omit<RuntimeOptions, 'env'> = {},
): Promise<TestServer> {
  const dataDir = env.BERTH_DATA_DIR ?? mkdtempSync(join(tmpdir(), 'berth-server-'));
  let logText = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logText += chunk.toString();
      callback();
    },
  });
  const server = await startServer({
    env: {
      BERTH_PORT: '0',
      BERTH_HOST: '127.0.0.1',
      BERTH_DATA_DIR: dataDir,
      BERTH_LOG_LEVEL: 'info',
      ...(await testDatabaseEnv(dataDir)),
      ...env,
    },
    logDestination: sink,
    ...options,
    jobs: { pollMs: 25, ...options.jobs },
  });
  return {
    ...server,
    dataDir,
    logs: () => logText,
    async stop() {
      await server.close();
      if (!env.BERTH_DATA_DIR) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/**
 * A small API client that behaves like the portal (cookie + CSRF token) or like the CLI
 * (bearer token).
 */
export class Api {
  cookie: string | undefined;
  csrfToken: string | undefined;
  token: string | undefined;

  constructor(readonly baseUrl: string) {}

  async call<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    extraHeaders: Record<string, string> = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...extraHeaders };
    if (body !== undefined && typeof body !== 'string') headers['content-type'] = 'application/json';
    if (this.cookie) headers.cookie = this.cookie;
    if (this.csrfToken && method !== 'GET') headers['x-csrf-token'] = this.csrfToken;
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const setCookie = res.headers.get('set-cookie');
    if (setCookie) {
      const value = /berth_session=([^;]*)/.exec(setCookie)?.[1];
      this.cookie = value ? `berth_session=${value}` : undefined;
    }
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON: keep the text */
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Signs up (or logs in) and keeps the session cookie and CSRF token. */
  async signup(
    email: string,
    password: string,
  ): Promise<ApiResponse<{ user: { id: string; role: string }; csrfToken: string }>> {
    const res = await this.call<{ user: { id: string; role: string }; csrfToken: string }>(
      'POST',
      '/api/v1/auth/signup',
      { email, password },
    );
    if (res.status === 201) this.csrfToken = res.body.csrfToken;
    return res;
  }

  async login(
    email: string,
    password: string,
  ): Promise<ApiResponse<{ user: { id: string }; csrfToken: string }>> {
    const res = await this.call<{ user: { id: string }; csrfToken: string }>('POST', '/api/v1/auth/login', {
      email,
      password,
    });
    if (res.status === 200) this.csrfToken = res.body.csrfToken;
    return res;
  }
}
