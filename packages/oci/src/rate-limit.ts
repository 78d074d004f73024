/** Quota information a registry reported on its last response. */
export interface RateLimitInfo {
  readonly limit?: number;
  readonly remaining?: number;
  /** Quota window in seconds (Docker Hub's `;w=21600`). */
  readonly windowSeconds?: number;
  /** When the quota resets, if the registry said. */
  readonly resetAt?: Date;
  readonly observedAt: Date;
}

type HeaderValue = string | string[] | undefined;

/**
 * Reads Docker Hub's `ratelimit-limit: 100;w=21600` / `ratelimit-remaining: 76;w=21600`,
 * the IETF draft `RateLimit-*` and the common `X-RateLimit-*` headers. Undefined when absent.
 */
export function parseRateLimit(
  headers: Readonly<Record<string, HeaderValue>>,
  now: Date = new Date(),
): RateLimitInfo | undefined {
  const get = (name: string): string | undefined => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const limitRaw = get('ratelimit-limit') ?? get('x-ratelimit-limit');
  const remainingRaw = get('ratelimit-remaining') ?? get('x-ratelimit-remaining');
  const resetRaw = get('ratelimit-reset') ?? get('x-ratelimit-reset');
  if (limitRaw === undefined && remainingRaw === undefined) return undefined;
  const number = (raw: string | undefined): number | undefined => {
    const m = raw === undefined ? null : /^\s*(\d+)/.exec(raw);
    return m ? Number(m[1]) : undefined;
  };
  const window = /;\s*w=(\d+)/.exec(limitRaw ?? remainingRaw ?? '');
  const info: { -readonly [K in keyof RateLimitInfo]: RateLimitInfo[K] } = { observedAt: now };
  const limit = number(limitRaw);
  const remaining = number(remainingRaw);
  if (limit !== undefined) info.limit = limit;
  if (remaining !== undefined) info.remaining = remaining;
  if (window) info.windowSeconds = Number(window[1]);
  const reset = number(resetRaw);
  if (reset !== undefined) {
    // Epoch seconds (GitHub style) when large, otherwise seconds from now (IETF draft).
    info.resetAt = reset > 1_000_000_000 ? new Date(reset * 1000) : new Date(now.getTime() + reset * 1000);
  }
  return info;
}
