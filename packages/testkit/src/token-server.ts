/**
 * A Docker registry token server, just enough for distribution 2.8's `auth.token`:
 * the "Token Authentication Specification" (distribution docs, spec/auth/token.md) and
 * "Token Authentication Implementation" (spec/auth/jwt.md). GET `realm?service=&scope=&account=`
 * with optional Basic credentials answers `{token, access_token, expires_in, issued_at}`; the
 * token is an ES256 JWT whose header carries the signing certificate in `x5c`, so the registry
 * can chain it to its `rootcertbundle`. 2.8 rejects an array `aud`, hence a plain string.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID, sign, timingSafeEqual } from 'node:crypto';
import { listenOnLoopback } from './http-listen.js';
import type { SigningCertificate } from './signing-certificate.js';

export type TokenRole = 'reader' | 'pusher';

export interface TokenUser {
  readonly username: string;
  readonly password: string;
  readonly role: TokenRole;
}

export interface TokenServerOptions {
  readonly issuer: string;
  readonly service: string;
  readonly ttlSeconds: number;
  readonly users: readonly TokenUser[];
  /** Repository name prefixes anyone may pull without credentials. */
  readonly anonymousPull: readonly string[];
  readonly certificate: SigningCertificate;
}

/** One token request as the server saw it. */
export interface TokenRequest {
  /** Every requested scope, as sent (`repository:name:pull,push`). */
  readonly scope: string[];
  /** The `account` query parameter, when sent. */
  readonly account?: string;
  /** The user who authenticated with Basic credentials, when any. */
  readonly user?: string;
  readonly status: number;
}

export interface TokenServer {
  readonly url: string;
  readonly realm: string;
  readonly service: string;
  readonly issuer: string;
  requestCount(): number;
  requests(): TokenRequest[];
  stop(): Promise<void>;
}

interface Access {
  type: string;
  name: string;
  actions: string[];
}

/**
 * Starts the token server on a free loopback port.
 *
 * @example
 * const tokens = await startTokenServer({ issuer, service, ttlSeconds: 300, users, anonymousPull: [], certificate });
 * const res = await fetch(`${tokens.realm}?service=${service}&scope=repository:library/app:pull`);
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const recorded: TokenRequest[] = [];
  const server = createServer((request, response) => {
    const entry = handleTokenRequest(options, request, response);
    if (entry) recorded.push(entry);
  });
  const listening = await listenOnLoopback(server);
  const url = `http://${listening.host}`;
  return {
    url,
    realm: `${url}/token`,
    service: options.service,
    issuer: options.issuer,
    requestCount: () => recorded.length,
    requests: () => [...recorded],
    stop: () => listening.close(),
  };
}

function handleTokenRequest(
  options: TokenServerOptions,
  request: IncomingMessage,
  response: ServerResponse,
): TokenRequest | undefined {
  const url = new URL(request.url ?? '/', 'http://token.invalid');
  if (url.pathname !== '/token' || request.method !== 'GET') {
    sendJson(response, 404, { errors: [{ code: 'NOT_FOUND', message: 'unknown endpoint' }] });
    return undefined;
  }
  // Clients may send several scope parameters, each possibly holding space-separated scopes.
  const scope = url.searchParams.getAll('scope').flatMap((value) => value.split(' ').filter(Boolean));
  const account = url.searchParams.get('account') ?? undefined;
  const base = { scope, ...(account === undefined ? {} : { account }) };

  const credentials = parseBasic(request.headers.authorization);
  let role: TokenRole | 'anonymous' = 'anonymous';
  let user: string | undefined;
  if (credentials) {
    const match = options.users.find((candidate) => candidate.username === credentials.username);
    if (!match || !safeEqual(match.password, credentials.password)) {
      sendJson(response, 401, { details: 'incorrect username or password' });
      return { ...base, user: credentials.username, status: 401 };
    }
    role = match.role;
    user = match.username;
  }

  const access = scope.map((item) => grant(options, role, item)).filter((item) => item !== undefined);
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: options.issuer,
    sub: user ?? '',
    aud: options.service,
    exp: now + options.ttlSeconds,
    nbf: now - 1,
    iat: now,
    jti: randomUUID(),
    access,
  };
  const token = signJwt(options.certificate, claims);
  sendJson(response, 200, {
    token,
    access_token: token,
    expires_in: options.ttlSeconds,
    issued_at: new Date(now * 1000).toISOString(),
  });
  return { ...base, ...(user === undefined ? {} : { user }), status: 200 };
}

/** What `role` may do within one requested scope; anonymous callers get empty actions, like Docker Hub. */
function grant(
  options: TokenServerOptions,
  role: TokenRole | 'anonymous',
  scope: string,
): Access | undefined {
  // type[(class)]:name:actions; a name never holds ':' but keep the middle intact anyway.
  const parts = scope.split(':');
  if (parts.length < 3) return undefined;
  const type = (parts[0] ?? '').replace(/\(.*\)$/, '');
  const name = parts.slice(1, -1).join(':');
  const requested = (parts[parts.length - 1] ?? '').split(',').filter(Boolean);
  let allowed: string[] = [];
  if (type === 'repository') {
    if (role === 'pusher') allowed = ['pull', 'push'];
    else if (role === 'reader') allowed = ['pull'];
    else if (options.anonymousPull.some((prefix) => name.startsWith(prefix))) allowed = ['pull'];
  } else if (type === 'registry' && name === 'catalog' && role !== 'anonymous') {
    allowed = ['*'];
  }
  return { type, name, actions: requested.filter((action) => allowed.includes(action)) };
}

function signJwt(certificate: SigningCertificate, claims: object): string {
  const header = { typ: 'JWT', alg: 'ES256', x5c: [certificate.certDerBase64] };
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // JWS ES256 wants the raw r||s pair (RFC 7518 §3.4), not DER.
  const signature = sign('sha256', Buffer.from(input), {
    key: certificate.keyPem,
    dsaEncoding: 'ieee-p1363',
  });
  return `${input}.${signature.toString('base64url')}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return { username: decoded, password: '' };
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (status === 401) headers['www-authenticate'] = 'Basic realm="berth-testkit"';
  response.writeHead(status, headers).end(text);
}
