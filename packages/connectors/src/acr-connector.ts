import { basicAuthenticator, isOciError, nextLink, remoteImageSource } from '@berth/oci';
import { checkCredentialShape, endpointValue, listValue, textValue } from './config-values.js';
import { ConnectorError, fromOciError } from './connector-error.js';
import type { Connector, ConnectorConfig, PlatformDefinition, TagInfo } from './connector.js';
import { isRecord } from './page-cursor.js';
import { createRegistryAccess, listCatalog } from './registry-access.js';
import { jwtExpiry, TokenSource } from './token-source.js';
import { VendorHttp } from './vendor-http.js';

const NAME = 'Azure Container Registry';
const REGISTRY_NAME = /^[a-zA-Z0-9]{5,50}$/;
/** ACR `_tags`: `n` per page; 100 keeps pages small. */
const PAGE_SIZE = 100;

function endpointOf(config: ConnectorConfig): URL {
  const name = textValue(config, 'registryName');
  if (name !== undefined && !REGISTRY_NAME.test(name))
    throw new ConnectorError(
      'invalid_configuration',
      'config.registryName is the 5–50 letters and digits before .azurecr.io',
    );
  const endpoint = endpointValue(
    config,
    'endpoint',
    false,
    name ? `https://${name.toLowerCase()}.azurecr.io` : undefined,
  );
  if (!endpoint)
    throw new ConnectorError(
      'invalid_configuration',
      'config.registryName is required (the part before .azurecr.io)',
    );
  return endpoint;
}

const CREDENTIALS_HINT =
  'for the admin user copy the username and a password from Access keys; for a service principal use its application (client) ID and a client secret; for a repository-scoped token use the token name and one of its passwords';

/**
 * Azure Container Registry: Basic credentials (admin user, service principal or
 * repository-scoped token) exchanged at `/oauth2/token` for registry tokens; `_catalog` for
 * repositories and `/acr/v1/{repository}/_tags` for tag metadata.
 * Reference: "Azure Container Registry's support of getting Bearer token using Basic
 * Authentication" (https://azure.github.io/acr/Token-BasicAuth.html) and the ACR data-plane REST API.
 */
