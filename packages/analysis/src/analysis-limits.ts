import { AnalysisError } from './analysis-error.js';

/**
 * Hard limits of one analysis, so that a hostile image (a gzip bomb, a tar of a billion empty
 * files, a 1 GiB PAX header) fails with a precise error instead of exhausting memory or time.
 */
export interface AnalysisLimits {
  /** Uncompressed bytes of one layer's tar stream. */
  readonly maxLayerBytes: number;
  /** Tar entries in one layer (PAX and GNU long-name headers included). */
  readonly maxEntries: number;
  /** One PAX extended header or GNU long name/link record, held in memory while parsed. */
  readonly maxMetaHeaderBytes: number;
  /** Bytes of detector files kept from one layer, all files together. */
  readonly maxCapturedBytesPerLayer: number;
  /** Layers fetched and analysed at the same time for one image. */
  readonly layerConcurrency: number;
}

export const DEFAULT_LIMITS: Readonly<AnalysisLimits> = Object.freeze({
  maxLayerBytes: 32 * 1024 ** 3,
  maxEntries: 2_000_000,
  maxMetaHeaderBytes: 1024 * 1024,
  maxCapturedBytesPerLayer: 128 * 1024 * 1024,
  layerConcurrency: 3,
});

/** Fills in defaults and rejects nonsensical values. */
export function resolveLimits(overrides: Partial<AnalysisLimits> = {}): Readonly<AnalysisLimits> {
  const limits = { ...DEFAULT_LIMITS, ...overrides };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new AnalysisError(
        'invalid_argument',
        `analysis limit ${key} must be a positive integer, got ${String(value)}`,
      );
    }
  }
  return Object.freeze(limits);
}
