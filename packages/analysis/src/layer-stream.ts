import { createHash, type Hash } from 'node:crypto';
import { AnalysisError } from './analysis-error.js';
import { resolveLimits, type AnalysisLimits } from './analysis-limits.js';
import { decompress, type Compression } from './compression.js';
import { combinedWant, DEFAULT_DETECTORS, type Detector, type FileWant } from './detectors.js';
import { baseName, joinPath, parentPath } from './entry-path.js';
import { GoBuildInfoScanner, type GoBuildInfo } from './go-build-info.js';
import type { CapturedFile, LayerEntry } from './layer-result.js';
import { TarParser, type TarEntryHeader, type TarVisitor } from './tar-parser.js';

// The layer pass itself, free of `@berth/oci` so that a worker thread (layer-worker.ts) can
// load it on its own.

/** OCI image-spec layer.md "Whiteouts". */
export const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_WHITEOUT = '.wh..wh..opq';
const AUFS_META_PREFIX = '.wh..wh.';
/**
 * eStargz (stargz-snapshotter docs/estargz.md) adds these at the root of a layer: the prefetch
 * landmarks and the table of contents. They are not part of the image's file system.
 */
export const ESTARGZ_FILES: ReadonlySet<string> = new Set([
  '.prefetch.landmark',
  '.no.prefetch.landmark',
  'stargz.index.json',
]);

const PRIVATE_KEY_SNIFF_BYTES = 128;
/** Bytes searched for a NUL to call a file binary, as git's `buffer_is_binary` (and diff-text.ts). */
const BINARY_SNIFF_BYTES = 8000;
const SHA256_TEXT_LENGTH = 'sha256:'.length + 64;
const PRIVATE_KEY_PEM = /^-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;
/** `-`: {@link PRIVATE_KEY_PEM} cannot match a file that starts with anything else. */
const PEM_FIRST_BYTE = 0x2d;

export interface TarStreamOptions {
  readonly detectors?: readonly Detector[];
  readonly limits?: Partial<AnalysisLimits>;
  readonly signal?: AbortSignal;
  /**
   * The `sha256:` digest that `source` is already verified against as it streams (a blob
   * stream checks its digest at EOF and fails the read otherwise). When the layer turns out
   * to be uncompressed, its bytes *are* the uncompressed stream, so that digest is the diff ID
   * and hashing the same bytes a second time is skipped.
   */
  readonly verifiedDigest?: string;
  /** For a source whose buffers are reused once consumed (see {@link decompress}'s `release`). */
  readonly release?: (bytes: number) => void;
}

/** What {@link analyzeTarStream} learns from one (possibly compressed) layer stream. */
export interface TarStreamResult {
  readonly compression: Compression;
  readonly sizeUncompressed: number;
  /** `sha256:` of the uncompressed stream: the layer's diff ID. */
  readonly diffId: string;
  readonly entries: LayerEntry[];
  readonly files: CapturedFile[];
  readonly skipped: string[];
}

/**
 * One streaming pass over a layer blob's bytes: detect and undo the compression, hash the
 * uncompressed stream (diff ID), parse the tar, hash each regular file and keep the small files
 * that detectors want. Memory stays bounded by the limits, whatever the layer's size.
 *
 * @example
 * const result = await analyzeTarStream(createReadStream('layer.tar.gz'));
 */
