import type { ContainerProfile } from './container-profile.js';

/**
 * Where composed profiles live between requests, keyed by manifest digest (with the analyzer
 * version and detector set, see {@link profileImage}): the "a profile is keyed by
 * manifest digest and served instantly afterwards". The server backs it with its `profiles`
 * table; the CLI needs none.
 */
export interface ProfileCache {
  get(key: string): Promise<ContainerProfile | undefined>;
  put(key: string, profile: ContainerProfile): Promise<void>;
}

/**
 * An in-process {@link ProfileCache} of at most `maxEntries` profiles (least recently used
 * evicted first).
 *
 * @example
 * const options = { cache: memoryLayerCache(), profiles: memoryProfileCache() };
 * await profileImage(source, 'latest', options);
 * await profileImage(source, 'latest', options); // manifest and config fetched, nothing composed
 */
export function memoryProfileCache(options: { maxEntries?: number } = {}): ProfileCache {
  const maxEntries = options.maxEntries ?? 100;
  const entries = new Map<string, ContainerProfile>();
  return {
    get(key) {
      const profile = entries.get(key);
      if (profile) {
        entries.delete(key);
        entries.set(key, profile);
      }
      return Promise.resolve(profile);
    },
    put(key, profile) {
      entries.delete(key);
      entries.set(key, profile);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return Promise.resolve();
    },
  };
}
