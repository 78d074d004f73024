/**
 * A fake of Azure Container Registry's data plane in front of a real `docker-registry`:
 * - `GET /oauth2/token?service=&scope=` with Basic credentials (admin user, service principal
 *   or repository-scoped token) → `{access_token}`, as described in "Azure Container Registry's
 *   support of getting Bearer token using Basic Authentication"
 *   (https://azure.github.io/acr/Token-BasicAuth.html); repository-scoped tokens get no
 *   `registry:catalog:*` access;
 * - `GET /acr/v1/{repository}/_tags?n=&last=` (ACR data-plane REST API, "Tags - List") →
 *   `{registry, imageName, tags:[{name, digest, createdTime, lastUpdateTime, signed,
 *   changeableAttributes}]}`, paged with `n`/`last` and a `Link` rel="next";
 * - `/v2/` with `Bearer realm=".../oauth2/token",service="…"` challenges, forwarded to the registry.
 */
import type { RunningRegistry } from '../registry.js';
import { FakeTokens, parseBasic, startFakeServer, type FakeServer } from './fake-http.js';
import {
  bearerAuthorizer,
  forwardToRegistry,
  registryTokenReply,
  type RegistryGrant,
} from './registry-gateway.js';
import { readRegistryContents } from './registry-contents.js';

export interface AcrFakeUser {
  readonly username: string;
  readonly password: string;
  readonly repositories: 'all' | readonly string[];
  readonly catalog: boolean;
}

export interface AcrFakeOptions {
  /** A registry started with `auth: 'basic'`. */
  readonly registry: RunningRegistry;
  readonly users: readonly AcrFakeUser[];
  readonly maxPageSize?: number;
  readonly tokenTtlSeconds?: number;
}

export interface AcrFake extends FakeServer {
  expireTokens(): void;
  tokenCount(): number;
}

const TIME = '2024-01-01T00:00:00.0000000Z';

export async function startAcrFake(options: AcrFakeOptions): Promise<AcrFake> {
  const tokens = new FakeTokens<RegistryGrant>();
  const authorize = bearerAuthorizer(tokens);
  let issued = 0;
  const unauthorized = {
    errors: [
      {
        code: 'UNAUTHORIZED',
        message: 'authentication required, visit https://aka.ms/acr/authorization for more information.',
      },
    ],
  };
  const server = await startFakeServer(async (request, response) => {
    const { pathname } = request;
    const host = request.headers.host ?? '';
    const challenge = (scope?: string): string =>
      `Bearer realm="${request.origin}/oauth2/token",service="${host}"${scope ? `,scope="${scope}"` : ''}`;
    if (pathname === '/oauth2/token') {
      const basic = parseBasic(request.headers.authorization);
      const user =
        basic && options.users.find((u) => u.username === basic.username && u.password === basic.password);
      if (!user) return { status: 401, headers: { 'www-authenticate': challenge() }, json: unauthorized };
      issued++;
      return registryTokenReply(
        tokens,
        { repositories: user.repositories, catalog: user.catalog },
        options.tokenTtlSeconds ?? 300,
      );
    }
    if (pathname.startsWith('/v2/')) {
      return forwardToRegistry(request, response, {
        upstream: options.registry,
        challenge: (access) =>
          challenge(
            access.catalog
              ? 'registry:catalog:*'
              : access.repository
                ? `repository:${access.repository}:pull`
                : undefined,
          ),
        authorize,
      });
    }
    const tags = /^\/acr\/v1\/(.+)\/_tags$/.exec(pathname);
    if (tags?.[1]) {
      const name = tags[1];
      const decision = authorize(request, { catalog: false, repository: name });
      if (decision !== 'ok')
        return {
          status: decision === 'unauthorized' ? 401 : 403,
          headers:
            decision === 'unauthorized'
              ? { 'www-authenticate': challenge(`repository:${name}:metadata_read`) }
              : {},
          json:
            decision === 'unauthorized'
              ? unauthorized
              : { errors: [{ code: 'DENIED', message: 'requested access to the resource is denied' }] },
        };
      const repository = (await readRegistryContents(options.registry)).find((r) => r.name === name);
      if (!repository)
        return {
          status: 404,
          json: { errors: [{ code: 'NAME_UNKNOWN', message: 'repository name not known to registry' }] },
        };
      const n = Math.min(Number(request.query.get('n') ?? 100) || 100, options.maxPageSize ?? 100);
      const last = request.query.get('last');
      const after = repository.tags.filter((t) => last === null || t.name > last);
      const page = after.slice(0, n);
      const more = after.length > n;
      const lastName = page[page.length - 1]?.name ?? '';
      return {
        status: 200,
        headers: more
          ? { link: `</acr/v1/${name}/_tags?last=${encodeURIComponent(lastName)}&n=${n}>; rel="next"` }
          : {},
        json: {
          registry: host,
          imageName: name,
          tags: page.map((t) => ({
            name: t.name,
            digest: t.digest,
            createdTime: TIME,
            lastUpdateTime: TIME,
            signed: false,
            changeableAttributes: {
              deleteEnabled: true,
              writeEnabled: true,
              readEnabled: true,
              listEnabled: true,
            },
          })),
        },
      };
    }
    return { status: 404, json: { errors: [{ code: 'NOT_FOUND', message: 'not found' }] } };
  });
  return { ...server, expireTokens: () => tokens.expireAll(), tokenCount: () => issued };
}
