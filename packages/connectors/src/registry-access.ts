import {
  ANONYMOUS,
  RegistryClient,
  type Authenticator,
  type Keychain,
  type RepositoryLocator,
} from '@berth/oci';
import type { ConnectorContext, ListPage, RepositoryInfo, TagInfo } from './connector.js';
import { describeTags } from './registry-metadata.js';

export interface RegistryAccessOptions {
  /** Base URL of the registry's `/v2/` API. */
  readonly endpoint: URL;
  /** Registry name in references (`docker.io`); defaults to the endpoint's host. */
  readonly registry?: string;
  readonly caCert?: string;
  readonly context: ConnectorContext;
  /** Credentials for pulls, asked for only when a request needs them. */
  readonly authenticator: Authenticator;
}

export interface RegistryAccess {
  readonly client: RegistryClient;
  readonly registry: string;
  readonly keychain: Keychain;
}

/** A registry client and keychain that present the connector's credentials to its registry only. */
export function createRegistryAccess(options: RegistryAccessOptions): RegistryAccess {
  const registry = options.registry ?? options.endpoint.host;
  const { context } = options;
  const keychain: Keychain = {
    resolve: (host) => Promise.resolve(host === registry ? options.authenticator : ANONYMOUS),
  };
  const client = new RegistryClient({
    keychain,
    registries: {
      [registry]: {
        insecure: options.endpoint.protocol === 'http:',
        ...(options.caCert ? { ca: options.caCert } : {}),
      },
    },
    endpointPolicy: context.endpointPolicy,
    ...(context.retry ? { retry: context.retry } : {}),
    ...(context.now ? { now: context.now } : {}),
    ...(context.userAgent ? { userAgent: context.userAgent } : {}),
  });
  return { client, registry, keychain };
}

/** Tags described per page (each costs a HEAD, which Docker Hub does not count as a pull). */
const TAG_PAGE = 100;

/**
 * Tags from the registry API: distribution 2.8 ignores `n`/`last` and returns every tag at once,
 * so the list is paged here, keeping each page of metadata (one HEAD per tag) bounded. The
 * cursor carries the registry's cursor and the offset into its page.
 */
export async function listRegistryTags(
  client: RegistryClient,
  locator: RepositoryLocator,
  cursor: string | undefined,
  signal?: AbortSignal,
): Promise<ListPage<TagInfo>> {
  let registryCursor: string | null = null;
  let offset = 0;
  if (cursor) {
    const parsed = JSON.parse(cursor) as unknown;
    if (Array.isArray(parsed)) {
      registryCursor = typeof parsed[0] === 'string' ? parsed[0] : null;
      offset = Number(parsed[1]) || 0;
    }
  }
  const page = await client.listTagsPage(locator, {
    ...(registryCursor ? { next: registryCursor } : {}),
    ...(signal ? { signal } : {}),
  });
  const slice = page.items.slice(offset, offset + TAG_PAGE);
  const items = await describeTags(client, locator, slice, signal);
  let next: string | undefined;
  if (offset + TAG_PAGE < page.items.length) next = JSON.stringify([registryCursor, offset + TAG_PAGE]);
  else if (page.next) next = JSON.stringify([page.next, 0]);
  return { items, ...(next ? { next } : {}) };
}

/** One page of `/v2/_catalog`. */
export async function listCatalog(
  client: RegistryClient,
  registry: string,
  cursor: string | undefined,
  signal?: AbortSignal,
): Promise<ListPage<RepositoryInfo>> {
  const page = await client.listRepositoriesPage(registry, {
    ...(cursor ? { next: cursor } : {}),
    ...(signal ? { signal } : {}),
  });
  return { items: page.items.map((name) => ({ name })), ...(page.next ? { next: page.next } : {}) };
}
