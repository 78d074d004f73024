/**
 * A fake of Docker Hub in front of a real `docker-registry`, following the Docker Hub API
 * reference (https://docs.docker.com/reference/api/hub/latest/):
 * - `POST /v2/auth/token` `{identifier, secret}` → `{access_token}` ("Create access token"),
 *   401 for a wrong username or personal access token;
 * - `GET /v2/namespaces/{namespace}/repositories?page=&page_size=` and
 *   `GET /v2/namespaces/{namespace}/repositories/{repository}/tags?page=&page_size=`
 *   (`page_size` ≤ 100; `{count, next, previous, results}`; tags carry `digest`, `full_size`,
 *   `media_type`, `images[]` per platform and `tag_last_pushed`), answering 401 without a valid
 *   bearer and 403 for a namespace the account may not read;
 * - `X-RateLimit-Limit/Remaining/Reset` on every answer, 429 + `Retry-After` when scripted
 *   ("Rate Limiting" in the same reference);
 * - the registry on the same origin with Docker's token authentication (distribution
 *   `spec/auth/token.md`, as auth.docker.io does): `GET /token?service=&scope=` with Basic
 *   username + token. "Public Repo Read-only" tokens do not see private repositories.
 */
import type { RunningRegistry } from '../registry.js';
import {
  bearerToken,
  clampPageSize,
  FakeTokens,
  jsonBody,
  pageOf,
  parseBasic,
  startFakeServer,
  type FakeReply,
  type FakeServer,
} from './fake-http.js';
import { forwardToRegistry } from './registry-gateway.js';
import { readRegistryContents, type RegistryRepository } from './registry-contents.js';

export interface DockerHubFakeUser {
  readonly username: string;
  /** The personal access token. */
  readonly secret: string;
  /** Namespaces this account may read: its own and the organisations it belongs to. */
  readonly namespaces: readonly string[];
  /** `repo:public_read` ("Public Repo Read-only") hides private repositories. Default `repo:read`. */
  readonly scope?: 'repo:read' | 'repo:public_read';
}

export interface DockerHubFakeOptions {
  /** A registry started with `auth: 'basic'`. */
  readonly registry: RunningRegistry;
  readonly users: readonly DockerHubFakeUser[];
  /** Largest page the fake hands out (Hub: 100); smaller values exercise paging. */
  readonly maxPageSize?: number;
  readonly tokenTtlSeconds?: number;
  /** Repositories (`ns/name`) that are private. */
  readonly privateRepositories?: readonly string[];
}

export interface DockerHubFake extends FakeServer {
  /** Makes every issued Hub and registry token invalid. */
  expireTokens(): void;
  /** How many Hub tokens were issued. */
  tokenExchanges(): number;
}

interface Session {
  readonly user: DockerHubFakeUser;
}

