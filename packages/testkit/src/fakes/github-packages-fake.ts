/**
 * A fake of GitHub's REST API for packages and of the GitHub Container Registry in front of a
 * real `docker-registry`, following "REST API endpoints for packages"
 * (https://docs.github.com/en/rest/packages/packages, API version 2022-11-28):
 * - `GET /user` (with the classic token's scopes in `X-OAuth-Scopes`);
 * - `GET /user/packages`, `GET /orgs/{org}/packages` with `package_type=container`;
 * - `GET /user/packages/container/{name}/versions`, `/orgs/{org}/…` and `/users/{user}/…`,
 *   versions named by digest and carrying `metadata.container.tags`;
 * - paging with `per_page` (≤ 100) and `page`, announced in `Link` (rel="next"/"last", see
 *   "Using pagination in the REST API"); `X-RateLimit-*` on every answer;
 * - 401 `Bad credentials`, 403 when the token lacks `read:packages` ("You need at least
 *   read:packages scope to list packages.") or the account is not a member of the organisation;
 * - the registry (ghcr.io) on the same origin with Docker token auth at `/token`, where the
 *   username + personal access token get pull tokens if the token has `read:packages`.
 */
import type { RunningRegistry } from '../registry.js';
import {
  bearerToken,
  clampPageSize,
  FakeTokens,
  pageOf,
  parseBasic,
  startFakeServer,
  type FakeReply,
  type FakeServer,
} from './fake-http.js';
import {
  bearerAuthorizer,
  forwardToRegistry,
  registryTokenReply,
  type RegistryGrant,
} from './registry-gateway.js';
import { readRegistryContents, type RegistryRepository } from './registry-contents.js';

export interface GitHubFakeUser {
  readonly login: string;
  readonly token: string;
  /** Classic token scopes, e.g. `['read:packages']`. */
  readonly scopes: readonly string[];
  readonly orgs?: readonly string[];
}

export interface GitHubPackagesFakeOptions {
  /** A registry started with `auth: 'basic'`. */
  readonly registry: RunningRegistry;
  readonly users: readonly GitHubFakeUser[];
  readonly maxPageSize?: number;
  readonly tokenTtlSeconds?: number;
}

export interface GitHubPackagesFake extends FakeServer {
  expireTokens(): void;
  registryTokenCount(): number;
}

const TIME = '2024-01-01T00:00:00Z';
const canRead = (u: GitHubFakeUser): boolean =>
  u.scopes.some((s) => /^(read|write|delete):packages$/.test(s));

