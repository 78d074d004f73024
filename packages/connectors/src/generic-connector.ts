import {
  ANONYMOUS,
  basicAuthenticator,
  bearerAuthenticator,
  isOciError,
  RegistryClient,
  remoteImageSource,
  type Authenticator,
  type Keychain,
} from '@berth/oci';
import { checkCredentialShape, endpointValue, listValue, textValue, booleanValue } from './config-values.js';
import { ConnectorError, fromOciError } from './connector-error.js';
import type {
  Connector,
  ConnectorConfig,
  ConnectorContext,
  ConnectorCredentials,
  CredentialSource,
  PlatformDefinition,
} from './connector.js';
import { describeTags } from './registry-metadata.js';

const NAME = 'The registry';
const CREDENTIAL_FORMS = [[], ['username', 'password'], ['token']];
/** Tags described per page (each costs a HEAD). */
const TAG_PAGE = 100;

function authenticatorFor(credentials: ConnectorCredentials): Authenticator {
  if (credentials.username && credentials.password)
    return basicAuthenticator(credentials.username, credentials.password);
  if (credentials.token) return bearerAuthenticator(credentials.token);
  return ANONYMOUS;
}

/** The connection settings shared by every registry-API adapter. */
export function registryClientFor(
  endpoint: URL,
  config: ConnectorConfig,
  credentials: CredentialSource,
  context: ConnectorContext,
  toAuth = authenticatorFor,
): { client: RegistryClient; registry: string; keychain: Keychain } {
  const registry = endpoint.host;
  const insecure = booleanValue(config, 'insecure') ?? endpoint.protocol === 'http:';
  const caCert = textValue(config, 'caCert');
  const keychain: Keychain = {
    resolve: async (host) => (host === registry ? toAuth(await credentials()) : ANONYMOUS),
  };
  const client = new RegistryClient({
    keychain,
    registries: { [registry]: { insecure, ...(caCert ? { ca: caCert } : {}) } },
    endpointPolicy: context.endpointPolicy,
    ...(context.retry ? { retry: context.retry } : {}),
    ...(context.now ? { now: context.now } : {}),
    ...(context.userAgent ? { userAgent: context.userAgent } : {}),
  });
  return { client, registry, keychain };
}

/**
 * Any OCI distribution registry (self-hosted distribution, Harbor, GitLab, zot…): `_catalog`
 * when the registry allows it, otherwise the repositories the user listed by hand.
 */
