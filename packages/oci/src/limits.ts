/**
 * Hard limits on what the client reads into memory, "to prevent a memory exhaustion attack"
 * (regclient). Blobs are never buffered: they stream through a verifier.
 */
export const Limits = {
  /** containerd and distribution both cap manifests at 4 MiB; 8 MiB leaves room for large indexes. */
  manifestBytes: 8 * 1024 * 1024,
  /** Token endpoint responses. */
  tokenBytes: 64 * 1024,
  /** Error bodies, kept only for diagnostics. */
  errorBodyBytes: 64 * 1024,
  /** One `_catalog` or `tags/list` page (distribution 2.8 returns every tag at once). */
  listBytes: 32 * 1024 * 1024,
  /** Image config blobs read whole (they are JSON; 8 MiB is already absurd). */
  configBytes: 8 * 1024 * 1024,
  /** Redirect hops followed for one request. */
  redirects: 5,
} as const;