export const acrPlatform: PlatformDefinition = {
  id: 'acr',
  name: 'Azure Container Registry',
  hintField: 'password',
  credentialFields: [
    {
      name: 'username',
      label: 'Username, service principal app ID, or token name',
      secret: false,
      required: true,
    },
    { name: 'password', label: 'Password, client secret, or token password', secret: true, required: true },
  ],
  configFields: [
    {
      name: 'registryName',
      label: 'Registry name (before .azurecr.io)',
      secret: false,
      required: true,
      placeholder: 'contoso',
    },
    {
      name: 'repositories',
      label: 'Repositories (for repository-scoped tokens, which cannot list the catalog)',
      secret: false,
      required: false,
      kind: 'list',
    },
    { name: 'endpoint', label: 'Registry URL (instead of the name)', secret: false, required: false },
  ],
  instructions: [
    'Berth reads Azure Container Registry with pull-only credentials. Pick one:',
    '',
    '- **Repository-scoped token (least privilege):** Registry → *Repository permissions → Tokens → Add*, scope map **_repositories_pull_metadata_read** (or a custom map with `content/read` and `metadata/read`); generate a password. List the repositories under *Repositories*: such tokens cannot list the catalog.',
    '- **Service principal:** assign the **AcrPull** role on the registry (add *Reader* only if Berth should list the catalog); use the application (client) ID and a client secret.',
    '- **Admin user:** works, but has push and delete rights; prefer the options above.',
    '',
    'Enter the registry name (the part before `.azurecr.io`).',
  ].join('\n'),
  check(config, credentials) {
    endpointOf(config);
    listValue(config, 'repositories');
    checkCredentialShape(credentials, [['username', 'password']], NAME);
  },
  create(config, credentials, context): Connector {
    const endpoint = endpointOf(config);
    const manual = listValue(config, 'repositories');
    const now = context.now ?? Date.now;
    const http = new VendorHttp({
      platformName: NAME,
      endpointPolicy: context.endpointPolicy,
      ...(context.retry ? { retry: context.retry } : {}),
      ...(context.userAgent ? { userAgent: context.userAgent } : {}),
    });
    const basic = async (): Promise<string> => {
      const c = await credentials();
      return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
    };
    const access = createRegistryAccess({
      endpoint,
      context,
      authenticator: {
        authorization: async () => {
          const c = await credentials();
          return basicAuthenticator(c.username ?? '', c.password ?? '').authorization();
        },
      },
    });
    const { client, registry } = access;

    // Metadata tokens: GET /oauth2/token?service=&scope=repository:R:metadata_read with Basic.
    const metadataTokens = new Map<string, TokenSource<string>>();
    const metadataToken = (repository: string): TokenSource<string> => {
      let source = metadataTokens.get(repository);
      if (!source) {
        source = new TokenSource(async (signal) => {
          const url = new URL('/oauth2/token', endpoint);
          url.searchParams.set('service', endpoint.host);
          url.searchParams.set('scope', `repository:${repository}:metadata_read`);
          const res = await http
            .request({
              method: 'GET',
              url,
              headers: { authorization: await basic() },
              signal,
              what: 'exchanging the credentials for a token',
            })
            .catch((error: unknown) => {
              if (error instanceof ConnectorError && error.code === 'invalid_credentials')
                throw new ConnectorError(
                  'invalid_credentials',
                  `Azure Container Registry rejected the username and password: ${CREDENTIALS_HINT}`,
                  { cause: error },
                );
              throw error;
            });
          const body = res.body as { access_token?: unknown };
          if (typeof body.access_token !== 'string')
            throw new ConnectorError(
              'vendor_error',
              'Azure Container Registry answered /oauth2/token without an access token',
            );
          return { value: body.access_token, expiresAt: jwtExpiry(body.access_token) ?? now() + 5 * 60_000 };
        }, now);
        metadataTokens.set(repository, source);
      }
      return source;
    };
    const registryCall = async <T>(work: () => Promise<T>, manualHint = false): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        if (isOciError(error, 'unauthorized') && manualHint && !/token service/.test(error.message))
          throw new ConnectorError(
            'insufficient_permissions',
            'Azure Container Registry does not let these credentials list the catalog (repository-scoped tokens cannot): list the repositories under "Repositories"',
            { cause: error },
          );
        if (isOciError(error, 'unauthorized'))
          throw new ConnectorError(
            'invalid_credentials',
            `Azure Container Registry rejected the username and password: ${CREDENTIALS_HINT}`,
            { cause: error },
          );
        if (isOciError(error, 'denied'))
          throw new ConnectorError(
            'insufficient_permissions',
            manualHint
              ? 'Azure Container Registry does not let these credentials list the catalog (repository-scoped tokens cannot): list the repositories under "Repositories"'
              : `Azure Container Registry accepted the credentials but they may not read this (${error.message}); grant AcrPull or add the repository to the token's scope map`,
            { cause: error },
          );
        throw fromOciError(error, NAME);
      }
    };

    return {
      platform: 'acr',
      registry,
      async validate(signal) {
        await registryCall(() => client.checkAuth(registry, manual[0], signal));
        if (manual.length > 0) {
          for (const repository of manual)
            await registryCall(() =>
              client.listTagsPage({ registry, repository }, { pageSize: 1, ...(signal ? { signal } : {}) }),
            );
          return {
            ok: true,
            detail: `${registry} accepted the credentials; ${manual.length} repositories are readable`,
          };
        }
        await registryCall(
          () => client.listRepositoriesPage(registry, { pageSize: 1, ...(signal ? { signal } : {}) }),
          true,
        );
        return { ok: true, detail: `${registry} accepted the credentials and its catalog is readable` };
      },
      async listRepositories(cursor, signal) {
        if (manual.length > 0) return { items: manual.map((name) => ({ name })) };
        return registryCall(() => listCatalog(client, registry, cursor, signal), true);
      },
      async listTags(repository, cursor, signal) {
        const url = new URL(`/acr/v1/${repository}/_tags`, endpoint);
        url.searchParams.set('n', String(PAGE_SIZE));
        if (cursor) url.searchParams.set('last', cursor);
        const res = await metadataToken(repository).use(
          (token) =>
            http.request({
              method: 'GET',
              url,
              headers: { authorization: `Bearer ${token}` },
              signal,
              what: `listing the tags of ${repository}`,
            }),
          signal,
        );
        const body = res.body;
        const items: TagInfo[] = (isRecord(body) && Array.isArray(body.tags) ? body.tags : []).flatMap(
          (t: unknown) =>
            isRecord(t) && typeof t.name === 'string'
              ? [
                  {
                    name: t.name,
                    ...(typeof t.digest === 'string' ? { digest: t.digest } : {}),
                    ...(typeof t.lastUpdateTime === 'string' ? { pushedAt: t.lastUpdateTime } : {}),
                  },
                ]
              : [],
        );
        const next = nextLink(res.headers.link, res.url);
        const last = next ? new URL(next).searchParams.get('last') : null;
        return { items, ...(last ? { next: last } : {}) };
      },
      keychain: () => access.keychain,
      imageSource: (repository) => remoteImageSource(client, { registry, repository }),
      rateLimit: () => client.rateLimit(registry),
      close: async () => {
        await Promise.all([http.close(), client.close()]);
      },
    };
  },
};