export async function analyzeTarStream(
  source: AsyncIterable<Buffer>,
  options: TarStreamOptions = {},
): Promise<TarStreamResult> {
  const limits = resolveLimits(options.limits);
  const { signal } = options;
  const collector = new LayerCollector(
    options.detectors ?? DEFAULT_DETECTORS,
    limits.maxCapturedBytesPerLayer,
  );
  const parser = new TarParser(collector, limits);
  let total = 0;
  signal?.throwIfAborted();
  const { compression, chunks } = await decompress(
    source,
    options.release ? { release: options.release } : {},
  );
  const knownDiffId = compression === 'none' ? options.verifiedDigest : undefined;
  const diffHash = knownDiffId === undefined ? createHash('sha256') : undefined;
  for await (const chunk of chunks) {
    if (signal?.aborted) throw abortError(signal);
    total += chunk.length;
    if (total > limits.maxLayerBytes) {
      throw new AnalysisError(
        'layer_too_large',
        `the layer expands to more than ${limits.maxLayerBytes} bytes uncompressed (limits.maxLayerBytes): refusing a possible decompression bomb`,
      );
    }
    diffHash?.update(chunk);
    parser.write(chunk);
  }
  parser.end();
  return {
    compression,
    sizeUncompressed: total,
    diffId: diffHash ? `sha256:${diffHash.digest('hex')}` : (knownDiffId as string),
    entries: collector.entries,
    files: collector.files,
    skipped: collector.skipped,
  };
}

function abortError(signal: AbortSignal): AnalysisError {
  return new AnalysisError('aborted', 'the analysis was aborted', { cause: signal.reason });
}

/** Whether a component of `path` starts with {@link AUFS_META_PREFIX}. */
function isAufsMeta(path: string): boolean {
  return path.startsWith(AUFS_META_PREFIX) || path.includes(`/${AUFS_META_PREFIX}`);
}

interface CurrentFile {
  readonly header: TarEntryHeader;
  readonly hash: Hash;
  readonly want: FileWant | undefined;
  readonly kept: Buffer[];
  keptBytes: number;
  /**
   * The first {@link PRIVATE_KEY_SNIFF_BYTES}, collected while the file may still be a PEM
   * private key; null once its first byte says it is not one (no PEM starts otherwise).
   */
  head: Buffer | undefined | null;
  readonly go: GoBuildInfoScanner | undefined;
  /** Content bytes searched for a NUL so far (up to {@link BINARY_SNIFF_BYTES}), and the verdict. */
  sniffed: number;
  binary: boolean;
}

/** Turns tar members into {@link LayerEntry} records, whiteouts into markers, and keeps wanted files. */
class LayerCollector implements TarVisitor {
  readonly entries: LayerEntry[] = [];
  readonly files: CapturedFile[] = [];
  readonly skipped: string[] = [];
  readonly #detectors: readonly Detector[];
  #captureBudget: number;
  #current: CurrentFile | undefined;

  constructor(detectors: readonly Detector[], captureBudget: number) {
    this.#detectors = detectors;
    this.#captureBudget = captureBudget;
  }

  entry(header: TarEntryHeader): void {
    this.#current = undefined;
    const { path } = header;
    // The root itself (`./`) carries nothing the merged file system needs.
    if (path === '') return;
    const base = baseName(path);
    // AUFS metadata (`.wh..wh.plnk/…`, `.wh..wh.aufs`): image-spec layer.md says to ignore it.
    if (base !== OPAQUE_WHITEOUT && isAufsMeta(path)) {
      this.skipped.push(path);
      return;
    }
    if (base.startsWith(WHITEOUT_PREFIX)) {
      const dir = parentPath(path);
      if (base === OPAQUE_WHITEOUT) {
        this.entries.push({ ...owner(header), path: dir, type: 'opaque', size: 0 });
      } else if (base === WHITEOUT_PREFIX) {
        // `.wh.` alone names nothing.
        this.skipped.push(path);
      } else {
        this.entries.push({
          ...owner(header),
          path: joinPath(dir, base.slice(WHITEOUT_PREFIX.length)),
          type: 'whiteout',
          size: 0,
        });
      }
      return;
    }
    if (ESTARGZ_FILES.has(path)) {
      this.skipped.push(path);
      return;
    }
    if (header.type !== 'file') {
      this.entries.push(toEntry(header, undefined, false));
      return;
    }
    const want = combinedWant(this.#detectors, path);
    this.#current = {
      header,
      hash: createHash('sha256'),
      want: want && (want.prefix || header.size <= want.maxBytes) ? want : undefined,
      kept: [],
      keptBytes: 0,
      head: undefined,
      go: header.mode & 0o111 && header.size >= 64 ? new GoBuildInfoScanner() : undefined,
      sniffed: 0,
      binary: false,
    };
  }

