import type { Readable } from 'node:stream';
import { OciError, isNondistributableLayer, type Descriptor, type ImageSource } from '@berth/oci';
import { AnalysisError } from './analysis-error.js';
import { DEFAULT_DETECTORS, type Detector } from './detectors.js';
import { ANALYZER_VERSION, type LayerResult } from './layer-result.js';
import { analyzeTarStream, type TarStreamOptions, type TarStreamResult } from './layer-stream.js';
import { analyzeTarStreamInWorker } from './layer-worker-pool.js';

export * from './layer-stream.js';

export interface AnalyzeLayerOptions extends TarStreamOptions {
  /** Called with the number of compressed bytes read, as they arrive. */
  readonly onBytes?: (bytes: number) => void;
  /**
   * Decompress, hash and parse the layer on a worker thread while this thread fetches and
   * verifies the blob ({@link analyzeTarStreamInWorker}, which says why it is off by default).
   */
  readonly worker?: boolean;
}

/**
 * Fetches and analyses one layer: blob digest and size are verified by the source's stream,
 * the diff ID against `diffId` (the config's `rootfs.diff_ids` entry). Fails with
 * `diff_id_mismatch`, the source's `digest_mismatch`/`size_mismatch`, or the tar and limit
 * errors of {@link analyzeTarStream}; a failed layer yields no result at all.
 *
 * @example
 * const layer = await analyzeLayer(source, image.manifest.layers[0], image.config.diffIds[0]);
 */
export async function analyzeLayer(
  source: ImageSource,
  descriptor: Descriptor,
  diffId: string,
  options: AnalyzeLayerOptions = {},
): Promise<LayerResult> {
  if (isNondistributableLayer(descriptor.mediaType)) {
    throw new AnalysisError(
      'invalid_argument',
      `layer ${descriptor.digest} is non-distributable (${descriptor.mediaType}); it is reported, not analysed`,
    );
  }
  const blob = await source.openBlob(descriptor, options.signal ? { signal: options.signal } : {});
  try {
    let result: TarStreamResult;
    try {
      const analyze = options.worker ? analyzeTarStreamInWorker : analyzeTarStream;
      result = await analyze(counting(blob, options.onBytes), {
        ...options,
        ...(descriptor.digest.startsWith('sha256:') ? { verifiedDigest: descriptor.digest } : {}),
      });
    } catch (error) {
      if (options.signal?.aborted) throw abortError(options.signal);
      if (error instanceof OciError) throw error;
      // A corrupt blob usually breaks decompression or the tar format before its digest can be
      // checked at EOF. Read the rest through the verifier: if the blob itself is corrupt,
      // that is the precise error to report.
      const blobError = await drainForVerification(blob);
      if (blobError) throw blobError;
      if (error instanceof AnalysisError) {
        throw new AnalysisError(error.code, `layer ${descriptor.digest}: ${error.message}`, {
          retryable: error.retryable,
          cause: error,
        });
      }
      throw error;
    }
    if (result.diffId !== diffId) {
      throw new AnalysisError(
        'diff_id_mismatch',
        `layer ${descriptor.digest} uncompresses to ${result.diffId}, but the image config's rootfs.diff_ids says ${diffId}`,
      );
    }
    return {
      analyzerVersion: ANALYZER_VERSION,
      detectors: detectorIds(options.detectors ?? DEFAULT_DETECTORS),
      digest: descriptor.digest,
      diffId,
      mediaType: descriptor.mediaType,
      compression: result.compression,
      sizeCompressed: descriptor.size,
      sizeUncompressed: result.sizeUncompressed,
      entries: result.entries,
      files: result.files,
      skipped: result.skipped,
    };
  } finally {
    blob.destroy();
  }
}

/** The sorted ids of a detector set, as recorded in {@link LayerResult.detectors}. */
export function detectorIds(detectors: readonly Detector[]): string[] {
  return detectors.map((d) => d.id).sort();
}

async function drainForVerification(blob: Readable): Promise<OciError | undefined> {
  try {
    for await (const _chunk of blob.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
      // Only the verifier's verdict at EOF matters.
    }
    return undefined;
  } catch (error) {
    return error instanceof OciError ? error : undefined;
  }
}

async function* counting(
  blob: Readable,
  onBytes: ((bytes: number) => void) | undefined,
): AsyncGenerator<Buffer> {
  // destroyOnReturn: false keeps the blob readable after the analysis stops early, so that
  // drainForVerification can still read it to the end.
  for await (const chunk of blob.iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>) {
    onBytes?.(chunk.length);
    yield chunk;
  }
}

function abortError(signal: AbortSignal): AnalysisError {
  return new AnalysisError('aborted', 'the analysis was aborted', { cause: signal.reason });
}
