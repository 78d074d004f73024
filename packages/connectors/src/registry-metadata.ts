import { imageEntries, isIndexMediaType, type RegistryClient, type RepositoryLocator } from '@berth/oci';
import type { PlatformRef, TagInfo } from './connector.js';
import { linkedSignal } from './linked-signal.js';

/**
 * Tag metadata from the registry API alone, for platforms without a metadata API: `HEAD` on
 * each manifest (digest, media type, size; not a counted pull on Docker Hub), and for indexes
 * the index itself, for the platform list. Bounded concurrency, on a signal of its own (one
 * abort listener on the caller's, not one per request in flight).
 */
export async function describeTags(
  client: RegistryClient,
  locator: RepositoryLocator,
  tags: readonly string[],
  parentSignal?: AbortSignal,
  concurrency = 8,
): Promise<TagInfo[]> {
  const linked = linkedSignal(parentSignal, concurrency + 1);
  const signal = linked.signal;
  const out: TagInfo[] = new Array<TagInfo>(tags.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tags.length) {
      const i = next++;
      const name = tags[i] as string;
      const head = await client.headManifest(locator, name, signal);
      let platforms: PlatformRef[] | undefined;
      if (isIndexMediaType(head.mediaType)) {
        const index = await client.getManifest(locator, head.digest, signal);
        if (index.manifest.kind === 'index') {
          platforms = imageEntries(index.manifest).flatMap((d) =>
            d.platform
              ? [
                  {
                    os: d.platform.os,
                    architecture: d.platform.architecture,
                    ...(d.platform.variant ? { variant: d.platform.variant } : {}),
                    digest: d.digest,
                  },
                ]
              : [],
          );
        }
      }
      out[i] = {
        name,
        digest: head.digest,
        mediaType: head.mediaType,
        size: head.size,
        ...(platforms ? { platforms } : {}),
      };
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, tags.length) }, worker));
  } finally {
    linked.release();
  }
  return out;
}