export async function startGitHubPackagesFake(
  options: GitHubPackagesFakeOptions,
): Promise<GitHubPackagesFake> {
  const registryTokens = new FakeTokens<RegistryGrant>();
  const maxPage = Math.min(100, options.maxPageSize ?? 100);
  let remaining = 5000;
  let issued = 0;
  const headers = (): Record<string, string> => ({
    'x-ratelimit-limit': '5000',
    'x-ratelimit-remaining': String(--remaining),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
    'x-ratelimit-resource': 'core',
    'x-github-api-version-selected': '2022-11-28',
  });
  const error = (status: number, message: string): FakeReply => ({
    status,
    headers: headers(),
    json: {
      message,
      documentation_url: 'https://docs.github.com/rest/packages/packages',
      status: String(status),
    },
  });
  const owned = (contents: readonly RegistryRepository[], owner: string): RegistryRepository[] =>
    contents.filter((r) => r.name.startsWith(`${owner.toLowerCase()}/`));

  const server = await startFakeServer(async (request, response) => {
    const { pathname } = request;
    if (pathname === '/token') {
      const basic = parseBasic(request.headers.authorization);
      const user =
        basic && options.users.find((u) => u.login === basic.username && u.token === basic.password);
      if (!user)
        return {
          status: 401,
          json: { errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] },
        };
      issued++;
      const owners = [user.login, ...(user.orgs ?? [])].map((o) => o.toLowerCase());
      const contents = await readRegistryContents(options.registry);
      const repositories = canRead(user)
        ? contents.filter((r) => owners.includes(r.name.split('/')[0] ?? '')).map((r) => r.name)
        : [];
      return registryTokenReply(
        registryTokens,
        { repositories, catalog: false },
        options.tokenTtlSeconds ?? 300,
      );
    }
    if (pathname.startsWith('/v2/')) {
      return forwardToRegistry(request, response, {
        upstream: options.registry,
        challenge: (access) =>
          `Bearer realm="${request.origin}/token",service="ghcr.io"${access.repository ? `,scope="repository:${access.repository}:pull"` : ''}`,
        authorize: bearerAuthorizer(registryTokens),
      });
    }
    const token =
      bearerToken(request.headers.authorization) ??
      /^token\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    const user = options.users.find((u) => u.token === token);
    if (!user) return error(401, 'Bad credentials');
    if (pathname === '/user')
      return {
        status: 200,
        headers: { ...headers(), 'x-oauth-scopes': user.scopes.join(', ') },
        json: { login: user.login, id: 1, type: 'User' },
      };

    const list = /^\/(?:user|orgs\/([^/]+))\/packages$/.exec(pathname);
    const versions = /^\/(?:user|orgs\/([^/]+)|users\/([^/]+))\/packages\/container\/([^/]+)\/versions$/.exec(
      pathname,
    );
    if (!list && !versions) return error(404, 'Not Found');
    if (!canRead(user)) return error(403, 'You need at least read:packages scope to list packages.');
    const org = list?.[1] ?? versions?.[1];
    if (org && !(user.orgs ?? []).includes(org))
      return error(403, 'Resource not accessible by personal access token');
    const owner = org ?? versions?.[2] ?? user.login;
    const contents = await readRegistryContents(options.registry);
    const page = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
    const perPage = clampPageSize(request.query.get('per_page'), 30, maxPage);
    const linked = <T>(all: readonly T[]): { items: T[]; link: Record<string, string> } => {
      const { items, more } = pageOf(all, page, perPage);
      const last = Math.max(1, Math.ceil(all.length / perPage));
      const url = (p: number): string => {
        const u = new URL(`${request.origin}${pathname}`);
        for (const [k, v] of request.query) u.searchParams.set(k, v);
        u.searchParams.set('page', String(p));
        u.searchParams.set('per_page', String(perPage));
        return u.toString();
      };
      const parts = [
        ...(more ? [`<${url(page + 1)}>; rel="next"`, `<${url(last)}>; rel="last"`] : []),
        ...(page > 1 ? [`<${url(1)}>; rel="first"`, `<${url(page - 1)}>; rel="prev"`] : []),
      ];
      return { items, link: parts.length ? { link: parts.join(', ') } : {} };
    };
    if (list) {
      if (request.query.get('package_type') !== 'container') return error(400, 'package_type is required');
      const { items, link } = linked(owned(contents, owner));
      return {
        status: 200,
        headers: { ...headers(), ...link },
        json: items.map((r, i) => ({
          id: i + 1,
          name: r.name.slice(owner.length + 1),
          package_type: 'container',
          owner: { login: owner, type: org ? 'Organization' : 'User' },
          version_count: new Set(r.tags.map((t) => t.digest)).size,
          visibility: 'private',
          url: `${request.origin}${org ? `/orgs/${org}` : `/users/${owner}`}/packages/container/${encodeURIComponent(r.name.slice(owner.length + 1))}`,
          created_at: TIME,
          updated_at: TIME,
        })),
      };
    }
    const name = `${owner.toLowerCase()}/${decodeURIComponent(versions?.[3] ?? '')}`;
    const repository = contents.find((r) => r.name === name);
    if (!repository) return error(404, 'Package not found.');
    const byDigest = new Map<string, string[]>();
    for (const t of repository.tags) byDigest.set(t.digest, [...(byDigest.get(t.digest) ?? []), t.name]);
    const { items, link } = linked([...byDigest.entries()]);
    return {
      status: 200,
      headers: { ...headers(), ...link },
      json: items.map(([digest, tags], i) => ({
        id: 1000 + i,
        name: digest,
        url: `${request.origin}${pathname}/${1000 + i}`,
        package_html_url: `https://github.com/${owner}/packages`,
        created_at: TIME,
        updated_at: TIME,
        html_url: `https://github.com/${owner}/packages/container/${name}/${1000 + i}`,
        metadata: { package_type: 'container', container: { tags } },
      })),
    };
  });
  return { ...server, expireTokens: () => registryTokens.expireAll(), registryTokenCount: () => issued };
}
