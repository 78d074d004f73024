/**
 * Typed errors of the analysis engine. Each carries a stable `code`, whether a retry could
 * help, and the underlying `cause`. Blob transport and verification failures keep their
 * {@link OciError} from `@berth/oci` (`digest_mismatch`, `size_mismatch`, `not_found`…);
 * everything the engine itself finds wrong with an image is an {@link AnalysisError}.
 */
export type AnalysisErrorCode =
  /** The uncompressed layer is larger than `limits.maxLayerBytes` (e.g. a gzip bomb). */
  | 'layer_too_large'
  /** The layer holds more tar entries than `limits.maxEntries`. */
  | 'too_many_entries'
  /** A tar header is malformed (bad checksum, bad number, bad PAX record). */
  | 'invalid_tar'
  /** The tar stream ends inside a header or an entry's data. */
  | 'truncated_tar'
  /** A tar feature Berth does not read (GNU sparse files, multi-volume archives, unknown types). */
  | 'unsupported_tar_entry'
  /** An entry name or hardlink target escapes the root or contains NUL. */
  | 'hostile_path'
  /** The layer is compressed with something other than gzip or zstd (bzip2, xz…). */
  | 'unsupported_compression'
  /** The gzip or zstd stream is corrupt. */
  | 'decompression_failed'
  /** The uncompressed layer does not hash to the `rootfs.diff_ids` entry of the config. */
  | 'diff_id_mismatch'
  /** The manifest and config do not describe a consistent image. */
  | 'invalid_image'
  | 'invalid_argument'
  /** A path asked for (a diff's file view) is absent from the image, or not a regular file. */
  | 'file_not_found'
  /** A file asked for is larger than the caller's cap. */
  | 'file_too_large'
  | 'aborted';

export interface AnalysisErrorOptions {
  readonly retryable?: boolean;
  readonly cause?: unknown;
}

export class AnalysisError extends Error {
  override readonly name = 'AnalysisError';
  readonly code: AnalysisErrorCode;
  readonly retryable: boolean;

  constructor(code: AnalysisErrorCode, message: string, options: AnalysisErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** Type guard that also narrows by code: `isAnalysisError(e, 'hostile_path')`. */
export function isAnalysisError(error: unknown, code?: AnalysisErrorCode): error is AnalysisError {
  return error instanceof AnalysisError && (code === undefined || error.code === code);
}
