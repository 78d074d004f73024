import { basicAuthenticator, isOciError, nextLink, remoteImageSource } from '@berth/oci';
import { checkCredentialShape, endpointValue, listValue } from './config-values.js';
import { ConnectorError, fromOciError } from './connector-error.js';
import type { Connector, PlatformDefinition, RepositoryInfo, TagInfo } from './connector.js';
import { decodeCursor, encodeCursor, isRecord } from './page-cursor.js';
import { createRegistryAccess } from './registry-access.js';
import { header, VendorHttp, type VendorResponse } from './vendor-http.js';

const NAME = 'GitHub';
const GITHUB_API = 'https://api.github.com';
const GHCR = 'https://ghcr.io';
/** GitHub REST: `per_page` is at most 100. */
const PER_PAGE = 100;

interface Owner {
  readonly login: string;
  readonly kind: 'user' | 'org';
}
interface GhcrCursor {
  readonly n: number;
  readonly p: number;
}
const isGhcrCursor = (v: unknown): v is GhcrCursor =>
  isRecord(v) && Number.isInteger(v.n) && Number.isInteger(v.p) && (v.p as number) >= 1;

/**
 * GitHub Container Registry: the packages REST API (`package_type=container`, versions carry
 * `metadata.container.tags`, `Link` paging) lists images of the user and of organisations;
 * pulls from ghcr.io with the username and a classic personal access token with `read:packages`.
 * API reference: https://docs.github.com/en/rest/packages/packages
 */
