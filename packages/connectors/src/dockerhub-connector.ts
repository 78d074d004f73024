import { basicAuthenticator, isOciError, remoteImageSource } from '@berth/oci';
import { checkCredentialShape, endpointValue, listValue } from './config-values.js';
import { ConnectorError, fromOciError } from './connector-error.js';
import type { Connector, PlatformDefinition, PlatformRef, RepositoryInfo, TagInfo } from './connector.js';
import { decodeCursor, encodeCursor, isRecord } from './page-cursor.js';
import { createRegistryAccess } from './registry-access.js';
import { jwtExpiry, TokenSource } from './token-source.js';
import { VendorHttp } from './vendor-http.js';

const NAME = 'Docker Hub';
const HUB_API = 'https://hub.docker.com';
const HUB_REGISTRY = 'https://registry-1.docker.io';
/** Docker Hub API: `page_size` is at most 100. */
const PAGE_SIZE = 100;
/** Hub access tokens are JWTs valid for a short while; when the answer says nothing, assume 5 minutes. */
const DEFAULT_TOKEN_TTL_MS = 5 * 60_000;

interface HubCursor {
  readonly n: number;
  readonly p: number;
}
const isHubCursor = (v: unknown): v is HubCursor =>
  isRecord(v) && Number.isInteger(v.n) && Number.isInteger(v.p) && (v.p as number) >= 1;

/**
 * Docker Hub: the Hub API lists repositories and tags (tags carry digest, size, per-platform
 * images and `last_pushed`, so listing spends no pull quota); pulls go through registry token
 * auth with the username and personal access token. Hub has no `_catalog`.
 * API reference: https://docs.docker.com/reference/api/hub/latest/
 */
