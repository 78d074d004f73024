import type { LayerResult } from './layer-result.js';

/**
 * Where per-layer results live between analyses, keyed by layer (blob) digest. Only complete,
 * verified results are ever put. The server backs this with its `layer_results` table.
 */
export interface LayerCache {
  get(digest: string): Promise<LayerResult | undefined>;
  put(result: LayerResult): Promise<void>;
}

/**
 * An in-process {@link LayerCache}, holding at most `maxEntries` results (least recently used
 * evicted first).
 *
 * @example
 * const cache = memoryLayerCache();
 * await profileImage(source, 'latest', { cache });
 * await profileImage(source, 'latest', { cache }); // no layer is fetched again
 */
export function memoryLayerCache(options: { maxEntries?: number } = {}): LayerCache {
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, LayerResult>();
  return {
    get(digest) {
      const result = entries.get(digest);
      if (result) {
        entries.delete(digest);
        entries.set(digest, result);
      }
      return Promise.resolve(result);
    },
    put(result) {
      entries.delete(result.digest);
      entries.set(result.digest, result);
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return Promise.resolve();
    },
  };
}
