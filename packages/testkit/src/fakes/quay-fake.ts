/**
 * A fake of Quay (quay.io and self-hosted Red Hat Quay) in front of a real `docker-registry`,
 * following the Red Hat Quay API reference
 * (https://docs.redhat.com/en/documentation/red_hat_quay/3/html/red_hat_quay_api_reference/):
 * - `GET /api/v1/repository?namespace=&next_page=` ("listRepos", `{repositories, next_page}`) and
 *   `GET /api/v1/repository/{namespace}/{repository}/tag/?page=&limit=&onlyActiveTags=`
 *   ("listRepoTags", `limit` ≤ 100, `{tags, page, has_additional}`; tags carry
 *   `manifest_digest`, `is_manifest_list`, `size`, `start_ts`, `last_modified`), authorised by
 *   an OAuth application token with the `repo:read` scope (401 for an unknown token, 403 when
 *   the scope or the namespace is missing), errors as `{status, error_message, title, detail}`;
 * - the registry on the same origin with Docker token auth at `/v2/auth` (as quay.io does),
 *   where robot accounts (`org+name` + token) get pull tokens, and `_catalog` for their repositories.
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
import { readRegistryContents } from './registry-contents.js';

export interface QuayRobot {
  /** `org+name` */
  readonly username: string;
  readonly token: string;
  /** Repositories the robot may read; `all` by default. */
  readonly repositories?: 'all' | readonly string[];
}

export interface QuayOAuthToken {
  readonly token: string;
  readonly scopes: readonly string[];
  readonly namespaces: readonly string[];
}

export interface QuayFakeOptions {
  /** A registry started with `auth: 'basic'`. */
  readonly registry: RunningRegistry;
  readonly robots: readonly QuayRobot[];
  readonly oauthTokens?: readonly QuayOAuthToken[];
  /** Largest page handed out (Quay: 100). */
  readonly maxPageSize?: number;
  readonly tokenTtlSeconds?: number;
}

export interface QuayFake extends FakeServer {
  expireTokens(): void;
  /** Revokes every OAuth token (they answer 401 from now on). */
  revokeOAuthTokens(): void;
  registryTokenCount(): number;
}

const LAST_MODIFIED = 'Mon, 01 Jan 2024 00:00:00 -0000';

export async function startQuayFake(options: QuayFakeOptions): Promise<QuayFake> {
  const registryTokens = new FakeTokens<RegistryGrant>();
  const maxPage = Math.min(100, options.maxPageSize ?? 100);
  let revoked = false;
  let issued = 0;
  const apiError = (status: number, title: string, detail: string): FakeReply => ({
    status,
    json: {
      status,
      error_message: detail,
      title,
      error_type: title,
      detail,
      type: `${'https://quay.io'}/api/v1/error/${title}`,
    },
  });

  const server = await startFakeServer(async (request, response) => {
    const { pathname } = request;
    if (pathname === '/v2/auth') {
      const basic = parseBasic(request.headers.authorization);
      const robot =
        basic && options.robots.find((r) => r.username === basic.username && r.token === basic.password);
      if (!robot) return { status: 401, json: { error: 'Invalid Username or Password' } };
      issued++;
      return registryTokenReply(
        registryTokens,
        { repositories: robot.repositories ?? 'all', catalog: true },
        options.tokenTtlSeconds ?? 300,
      );
    }
    if (pathname.startsWith('/v2/')) {
      return forwardToRegistry(request, response, {
        upstream: options.registry,
        challenge: (access) =>
          `Bearer realm="${request.origin}/v2/auth",service="${request.headers.host ?? ''}"${access.repository ? `,scope="repository:${access.repository}:pull"` : ''}`,
        authorize: bearerAuthorizer(registryTokens),
      });
    }
    if (!pathname.startsWith('/api/v1/')) return { status: 404, json: { error: 'not found' } };
    const token = bearerToken(request.headers.authorization);
    const oauth = revoked ? undefined : options.oauthTokens?.find((t) => t.token === token);
    if (!oauth) return apiError(401, 'unauthorized', 'Invalid bearer token');
    if (!oauth.scopes.includes('repo:read'))
      return apiError(403, 'insufficient_scope', 'The token does not have the repo:read scope');
    const contents = await readRegistryContents(options.registry);

    if (pathname === '/api/v1/repository') {
      const namespace = request.query.get('namespace') ?? '';
      if (!oauth.namespaces.includes(namespace))
        return apiError(403, 'unauthorized', `Unauthorized access to namespace ${namespace}`);
      const all = contents.filter((r) => r.name.startsWith(`${namespace}/`));
      const offset =
        Number(Buffer.from(request.query.get('next_page') ?? '', 'base64url').toString('utf8')) || 0;
      const items = all.slice(offset, offset + maxPage);
      return {
        status: 200,
        json: {
          repositories: items.map((r) => ({
            namespace,
            name: r.name.slice(namespace.length + 1),
            description: null,
            is_public: false,
            kind: 'image',
            state: 'NORMAL',
            is_starred: false,
            last_modified: 1_704_067_200,
          })),
          ...(offset + maxPage < all.length
            ? { next_page: Buffer.from(String(offset + maxPage)).toString('base64url') }
            : {}),
        },
      };
    }
    const tags = /^\/api\/v1\/repository\/([^/]+)\/(.+)\/tag\/?$/.exec(pathname);
    if (tags) {
      const namespace = decodeURIComponent(tags[1] ?? '');
      const name = `${namespace}/${decodeURIComponent(tags[2] ?? '')}`;
      if (!oauth.namespaces.includes(namespace))
        return apiError(403, 'unauthorized', `Unauthorized access to ${name}`);
      const repository = contents.find((r) => r.name === name);
      if (!repository) return apiError(404, 'not_found', 'Not Found');
      const page = Math.max(1, Number(request.query.get('page') ?? 1) || 1);
      const { items, more } = pageOf(
        repository.tags,
        page,
        clampPageSize(request.query.get('limit'), 50, maxPage),
      );
      return {
        status: 200,
        json: {
          tags: items.map((t) => ({
            name: t.name,
            reversion: false,
            start_ts: 1_704_067_200,
            manifest_digest: t.digest,
            is_manifest_list: t.isIndex,
            size: t.size,
            last_modified: LAST_MODIFIED,
          })),
          page,
          has_additional: more,
        },
      };
    }
    return apiError(404, 'not_found', 'Not Found');
  });
  return {
    ...server,
    expireTokens: () => registryTokens.expireAll(),
    revokeOAuthTokens: () => {
      revoked = true;
    },
    registryTokenCount: () => issued,
  };
}