export async function startDockerHubFake(options: DockerHubFakeOptions): Promise<DockerHubFake> {
  const hubTokens = new FakeTokens<Session>();
  const registryTokens = new FakeTokens<Session>();
  const ttl = options.tokenTtlSeconds ?? 300;
  const maxPage = Math.min(100, options.maxPageSize ?? 100);
  const isPrivate = (name: string): boolean => options.privateRepositories?.includes(name) ?? false;
  const visible = (user: DockerHubFakeUser, name: string): boolean => {
    const ns = name.split('/')[0] ?? '';
    if (!user.namespaces.includes(ns)) return !isPrivate(name);
    return user.scope === 'repo:public_read' ? !isPrivate(name) : true;
  };
  let exchanges = 0;
  let remaining = 180;
  const quota = (): Record<string, string> => ({
    'x-ratelimit-limit': '180',
    'x-ratelimit-remaining': String(Math.max(0, --remaining)),
    'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 60),
  });
  const unauthorized = (): FakeReply => ({
    status: 401,
    headers: quota(),
    json: { detail: 'Authentication credentials were not provided or are invalid.', message: 'unauthorized' },
  });

  const server = await startFakeServer(async (request, response) => {
    const { pathname } = request;
    if (
      pathname.startsWith('/v2/') &&
      !pathname.startsWith('/v2/namespaces/') &&
      pathname !== '/v2/auth/token'
    ) {
      return forwardToRegistry(request, response, {
        upstream: options.registry,
        challenge: (access) =>
          `Bearer realm="${request.origin}/token",service="registry.docker.io"${access.repository ? `,scope="repository:${access.repository}:pull"` : ''}`,
        authorize: (req, access) => {
          const session = registryTokens.verify(bearerToken(req.headers.authorization));
          if (!session) return 'unauthorized';
          if (access.catalog) return 'denied'; // Docker Hub has no catalog.
          if (access.repository && !visible(session.user, access.repository)) return 'denied';
          return 'ok';
        },
      });
    }
    if (pathname === '/token' && request.method === 'GET') {
      const basic = parseBasic(request.headers.authorization);
      const user =
        basic && options.users.find((u) => u.username === basic.username && u.secret === basic.password);
      if (basic && !user) return { status: 401, json: { details: 'incorrect username or password' } };
      if (!user) return { status: 401, json: { details: 'anonymous pulls are not served by this fake' } };
      const token = registryTokens.issue({ user }, ttl);
      return {
        status: 200,
        json: { token, access_token: token, expires_in: ttl, issued_at: new Date().toISOString() },
      };
    }
    if (pathname === '/v2/auth/token' && request.method === 'POST') {
      const body = jsonBody(request);
      const user = options.users.find((u) => u.username === body.identifier && u.secret === body.secret);
      if (!user)
        return {
          status: 401,
          headers: quota(),
          json: { message: 'Incorrect authentication credentials', errinfo: {} },
        };
      exchanges++;
      return {
        status: 200,
        headers: quota(),
        json: { access_token: hubTokens.issue({ user }, ttl, { sub: user.username }) },
      };
    }
    const repos = /^\/v2\/namespaces\/([^/]+)\/repositories\/?$/.exec(pathname);
    const tags = /^\/v2\/namespaces\/([^/]+)\/repositories\/([^/]+)\/tags\/?$/.exec(pathname);
    if ((repos || tags) && request.method === 'GET') {
      const session = hubTokens.verify(bearerToken(request.headers.authorization));
      if (!session) return unauthorized();
      const namespace = decodeURIComponent((repos ?? tags)?.[1] ?? '');
      if (!session.user.namespaces.includes(namespace))
        return {
          status: 403,
          headers: quota(),
          json: { message: `forbidden: no access to namespace ${namespace}`, errinfo: {} },
        };
      const contents = await readRegistryContents(options.registry);
      const page = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
      const size = clampPageSize(request.query.get('page_size'), 10, maxPage);
      const link = (p: number): string => {
        const u = new URL(`${request.origin}${pathname}`);
        u.searchParams.set('page', String(p));
        u.searchParams.set('page_size', String(size));
        return u.toString();
      };
      if (repos) {
        const all = contents.filter(
          (r) =>
            r.name.split('/').length === 2 &&
            r.name.startsWith(`${namespace}/`) &&
            visible(session.user, r.name),
        );
        const { items, more } = pageOf(all, page, size);
        return {
          status: 200,
          headers: quota(),
          json: {
            count: all.length,
            next: more ? link(page + 1) : null,
            previous: page > 1 ? link(page - 1) : null,
            results: items.map((r) => hubRepository(r, namespace, isPrivate(r.name))),
          },
        };
      }
      const name = `${namespace}/${decodeURIComponent(tags?.[2] ?? '')}`;
      const repository = contents.find((r) => r.name === name);
      if (!repository || !visible(session.user, name))
        return { status: 404, headers: quota(), json: { message: 'object not found', errinfo: {} } };
      const { items, more } = pageOf(repository.tags, page, size);
      return {
        status: 200,
        headers: quota(),
        json: {
          count: repository.tags.length,
          next: more ? link(page + 1) : null,
          previous: page > 1 ? link(page - 1) : null,
          results: items.map((t, i) => ({
            id: i + 1,
            name: t.name,
            digest: t.digest,
            media_type: t.mediaType,
            content_type: 'image',
            full_size: t.size,
            v2: true,
            status: 'active',
            repository: 0,
            last_updated: PUSHED_AT,
            tag_last_pushed: PUSHED_AT,
            tag_last_pulled: null,
            tag_status: 'active',
            images: t.isIndex
              ? t.platforms.map((p) => ({
                  ...p,
                  variant: p.variant ?? null,
                  status: 'active',
                  last_pushed: PUSHED_AT,
                }))
              : [
                  {
                    architecture: 'amd64',
                    os: 'linux',
                    variant: null,
                    digest: t.digest,
                    size: t.size,
                    status: 'active',
                    last_pushed: PUSHED_AT,
                  },
                ],
          })),
        },
      };
    }
    return { status: 404, json: { message: 'not found' } };
  });
  return {
    ...server,
    expireTokens: () => {
      hubTokens.expireAll();
      registryTokens.expireAll();
    },
    tokenExchanges: () => exchanges,
  };
}

const PUSHED_AT = '2024-01-01T00:00:00.000000Z';

function hubRepository(
  r: RegistryRepository,
  namespace: string,
  isPrivate: boolean,
): Record<string, unknown> {
  return {
    name: r.name.slice(namespace.length + 1),
    namespace,
    repository_type: 'image',
    status: 1,
    status_description: 'active',
    description: '',
    is_private: isPrivate,
    star_count: 0,
    pull_count: 0,
    last_updated: PUSHED_AT,
    date_registered: PUSHED_AT,
    affiliation: '',
    media_types: [...new Set(r.tags.map((t) => t.mediaType))],
    content_types: ['image'],
  };
}