  data(chunk: Buffer): void {
    const current = this.#current;
    if (!current) return;
    current.hash.update(chunk);
    current.go?.feed(chunk);
    if (!current.binary && current.sniffed < BINARY_SNIFF_BYTES) {
      const end = Math.min(chunk.length, BINARY_SNIFF_BYTES - current.sniffed);
      current.binary = chunk.subarray(0, end).indexOf(0) !== -1;
      current.sniffed += end;
    }
    if (current.head === undefined && chunk.length > 0 && chunk[0] !== PEM_FIRST_BYTE) {
      current.head = null;
    } else if (current.head !== null && (current.head?.length ?? 0) < PRIVATE_KEY_SNIFF_BYTES) {
      const need = PRIVATE_KEY_SNIFF_BYTES - (current.head?.length ?? 0);
      const piece = Buffer.from(chunk.subarray(0, need));
      current.head = current.head ? Buffer.concat([current.head, piece]) : piece;
    }
    if (current.want && current.keptBytes < current.want.maxBytes) {
      const piece = chunk.subarray(0, current.want.maxBytes - current.keptBytes);
      current.kept.push(Buffer.from(piece));
      current.keptBytes += piece.length;
    }
  }

  entryEnd(): void {
    const current = this.#current;
    if (!current) return;
    this.#current = undefined;
    const privateKey = current.head != null && PRIVATE_KEY_PEM.test(current.head.toString('latin1'));
    const entry = toEntry(
      current.header,
      sha256Text(current.hash),
      privateKey,
      current.go?.result(),
      current.binary,
    );
    this.entries.push(entry);
    if (current.want && current.keptBytes <= this.#captureBudget) {
      this.#captureBudget -= current.keptBytes;
      this.files.push({
        path: entry.path,
        entryIndex: this.entries.length - 1,
        content: Buffer.concat(current.kept, current.keptBytes).toString('base64'),
        ...(current.keptBytes < current.header.size ? { truncated: true as const } : {}),
      });
    }
  }
}

function owner(header: TarEntryHeader): Pick<LayerEntry, 'mode' | 'uid' | 'gid' | 'mtime'> {
  return { mode: header.mode, uid: header.uid, gid: header.gid, mtime: header.mtime };
}

/** The entry record; optional fields are set only when present, in this order. */
function toEntry(
  header: TarEntryHeader,
  sha256: string | undefined,
  privateKey: boolean,
  go?: GoBuildInfo,
  binary?: boolean,
): LayerEntry {
  const entry: { -readonly [K in keyof LayerEntry]: LayerEntry[K] } = {
    path: header.path,
    type: header.type,
    mode: header.mode,
    uid: header.uid,
    gid: header.gid,
    mtime: header.mtime,
    size: header.type === 'file' ? header.size : 0,
  };
  if (header.linkTarget !== undefined) entry.linkTarget = header.linkTarget;
  if (sha256 !== undefined) entry.sha256 = sha256;
  if (header.xattrs) {
    const xattrs: Record<string, string> = {};
    for (const [key, value] of header.xattrs) xattrs[key] = value.toString('base64');
    entry.xattrs = xattrs;
  }
  if (header.devMajor !== undefined) {
    entry.devMajor = header.devMajor;
    entry.devMinor = header.devMinor ?? 0;
  }
  if (privateKey) entry.privateKey = true;
  if (go) entry.go = go;
  if (binary !== undefined) entry.binary = binary;
  return entry;
}

/**
 * `sha256:<hex>` as one flat string: a template literal makes a two-part rope that V8 flattens
 * into a third string the first time it is compared, and a large image has one per file.
 */
function sha256Text(hash: Hash): string {
  const text = Buffer.allocUnsafe(SHA256_TEXT_LENGTH);
  text.write('sha256:', 0, 'latin1');
  text.write(hash.digest('hex'), 7, 'latin1');
  return text.toString('latin1');
}
