import type { AnalysisErrorCode } from './analysis-error.js';
import type { AnalysisLimits } from './analysis-limits.js';
import type { ByteRing } from './byte-ring.js';

/**
 * Messages between {@link analyzeTarStreamInWorker} and its worker thread (layer-worker.ts).
 * The layer's compressed bytes go through a shared {@link ByteRing}, not through messages.
 */
export interface StartLayerJob {
  readonly type: 'start';
  readonly id: number;
  readonly ring: ByteRing;
  readonly limits: Readonly<AnalysisLimits>;
  /** Ids of the detectors to run, all members of `DEFAULT_DETECTORS`. */
  readonly detectorIds: readonly string[];
  readonly verifiedDigest?: string;
}

export type FromLayerWorker =
  /** `result`: the TarStreamResult, `v8.serialize`d (the buffer is transferred). */
  | { readonly type: 'done'; readonly id: number; readonly result: Uint8Array }
  | { readonly type: 'error'; readonly id: number; readonly error: SerializedError };

export type SerializedError =
  | {
      readonly kind: 'analysis';
      readonly code: AnalysisErrorCode;
      readonly message: string;
      readonly retryable: boolean;
    }
  | { readonly kind: 'other'; readonly name: string; readonly message: string };
