/**
 * The registry side of a vendor fake: vendors put their own authentication in front of the
 * distribution API (Docker Hub's and GHCR's token services, Quay's robot tokens, ECR's
 * `AWS:` + authorization token, Google's `oauth2accesstoken`, ACR's `/oauth2/token`). The gateway
 * plays that part and forwards authorised `GET`/`HEAD` requests to the real `docker-registry`
 * (through its recording proxy, with the registry's own reader credentials), so manifests,
 * digests and blobs are exactly what the real registry serves. Anything else is refused: the
 * fake is as read-only as Berth must be.
 */
import { request as httpRequest, type ServerResponse } from 'node:http';
import type { RunningRegistry } from '../registry.js';
import { bearerToken, send, type FakeReply, type FakeRequest, type FakeTokens } from './fake-http.js';

/** What a registry request wants: the catalog, one repository, or just `/v2/`. */
export interface RegistryAccessRequest {
  readonly catalog: boolean;
  readonly repository?: string;
}

export type GatewayDecision = 'ok' | 'unauthorized' | 'denied';

export interface GatewayOptions {
  readonly upstream: Pick<RunningRegistry, 'host' | 'credentials'>;
  /** `WWW-Authenticate` sent with a 401 (`Basic realm=…` or `Bearer realm=…,service=…`). */
  challenge(access: RegistryAccessRequest): string;
  authorize(request: FakeRequest, access: RegistryAccessRequest): GatewayDecision;
}

export function registryAccessOf(pathname: string): RegistryAccessRequest {
  if (pathname === '/v2/_catalog') return { catalog: true };
  const m = /^\/v2\/(.+?)\/(manifests|blobs|tags)\//.exec(pathname);
  return m?.[1] ? { catalog: false, repository: m[1] } : { catalog: false };
}

export function forwardToRegistry(
  request: FakeRequest,
  response: ServerResponse,
  options: GatewayOptions,
): 'handled' {
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    send(response, { status: 405, json: { errors: [{ code: 'UNSUPPORTED', message: 'read-only fake' }] } });
    return 'handled';
  }
  const access = registryAccessOf(request.pathname);
  const decision = options.authorize(request, access);
  if (decision !== 'ok') {
    const unauthorized = decision === 'unauthorized';
    send(response, {
      status: unauthorized ? 401 : 403,
      headers: unauthorized ? { 'www-authenticate': options.challenge(access) } : {},
      json: {
        errors: [
          {
            code: unauthorized ? 'UNAUTHORIZED' : 'DENIED',
            message: unauthorized ? 'authentication required' : 'requested access to the resource is denied',
          },
        ],
      },
    });
    return 'handled';
  }
  const [hostname = '127.0.0.1', port = '80'] = options.upstream.host.split(':');
  const headers: Record<string, string> = {};
  for (const name of ['accept', 'range', 'user-agent']) {
    const v = request.headers[name];
    if (typeof v === 'string') headers[name] = v;
  }
  const creds = options.upstream.credentials;
  if (creds)
    headers.authorization = `Basic ${Buffer.from(`${creds.username}:${creds.password}`).toString('base64')}`;
  const url = new URL(request.raw.url ?? '/', 'http://x');
  const upstream = httpRequest(
    { hostname, port: Number(port), method: request.method, path: `${url.pathname}${url.search}`, headers },
    (res) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(res.headers)) {
        if (
          value === undefined ||
          name === 'www-authenticate' ||
          name === 'connection' ||
          name === 'keep-alive'
        )
          continue;
        out[name] = value;
      }
      response.writeHead(res.statusCode ?? 502, out);
      res.pipe(response);
    },
  );
  upstream.once('error', (error) => {
    if (!response.headersSent) send(response, { status: 502, text: `gateway: ${error.message}` });
    else response.destroy();
  });
  upstream.end();
  return 'handled';
}

/** What a registry token allows, as the vendor's token service decided. */
export interface RegistryGrant {
  readonly repositories: 'all' | readonly string[];
  readonly catalog: boolean;
}

/** The distribution token spec's answer: `{token, access_token, expires_in, issued_at}`. */
export function registryTokenReply(
  tokens: FakeTokens<RegistryGrant>,
  grant: RegistryGrant,
  ttlSeconds: number,
): FakeReply {
  const token = tokens.issue(grant, ttlSeconds);
  return {
    status: 200,
    json: { token, access_token: token, expires_in: ttlSeconds, issued_at: new Date().toISOString() },
  };
}

/** Authorises registry requests carrying a bearer token from `tokens`. */
export function bearerAuthorizer(tokens: FakeTokens<RegistryGrant>): GatewayOptions['authorize'] {
  return (request, access) => {
    const grant = tokens.verify(bearerToken(request.headers.authorization));
    if (!grant) return 'unauthorized';
    if (access.catalog && !grant.catalog) return 'denied';
    if (access.repository && grant.repositories !== 'all' && !grant.repositories.includes(access.repository))
      return 'denied';
    return 'ok';
  };
}