export const dockerHubPlatform: PlatformDefinition = {
  id: 'dockerhub',
  name: 'Docker Hub',
  hintField: 'token',
  credentialFields: [
    { name: 'username', label: 'Docker ID (username)', secret: false, required: true },
    {
      name: 'token',
      label: 'Personal access token (Repo Read-only)',
      secret: true,
      required: true,
      placeholder: 'dckr_pat_…',
    },
  ],
  configFields: [
    {
      name: 'organizations',
      label: 'Organisations to include besides your own namespace',
      secret: false,
      required: false,
      kind: 'list',
      placeholder: 'acme, acme-labs',
    },
    {
      name: 'endpoint',
      label: 'Hub API URL',
      secret: false,
      required: false,
      placeholder: HUB_API,
      help: 'Leave empty for Docker Hub.',
    },
    {
      name: 'registryEndpoint',
      label: 'Registry URL',
      secret: false,
      required: false,
      placeholder: HUB_REGISTRY,
      help: 'Leave empty for Docker Hub.',
    },
  ],
  instructions: [
    'Berth reads your Docker Hub repositories with a **personal access token** that can only read.',
    '',
    '1. Sign in at hub.docker.com → **Account settings → Personal access tokens → Generate new token**.',
    '2. Name it "Berth", choose an expiry, and set **Access permissions: Repo Read-only**.',
    '   - A **"Public Repo Read-only"** token silently hides your private repositories: Berth would see only public ones.',
    '   - Do not use your password, and do not choose Read & Write or Delete.',
    '3. Enter your Docker ID (the username, not the e-mail address) and the token.',
    '4. To include organisations, list them under *Organisations*; your account must be a member with read access to their repositories.',
  ].join('\n'),
  check(config, credentials) {
    endpointValue(config, 'endpoint', false);
    endpointValue(config, 'registryEndpoint', false);
    listValue(config, 'organizations');
    checkCredentialShape(credentials, [['username', 'token']], NAME);
  },
  create(config, credentials, context): Connector {
    const api = endpointValue(config, 'endpoint', false, HUB_API) as URL;
    const registryUrl = endpointValue(config, 'registryEndpoint', false, HUB_REGISTRY) as URL;
    const organizations = listValue(config, 'organizations').map((o) => o.toLowerCase());
    const now = context.now ?? Date.now;
    const http = new VendorHttp({
      platformName: NAME,
      endpointPolicy: context.endpointPolicy,
      ...(context.retry ? { retry: context.retry } : {}),
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
    });
    const apiUrl = (path: string): URL => new URL(path, api.href.endsWith('/') ? api.href : `${api.href}/`);

    // POST /v2/auth/token {identifier, secret} → {access_token} (Hub API "Create access token").
    const tokens = new TokenSource<string>(async (signal) => {
      const creds = await credentials();
      const res = await http
        .request({
          method: 'POST',
          url: apiUrl('v2/auth/token'),
          json: { identifier: creds.username, secret: creds.token },
          signal,
          what: 'exchanging the personal access token',
        })
        .catch((error: unknown) => {
          if (
            error instanceof ConnectorError &&
            (error.code === 'invalid_credentials' || error.code === 'insufficient_permissions')
          ) {
            throw new ConnectorError(
              'invalid_credentials',
              `Docker Hub rejected the username "${creds.username}" with this personal access token: check that the username is your Docker ID (not your e-mail address) and that the token is active and not expired`,
              { cause: error },
            );
          }
          throw error;
        });
      const body = res.body as { access_token?: unknown; token?: unknown };
      const token = typeof body.access_token === 'string' ? body.access_token : body.token;
      if (typeof token !== 'string' || !token)
        throw new ConnectorError('vendor_error', 'Docker Hub answered the token exchange without a token');
      return { value: token, expiresAt: jwtExpiry(token) ?? now() + DEFAULT_TOKEN_TTL_MS };
    }, now);

    const namespaces = async (): Promise<string[]> => {
      const creds = await credentials();
      return [...new Set([(creds.username ?? '').toLowerCase(), ...organizations])].filter(Boolean);
    };

    const hubGet = (path: string, what: string, signal?: AbortSignal) =>
      tokens.use(
        (token) =>
          http.request({
            method: 'GET',
            url: apiUrl(path),
            headers: { authorization: `Bearer ${token}` },
            signal,
            what,
          }),
        signal,
      );

    const listNamespacePage = async (
      namespace: string,
      page: number,
      pageSize: number,
      signal?: AbortSignal,
    ) => {
      const what = `listing the repositories of "${namespace}"`;
      try {
        const res = await hubGet(
          `v2/namespaces/${encodeURIComponent(namespace)}/repositories?page=${page}&page_size=${pageSize}`,
          what,
          signal,
        );
        return res.body as { next?: unknown; results?: unknown };
      } catch (error) {
        if (error instanceof ConnectorError && error.code === 'insufficient_permissions') {
          throw new ConnectorError(
            'insufficient_permissions',
            `Docker Hub does not let this token list the repositories of "${namespace}": make sure your account is a member of that organisation with read access, or remove it from Organisations`,
            { cause: error },
          );
        }
        if (error instanceof ConnectorError && error.code === 'not_found') {
          throw new ConnectorError(
            'not_found',
            `Docker Hub has no namespace "${namespace}": check the organisation names`,
            {
              cause: error,
            },
          );
        }
        throw error;
      }
    };

    const access = createRegistryAccess({
      endpoint: registryUrl,
      ...(registryUrl.href === new URL(HUB_REGISTRY).href ? { registry: 'docker.io' } : {}),
      context,
      authenticator: {
        authorization: async () => {
          const creds = await credentials();
          return basicAuthenticator(creds.username ?? '', creds.token ?? '').authorization();
        },
      },
    });
    const { client, registry } = access;

    return {
      platform: 'dockerhub',
      registry,
      async validate(signal) {
        await tokens.get(signal);
        const list = await namespaces();
        let first: string | undefined;
        for (const namespace of list) {
          const page = await listNamespacePage(namespace, 1, 1, signal);
          const results = Array.isArray(page.results) ? (page.results as { name?: unknown }[]) : [];
          if (!first && typeof results[0]?.name === 'string') first = `${namespace}/${results[0].name}`;
        }
        if (first) {
          // The registry judges pull credentials separately from the Hub API.
          try {
            await client.checkAuth(registry, first, signal);
          } catch (error) {
            if (isOciError(error, 'unauthorized'))
              throw new ConnectorError(
                'invalid_credentials',
                `Docker Hub's registry refused pulls with this username and token (${first}): create the token with "Repo Read-only" access`,
                { cause: error },
              );
            throw fromOciError(error, NAME);
          }
        }
        return {
          ok: true,
          detail: `Docker Hub accepted the token; repositories of ${list.join(', ')} are readable`,
        };
      },
      async listRepositories(cursor, signal) {
        const list = await namespaces();
        let state: HubCursor = cursor ? decodeCursor(cursor, isHubCursor) : { n: 0, p: 1 };
        for (;;) {
          const namespace = list[state.n];
          if (namespace === undefined) return { items: [] };
          const page = await listNamespacePage(namespace, state.p, PAGE_SIZE, signal);
          const items: RepositoryInfo[] = (Array.isArray(page.results) ? page.results : []).flatMap(
            (r: unknown) => {
              if (!isRecord(r) || typeof r.name !== 'string') return [];
              return [
                {
                  name: `${typeof r.namespace === 'string' ? r.namespace : namespace}/${r.name}`,
                  ...(typeof r.description === 'string' && r.description
                    ? { description: r.description }
                    : {}),
                  ...(typeof r.last_updated === 'string' ? { lastPushedAt: r.last_updated } : {}),
                },
              ];
            },
          );
          // Follow Hub's `next` only as a signal; the URL is rebuilt from our own endpoint.
          const next: HubCursor | undefined = page.next
            ? { n: state.n, p: state.p + 1 }
            : state.n + 1 < list.length
              ? { n: state.n + 1, p: 1 }
              : undefined;
          if (items.length === 0 && next) {
            state = next;
            continue;
          }
          return { items, ...(next ? { next: encodeCursor(next) } : {}) };
        }
      },
      async listTags(repository, cursor, signal) {
        const slash = repository.indexOf('/');
        const [namespace, name] =
          slash < 0 ? ['library', repository] : [repository.slice(0, slash), repository.slice(slash + 1)];
        const page = cursor
          ? decodeCursor(cursor, (v): v is number => Number.isInteger(v) && (v as number) >= 1)
          : 1;
        let res;
        try {
          res = await hubGet(
            `v2/namespaces/${encodeURIComponent(namespace)}/repositories/${encodeURIComponent(name)}/tags?page=${page}&page_size=${PAGE_SIZE}`,
            `listing the tags of ${repository}`,
            signal,
          );
        } catch (error) {
          if (error instanceof ConnectorError && error.code === 'not_found')
            throw new ConnectorError(
              'not_found',
              `Docker Hub has no repository ${repository} that this token can read`,
              {
                cause: error,
              },
            );
          throw error;
        }
        const body = res.body as { next?: unknown; results?: unknown };
        const items = (Array.isArray(body.results) ? body.results : []).flatMap(hubTag);
        return { items, ...(body.next ? { next: encodeCursor(page + 1) } : {}) };
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

const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

function hubTag(raw: unknown): TagInfo[] {
  if (!isRecord(raw) || typeof raw.name !== 'string') return [];
  const images = Array.isArray(raw.images) ? raw.images.filter(isRecord) : [];
  const mediaType = typeof raw.media_type === 'string' ? raw.media_type : undefined;
  const platforms: PlatformRef[] = images.flatMap((i) =>
    typeof i.os === 'string' && typeof i.architecture === 'string' && typeof i.digest === 'string'
      ? [
          {
            os: i.os,
            architecture: i.architecture,
            ...(typeof i.variant === 'string' && i.variant ? { variant: i.variant } : {}),
            digest: i.digest,
          },
        ]
      : [],
  );
  const isIndex = mediaType ? INDEX_TYPES.has(mediaType) : images.length > 1;
  const pushedAt = typeof raw.tag_last_pushed === 'string' ? raw.tag_last_pushed : raw.last_updated;
  return [
    {
      name: raw.name,
      ...(typeof raw.digest === 'string' ? { digest: raw.digest } : {}),
      ...(mediaType ? { mediaType } : {}),
      ...(typeof raw.full_size === 'number' ? { size: raw.full_size } : {}),
      ...(typeof pushedAt === 'string' ? { pushedAt } : {}),
      ...(isIndex && platforms.length > 0 ? { platforms } : {}),
    },
  ];
}
