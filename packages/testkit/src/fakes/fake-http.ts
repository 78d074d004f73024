/**
 * The plumbing shared by the vendor control-plane fakes: a loopback node:http server that parses
 * bodies, records what it was asked, and can be scripted by a test to fail the next requests
 * (429 with `Retry-After`, 503…), plus a store of short-lived tokens that a test can expire
 * mid-listing. Each vendor fake (docker-hub-fake.ts, ecr-fake.ts…) cites its vendor's API reference.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { listenOnLoopback } from '../http-listen.js';

export interface FakeRequest {
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
  readonly raw: IncomingMessage;
  /** `http://127.0.0.1:PORT` of this fake. */
  readonly origin: string;
}

export interface FakeReply {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly text?: string;
}

/** A handler answers with a reply, or `'handled'` when it wrote the response itself (proxying). */
export type FakeHandler = (request: FakeRequest, response: ServerResponse) => Promise<FakeReply | 'handled'>;

/** Makes the next matching requests fail, e.g. `{ status: 429, retryAfterSeconds: 1 }`. */
export interface ScriptedFailure {
  readonly status: number;
  readonly retryAfterSeconds?: number;
  /** Tested against `METHOD path?query`; default: every request. */
  readonly match?: RegExp;
  /** How many requests fail (default 1). */
  readonly times?: number;
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * Something that happens to the fake just before a matching request is handled, e.g. its tokens
 * expire when the second page is asked for: "the token expired mid-listing".
 */
export interface ScriptedEvent {
  readonly match: (request: FakeRequest) => boolean;
  readonly run: () => void;
}

export interface FakeRecord {
  readonly method: string;
  /** Path with query. */
  readonly path: string;
  readonly status: number;
  /** When the request arrived (epoch ms): shows how long a client waited before retrying. */
  readonly at: number;
}

export interface FakeServer {
  readonly url: string;
  /** `127.0.0.1:PORT` */
  readonly host: string;
  requests(): FakeRecord[];
  clearRequests(): void;
  failNext(failure: ScriptedFailure): void;
  /** Runs `event.run` once, before the first request that `event.match`es is handled. */
  beforeNext(event: ScriptedEvent): void;
  /** Forgets scripted failures and events that have not fired. */
  clearFailures(): void;
  stop(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;

export async function startFakeServer(handler: FakeHandler): Promise<FakeServer> {
  const recorded: FakeRecord[] = [];
  const failures: { failure: ScriptedFailure; left: number }[] = [];
  const events: ScriptedEvent[] = [];
  let origin = '';
  const server = createServer((raw, response) => {
    const url = new URL(raw.url ?? '/', 'http://fake.invalid');
    const line = `${raw.method ?? 'GET'} ${url.pathname}${url.search}`;
    const at = Date.now();
    response.once('finish', () =>
      recorded.push({
        method: raw.method ?? 'GET',
        path: `${url.pathname}${url.search}`,
        status: response.statusCode,
        at,
      }),
    );
    const scripted = failures.find((f) => f.left > 0 && (f.failure.match?.test(line) ?? true));
    if (scripted) {
      scripted.left--;
      raw.resume();
      const f = scripted.failure;
      send(response, {
        status: f.status,
        headers: {
          ...(f.retryAfterSeconds === undefined ? {} : { 'retry-after': String(f.retryAfterSeconds) }),
          ...f.headers,
        },
        json: f.json ?? { message: f.status === 429 ? 'too many requests' : `scripted failure ${f.status}` },
      });
      return;
    }
    readBody(raw)
      .then((body) => {
        const request: FakeRequest = {
          method: raw.method ?? 'GET',
          pathname: url.pathname,
          query: url.searchParams,
          headers: raw.headers,
          body,
          raw,
          origin,
        };
        const event = events.findIndex((e) => e.match(request));
        if (event >= 0) events.splice(event, 1)[0]?.run();
        return handler(request, response);
      })
      .then((reply) => {
        if (reply !== 'handled') send(response, reply);
      })
      .catch((error: unknown) => {
        if (!response.headersSent)
          send(response, { status: 500, json: { message: `fake failed: ${String(error)}` } });
        else response.destroy();
      });
  });
  const listening = await listenOnLoopback(server);
  origin = `http://${listening.host}`;
  return {
    url: origin,
    host: listening.host,
    requests: () => [...recorded],
    clearRequests: () => {
      recorded.length = 0;
    },
    failNext: (failure) => {
      failures.push({ failure, left: failure.times ?? 1 });
    },
    beforeNext: (event) => {
      events.push(event);
    },
    clearFailures: () => {
      failures.length = 0;
      events.length = 0;
    },
    stop: () => listening.close(),
  };
}

export function send(response: ServerResponse, reply: FakeReply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let body: string | undefined;
  if (reply.json !== undefined) {
    body = JSON.stringify(reply.json);
    headers['content-type'] ??= 'application/json';
  } else if (reply.text !== undefined) {
    body = reply.text;
  }
  response.writeHead(reply.status, headers).end(body);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    total += chunk.byteLength;
    if (total > MAX_BODY) throw new Error('request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

export function jsonBody(request: FakeRequest): Record<string, unknown> {
  try {
    const value = JSON.parse(request.body.toString('utf8')) as unknown;
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0
    ? { username: decoded, password: '' }
    : { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

/**
 * Short-lived tokens a fake hands out. They look like JWTs (an unsigned payload with `exp`), as
 * Docker Hub's and the registries' do, but only this store can vouch for them.
 * `expireAll()` makes every issued token fail from now on: "the token expired mid-listing".
 */
export class FakeTokens<T> {
  readonly #issued = new Map<string, { data: T; expiresAt: number }>();

  issue(data: T, ttlSeconds: number, claims: Record<string, unknown> = {}): string {
    const exp = Math.floor(Date.now() / 1000) + ttlSeconds;
    const part = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    const token = `${part({ alg: 'none', typ: 'JWT' })}.${part({ ...claims, exp })}.${randomBytes(18).toString('base64url')}`;
    this.#issued.set(token, { data, expiresAt: exp * 1000 });
    return token;
  }

  verify(token: string | undefined): T | undefined {
    if (!token) return undefined;
    const entry = this.#issued.get(token);
    if (!entry || entry.expiresAt <= Date.now()) return undefined;
    return entry.data;
  }

  expireAll(): void {
    for (const entry of this.#issued.values()) entry.expiresAt = 0;
  }

  count(): number {
    return this.#issued.size;
  }
}

/** Splits `items` into 1-based pages of `size`. */
export function pageOf<T>(items: readonly T[], page: number, size: number): { items: T[]; more: boolean } {
  const start = (page - 1) * size;
  return { items: items.slice(start, start + size), more: start + size < items.length };
}

export function clampPageSize(requested: string | null, fallback: number, max: number): number {
  const n = Number(requested ?? fallback);
  return Math.max(1, Math.min(max, Number.isInteger(n) && n > 0 ? n : fallback));
}
