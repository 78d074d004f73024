import type { Compression } from './compression.js';
import type { GoBuildInfo } from './go-build-info.js';

/** Entry kinds of a layer: tar member types plus the OCI whiteout markers as seen. */
export type LayerEntryType =
  | 'file'
  | 'dir'
  | 'symlink'
  | 'hardlink'
  | 'char'
  | 'block'
  | 'fifo'
  /** `dir/.wh.name`: `path` is the hidden path (`dir/name`). */
  | 'whiteout'
  /** `dir/.wh..wh..opq`: `path` is the opaque directory (`dir`). */
  | 'opaque';

/** One member of a layer, JSON-serialisable (binary values are base64). */
export interface LayerEntry {
  /** Clean, relative: `usr/bin/env`; the root is never listed. */
  readonly path: string;
  readonly type: LayerEntryType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** Content bytes of regular files; 0 otherwise. */
  readonly size: number;
  readonly mtime: number;
  /** Symlink target verbatim; hardlink target as a clean path. */
  readonly linkTarget?: string;
  /** Regular files: `sha256:<hex>` of the content. */
  readonly sha256?: string;
  /** Extended attributes, values base64 (`security.capability` is binary). */
  readonly xattrs?: Readonly<Record<string, string>>;
  readonly devMajor?: number;
  readonly devMinor?: number;
  /** The file starts like a PEM/OpenSSH private key. */
  readonly privateKey?: true;
  /**
   * Regular files: a NUL byte in the first 8000 content bytes (git's "binary" heuristic, as
   * {@link isBinaryContent}); absent when not known (results of older analyses, fixtures).
   */
  readonly binary?: boolean;
  /** Executables built by Go ≥ 1.18: their embedded build info. */
  readonly go?: GoBuildInfo;
}

/** A small file a detector asked for, with its content. */
export interface CapturedFile {
  readonly path: string;
  /** Index into {@link LayerResult.entries} of the entry that carried the data. */
  readonly entryIndex: number;
  /** base64 */
  readonly content: string;
  /** Only the first `content` bytes were kept (the detector asked for a prefix). */
  readonly truncated?: true;
}

/**
 * What one streaming pass over a layer found. Cached by layer digest and shared by every image
 * (and user) that has the layer; the merged file system and the profile are composed from it.
 */
export interface LayerResult {
  /** Bumped when the shape or the detectors change, so stale cache entries are ignored. */
  readonly analyzerVersion: string;
  /** Ids of the detectors whose files were kept; a cached result is reused only for the same set. */
  readonly detectors: readonly string[];
  readonly digest: string;
  readonly diffId: string;
  readonly mediaType: string;
  readonly compression: Compression;
  readonly sizeCompressed: number;
  readonly sizeUncompressed: number;
  readonly entries: readonly LayerEntry[];
  readonly files: readonly CapturedFile[];
  /** Tar members skipped on purpose: eStargz landmarks and TOC, AUFS `.wh..wh.` metadata. */
  readonly skipped: readonly string[];
}

/** Engine version recorded in results and profiles. */
export const ANALYZER_VERSION = '0.1.0';