export const ghcrPlatform: PlatformDefinition = {
  id: 'ghcr',
  name: 'GitHub Container Registry',
  hintField: 'token',
  credentialFields: [
    { name: 'username', label: 'GitHub username', secret: false, required: true },
    {
      name: 'token',
      label: 'Personal access token (classic) with read:packages',
      secret: true,
      required: true,
      placeholder: 'ghp_…',
    },
  ],
  configFields: [
    {
      name: 'organizations',
      label: 'Organisations to include besides your own packages',
      secret: false,
      required: false,
      kind: 'list',
    },
    {
      name: 'endpoint',
      label: 'GitHub API URL',
      secret: false,
      required: false,
      placeholder: GITHUB_API,
      help: 'Leave empty for github.com.',
    },
    { name: 'registryEndpoint', label: 'Registry URL', secret: false, required: false, placeholder: GHCR },
  ],
  instructions: [
    'Berth reads GitHub packages with a **classic personal access token** that has only the **`read:packages`** scope.',
    '',
    '1. GitHub → **Settings → Developer settings → Personal access tokens → Tokens (classic) → Generate new token (classic)**.',
    '2. Name it "Berth", choose an expiry and tick **only `read:packages`** (no `repo`, no `write:packages`, no `delete:packages`).',
    '3. For organisations that use SAML single sign-on, click **Configure SSO** next to the token and authorise it for the organisation.',
    '4. Enter your GitHub username and the token, and list the organisations whose packages Berth should show.',
  ].join('\n'),
  check(config, credentials) {
    endpointValue(config, 'endpoint', false);
    endpointValue(config, 'registryEndpoint', false);
    listValue(config, 'organizations');
    checkCredentialShape(credentials, [['username', 'token']], 'GitHub Container Registry');
  },
  create(config, credentials, context): Connector {
    const api = endpointValue(config, 'endpoint', false, GITHUB_API) as URL;
    const registryUrl = endpointValue(config, 'registryEndpoint', false, GHCR) as URL;
    const orgs = listValue(config, 'organizations');
    const http = new VendorHttp({
      platformName: NAME,
      endpointPolicy: context.endpointPolicy,
      ...(context.retry ? { retry: context.retry } : {}),
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
    });
    const access = createRegistryAccess({
      endpoint: registryUrl,
      context,
      authenticator: {
        authorization: async () => {
          const c = await credentials();
          return basicAuthenticator(c.username ?? '', c.token ?? '').authorization();
        },
      },
    });
    const { client, registry } = access;
    const owners = async (): Promise<Owner[]> => {
      const { username } = await credentials();
      return [
        { login: username ?? '', kind: 'user' as const },
        ...orgs.map((login) => ({ login, kind: 'org' as const })),
      ];
    };
    const apiUrl = (path: string): URL =>
      new URL(path.replace(/^\//, ''), api.href.endsWith('/') ? api.href : `${api.href}/`);

    const get = async (path: string, what: string, signal?: AbortSignal): Promise<VendorResponse> => {
      const { token } = await credentials();
      try {
        return await http.request({
          method: 'GET',
          url: apiUrl(path),
          headers: {
            accept: 'application/vnd.github+json',
            'x-github-api-version': '2022-11-28',
            authorization: `Bearer ${token ?? ''}`,
          },
          signal,
          what,
        });
      } catch (error) {
        if (!(error instanceof ConnectorError)) throw error;
        // GitHub signals an exhausted primary rate limit with 403 and X-RateLimit-Remaining: 0.
        if (error.code === 'insufficient_permissions' && http.rateLimit()?.remaining === 0)
          throw new ConnectorError('rate_limited', `GitHub's API rate limit is used up while ${what}`, {
            cause: error,
            retryable: true,
          });
        if (error.code === 'invalid_credentials')
          throw new ConnectorError(
            'invalid_credentials',
            'GitHub rejected the personal access token: it may be expired or revoked; create a classic token with the read:packages scope',
            { cause: error },
          );
        if (error.code === 'insufficient_permissions')
          throw new ConnectorError(
            'insufficient_permissions',
            `GitHub does not let this token be used for ${what}: it needs the read:packages scope, your account needs access to the organisation's packages, and for SAML SSO organisations the token must be authorised (Configure SSO)`,
            { cause: error },
          );
        throw error;
      }
    };
    const packagesPath = (owner: Owner, page: number, perPage = PER_PAGE): string =>
      `${owner.kind === 'user' ? 'user' : `orgs/${encodeURIComponent(owner.login)}`}/packages?package_type=container&per_page=${perPage}&page=${page}`;

    return {
      platform: 'ghcr',
      registry,
      async validate(signal) {
        const me = await get('/user', 'checking the token', signal);
        const scopes = header(me.headers, 'x-oauth-scopes');
        // Classic tokens list their scopes; fine-grained tokens do not send the header.
        if (
          scopes !== undefined &&
          !scopes.split(/,\s*/).some((s) => /^(read|write|delete):packages$/.test(s))
        )
          throw new ConnectorError(
            'insufficient_permissions',
            `GitHub accepted the token but it lacks the read:packages scope (it has: ${scopes || 'no scopes'}); create a classic token with read:packages`,
          );
        let first: string | undefined;
        for (const owner of await owners()) {
          const res = await get(
            packagesPath(owner, 1, 1),
            `listing the container packages of ${owner.login}`,
            signal,
          );
          const item = Array.isArray(res.body) && isRecord(res.body[0]) ? res.body[0] : undefined;
          if (!first && typeof item?.name === 'string') first = `${owner.login.toLowerCase()}/${item.name}`;
        }
        if (first) {
          try {
            await client.checkAuth(registry, first, signal);
          } catch (error) {
            if (isOciError(error, 'unauthorized'))
              throw new ConnectorError(
                'invalid_credentials',
                `ghcr.io refused pulls with this username and token (${first})`,
                { cause: error },
              );
            throw fromOciError(error, NAME);
          }
        }
        return {
          ok: true,
          detail: `GitHub accepted the token; container packages of ${(await owners()).map((o) => o.login).join(', ')} are readable`,
        };
      },
      async listRepositories(cursor, signal) {
        const list = await owners();
        const state = cursor ? decodeCursor(cursor, isGhcrCursor) : { n: 0, p: 1 };
        const owner = list[state.n];
        if (!owner) return { items: [] };
        const res = await get(
          packagesPath(owner, state.p),
          `listing the container packages of ${owner.login}`,
          signal,
        );
        const items: RepositoryInfo[] = (Array.isArray(res.body) ? res.body : []).flatMap((p: unknown) =>
          isRecord(p) && typeof p.name === 'string'
            ? [
                {
                  name: `${(isRecord(p.owner) && typeof p.owner.login === 'string' ? p.owner.login : owner.login).toLowerCase()}/${p.name}`,
                  ...(typeof p.updated_at === 'string' ? { lastPushedAt: p.updated_at } : {}),
                },
              ]
            : [],
        );
        // Only whether `Link` has rel="next" matters; the URL is rebuilt on our endpoint.
        const more = nextLink(res.headers.link, res.url) !== undefined;
        const next = more
          ? { n: state.n, p: state.p + 1 }
          : state.n + 1 < list.length
            ? { n: state.n + 1, p: 1 }
            : undefined;
        return { items, ...(next ? { next: encodeCursor(next) } : {}) };
      },
      async listTags(repository, cursor, signal) {
        const slash = repository.indexOf('/');
        if (slash < 0)
          throw new ConnectorError('invalid_configuration', `"${repository}" is not an owner/package name`);
        const ownerName = repository.slice(0, slash);
        const packageName = encodeURIComponent(repository.slice(slash + 1));
        const { username } = await credentials();
        const base =
          ownerName.toLowerCase() === (username ?? '').toLowerCase()
            ? 'user'
            : orgs.some((o) => o.toLowerCase() === ownerName.toLowerCase())
              ? `orgs/${encodeURIComponent(ownerName)}`
              : `users/${encodeURIComponent(ownerName)}`;
        const page = cursor
          ? decodeCursor(cursor, (v): v is number => Number.isInteger(v) && (v as number) >= 1)
          : 1;
        const res = await get(
          `${base}/packages/container/${packageName}/versions?per_page=${PER_PAGE}&page=${page}`,
          `listing the versions of ${repository}`,
          signal,
        );
        const items: TagInfo[] = [];
        for (const v of Array.isArray(res.body) ? res.body : []) {
          if (!isRecord(v) || typeof v.name !== 'string') continue;
          const container =
            isRecord(v.metadata) && isRecord(v.metadata.container) ? v.metadata.container : {};
          const tags = Array.isArray(container.tags)
            ? container.tags.filter((t): t is string => typeof t === 'string')
            : [];
          for (const tag of tags)
            items.push({
              name: tag,
              digest: v.name,
              ...(typeof v.updated_at === 'string' ? { pushedAt: v.updated_at } : {}),
            });
        }
        const more = nextLink(res.headers.link, res.url) !== undefined;
        return { items, ...(more ? { next: encodeCursor(page + 1) } : {}) };
      },
      keychain: () => access.keychain,
      imageSource: (repository) => remoteImageSource(client, { registry, repository }),
      rateLimit: () => http.rateLimit() ?? client.rateLimit(registry),
      close: async () => {
        await Promise.all([http.close(), client.close()]);
      },
    };
  },
};
