import { RegistryClient, type FetchedManifest } from '@berth/oci';
import { buildVendorImages } from '@berth/testkit';
import type { Connector, ConnectorContext, ConnectorCredentials, CredentialSource } from '@berth/connectors';

/** Fast retries: tests wait milliseconds, not seconds, yet still exercise `Retry-After`. */
export const CONTEXT: ConnectorContext = {
  endpointPolicy: 'default',
  retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 5_000 },
};

/** One single-platform image and one two-platform index. */
export const buildImages = buildVendorImages;

export function source(credentials: ConnectorCredentials): CredentialSource {
  return () => Promise.resolve(credentials);
}

/** Pulls a manifest the way the analysis pipeline will: a RegistryClient fed by the connector's keychain. */
export async function pullManifest(
  connector: Connector,
  repository: string,
  reference: string,
): Promise<FetchedManifest> {
  const client = new RegistryClient({
    keychain: connector.keychain(),
    registries: { [connector.registry]: { insecure: true } },
    endpointPolicy: 'default',
    retry: { maxRetries: 1, baseDelayMs: 5 },
  });
  try {
    return await client.getManifest({ registry: connector.registry, repository }, reference);
  } finally {
    await client.close();
  }
}

/** Every page of a listing. */
export async function collect<T>(
  list: (cursor: string | undefined) => Promise<{ items: readonly T[]; next?: string }>,
): Promise<{ items: T[]; pages: number }> {
  const items: T[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await list(cursor);
    items.push(...page.items);
    cursor = page.next;
    pages++;
  } while (cursor && pages < 100);
  return { items, pages };
}

export async function failure(promise: Promise<unknown>): Promise<Error & { code?: string }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string };
  }
  throw new Error('expected a failure');
}