export const genericPlatform: PlatformDefinition = {
  id: 'generic',
  name: 'OCI registry',
  hintField: 'password',
  credentialFields: [
    { name: 'username', label: 'Username', secret: false, required: false },
    { name: 'password', label: 'Password or access token', secret: true, required: false },
    {
      name: 'token',
      label: 'Bearer token (instead of username and password)',
      secret: true,
      required: false,
    },
  ],
  configFields: [
    {
      name: 'endpoint',
      label: 'Registry URL',
      secret: false,
      required: true,
      placeholder: 'https://registry.example.com',
    },
    {
      name: 'repositories',
      label: 'Repositories (when the catalog is not available)',
      secret: false,
      required: false,
      kind: 'list',
      placeholder: 'team/app, team/worker',
    },
    { name: 'insecure', label: 'Plain HTTP (no TLS)', secret: false, required: false, kind: 'boolean' },
    {
      name: 'caCert',
      label: 'CA certificate (PEM) for a private CA',
      secret: false,
      required: false,
      kind: 'textarea',
    },
  ],
  instructions: [
    'Connect any registry that speaks the OCI distribution API (distribution, Harbor, GitLab, zot, Nexus…).',
    '',
    '1. Create a **read-only** account or token: a Harbor robot account with *pull* only, a GitLab deploy token with `read_registry`, or a registry user limited to pulls.',
    '2. Enter the registry URL, e.g. `https://registry.example.com` (use `http://` only for registries without TLS).',
    '3. Leave the credentials empty for anonymous access.',
    '4. If the registry does not allow listing its catalog (`/v2/_catalog`), list your repositories by hand.',
  ].join('\n'),
  check(config, credentials) {
    endpointValue(config, 'endpoint', true);
    listValue(config, 'repositories');
    booleanValue(config, 'insecure');
    checkCredentialShape(credentials, CREDENTIAL_FORMS, 'Registry');
  },
  create(config, credentials, context): Connector {
    const endpoint = endpointValue(config, 'endpoint', true) as URL;
    const manual = listValue(config, 'repositories');
    const { client, registry, keychain } = registryClientFor(endpoint, config, credentials, context);
    const wrap = async <T>(work: () => Promise<T>): Promise<T> => {
      try {
        return await work();
      } catch (error) {
        throw fromOciError(error, NAME);
      }
    };
    return {
      platform: 'generic',
      registry,
      validate: (signal) =>
        wrap(async () => {
          const ping = await client.ping(registry, signal);
          const creds = await credentials();
          const anonymous = !creds.username && !creds.token;
          if (manual.length > 0) {
            for (const repository of manual)
              await client.listTagsPage(
                { registry, repository },
                { pageSize: 1, ...(signal ? { signal } : {}) },
              );
            return { ok: true, detail: `${registry} answered; ${manual.length} repositories are readable` };
          }
          try {
            await client.checkAuth(registry, undefined, signal);
            await client.listRepositoriesPage(registry, { pageSize: 1, ...(signal ? { signal } : {}) });
          } catch (error) {
            if (isOciError(error, 'unauthorized') && anonymous && ping.status === 401) {
              throw new ConnectorError(
                'invalid_credentials',
                `${registry} requires credentials: enter a username and password or a token`,
                { cause: error },
              );
            }
            if (isOciError(error, 'unauthorized') && !anonymous) {
              throw new ConnectorError(
                'invalid_credentials',
                `${registry} rejected the username and password (or token)`,
                { cause: error },
              );
            }
            if (
              isOciError(error, 'denied') ||
              isOciError(error, 'not_found') ||
              isOciError(error, 'unauthorized')
            ) {
              throw new ConnectorError(
                'insufficient_permissions',
                `${registry} does not let these credentials list its catalog; add the repositories by hand in "Repositories"`,
                { cause: error },
              );
            }
            throw error;
          }
          return { ok: true, detail: `${registry} answered and its catalog is readable` };
        }),
      listRepositories: (cursor, signal) =>
        wrap(async () => {
          if (manual.length > 0) return { items: manual.map((name) => ({ name })) };
          const page = await client.listRepositoriesPage(registry, {
            ...(cursor ? { next: cursor } : {}),
            ...(signal ? { signal } : {}),
          });
          return { items: page.items.map((name) => ({ name })), ...(page.next ? { next: page.next } : {}) };
        }),
      listTags: (repository, cursor, signal) =>
        wrap(async () => {
          // distribution 2.8 ignores n/last and returns every tag at once: page the list here,
          // so each page of metadata (one HEAD per tag) stays bounded. The cursor carries the
          // registry cursor and the offset into its page.
          const [registryCursor, offsetText] = cursor
            ? (JSON.parse(cursor) as [string | null, number])
            : [null, 0];
          const page = await client.listTagsPage(
            { registry, repository },
            { ...(registryCursor ? { next: registryCursor } : {}), ...(signal ? { signal } : {}) },
          );
          const offset = Number(offsetText) || 0;
          const slice = page.items.slice(offset, offset + TAG_PAGE);
          const items = await describeTags(client, { registry, repository }, slice, signal);
          let next: string | undefined;
          if (offset + TAG_PAGE < page.items.length)
            next = JSON.stringify([registryCursor, offset + TAG_PAGE]);
          else if (page.next) next = JSON.stringify([page.next, 0]);
          return { items, ...(next ? { next } : {}) };
        }),
      keychain: () => keychain,
      imageSource: (repository) => remoteImageSource(client, { registry, repository }),
      rateLimit: () => client.rateLimit(registry),
      close: () => client.close(),
    };
  },
};
