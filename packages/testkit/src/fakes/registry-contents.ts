/**
 * What a real `docker-registry` actually holds, read straight from it (not through the recording
 * proxy) with the pusher's credentials: every repository, its tags with the digest, media type
 * and size of what the registry serves, and the platforms of indexes. Vendor fakes answer their
 * metadata APIs from this, so a test can compare a connector's listing with the registry's truth.
 */
import { basicAuthenticator, imageEntries, RegistryClient, staticKeychain } from '@berth/oci';
import type { RunningRegistry } from '../registry.js';

export interface RegistryPlatform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
  readonly digest: string;
  readonly size: number;
}

export interface RegistryTag {
  readonly name: string;
  readonly digest: string;
  readonly mediaType: string;
  /** Manifest + config + layers (for an index: the sum over its images). */
  readonly size: number;
  readonly platforms: readonly RegistryPlatform[];
  readonly isIndex: boolean;
}

export interface RegistryRepository {
  readonly name: string;
  readonly tags: readonly RegistryTag[];
}

/** Reads every repository and tag, sorted by name. */
export async function readRegistryContents(
  registry: Pick<RunningRegistry, 'pushHost' | 'pushCredentials'>,
): Promise<RegistryRepository[]> {
  const host = registry.pushHost;
  const creds = registry.pushCredentials;
  const keychain = staticKeychain(
    creds ? { [host]: basicAuthenticator(creds.username, creds.password) } : {},
  );
  const client = new RegistryClient({
    keychain,
    endpointPolicy: 'off',
    retry: { maxRetries: 1, baseDelayMs: 5 },
  });
  try {
    const names: string[] = [];
    for await (const name of client.listRepositories(host)) names.push(name);
    names.sort();
    const repositories: RegistryRepository[] = [];
    for (const name of names) {
      const locator = { registry: host, repository: name };
      const tagNames: string[] = [];
      for await (const tag of client.listTags(locator)) tagNames.push(tag);
      tagNames.sort();
      const tags: RegistryTag[] = [];
      for (const tag of tagNames) {
        const fetched = await client.getManifest(locator, tag);
        const m = fetched.manifest;
        if (m.kind === 'manifest') {
          const size = fetched.size + m.config.size + m.layers.reduce((s, l) => s + l.size, 0);
          tags.push({
            name: tag,
            digest: fetched.digest,
            mediaType: fetched.mediaType,
            size,
            platforms: [],
            isIndex: false,
          });
        } else {
          const platforms: RegistryPlatform[] = [];
          for (const d of imageEntries(m)) {
            if (!d.platform) continue;
            const child = await client.getManifest(locator, d.digest);
            const childSize =
              child.manifest.kind === 'manifest'
                ? child.size +
                  child.manifest.config.size +
                  child.manifest.layers.reduce((s, l) => s + l.size, 0)
                : child.size;
            platforms.push({
              os: d.platform.os,
              architecture: d.platform.architecture,
              ...(d.platform.variant ? { variant: d.platform.variant } : {}),
              digest: d.digest,
              size: childSize,
            });
          }
          const size = fetched.size + platforms.reduce((s, p) => s + p.size, 0);
          tags.push({
            name: tag,
            digest: fetched.digest,
            mediaType: fetched.mediaType,
            size,
            platforms,
            isIndex: true,
          });
        }
      }
      repositories.push({ name, tags });
    }
    return repositories;
  } finally {
    await client.close();
  }
}
