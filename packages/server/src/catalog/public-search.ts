import type { SearchItem } from './catalog-search.js';

export type PublicSearch = (query: string, limit: number) => Promise<SearchItem[]>;

export const NO_PUBLIC_SEARCH: PublicSearch = () => Promise.resolve([]);

interface HubSearchResponse {
  results?: { repo_name?: unknown; short_description?: unknown }[];
}

/**
 * Docker Hub's public repository search (`GET /v2/search/repositories?query=`), anonymous,
 * cached for a minute per query, and silent when Hub cannot be reached: public results are
 * a bonus below the user's own, never a reason for search to fail.
 */
export function dockerHubPublicSearch(
  baseUrl: string,
  options: { timeoutMs?: number; cacheMs?: number; now?: () => number } = {},
): PublicSearch {
  const cache = new Map<string, { at: number; items: SearchItem[] }>();
  const now = options.now ?? Date.now;
  const cacheMs = options.cacheMs ?? 60_000;
  return async (query, limit) => {
    const q = query.trim();
    if (q.length < 2) return [];
    const key = `${q}\n${limit}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < cacheMs) return hit.items;
    let items: SearchItem[];
    try {
      const url = new URL('/v2/search/repositories', baseUrl);
      url.searchParams.set('query', q);
      url.searchParams.set('page_size', String(Math.min(limit, 100)));
      const res = await fetch(url, {
        signal: AbortSignal.timeout(options.timeoutMs ?? 2000),
        headers: { accept: 'application/json' },
      });
      if (!res.ok) return [];
      const body = (await res.json()) as HubSearchResponse;
      items = (body.results ?? []).flatMap((r) =>
        typeof r.repo_name === 'string'
          ? [
              {
                source: 'public' as const,
                platform: 'dockerhub',
                repository: r.repo_name.includes('/') ? r.repo_name : `library/${r.repo_name}`,
                ...(typeof r.short_description === 'string' && r.short_description
                  ? { description: r.short_description }
                  : {}),
                match: 'substring' as const,
              },
            ]
          : [],
      );
    } catch {
      return [];
    }
    if (cache.size > 500) cache.clear();
    cache.set(key, { at: now(), items });
    return items.slice(0, limit);
  };
}
