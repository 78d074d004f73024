import { createHash, type Hash } from 'node:crypto';
import type { ImageSource } from '@berth/oci';
import { AnalysisError } from './analysis-error.js';
import { resolveLimits } from './analysis-limits.js';
import { decompress } from './compression.js';
import { unifiedTextDiff, isBinaryContent } from './diff-text.js';
import { normaliseEntryPath } from './entry-path.js';
import type { ImageAnalysis } from './profile-image.js';
import { TarParser, type TarEntryHeader, type TarVisitor } from './tar-parser.js';

/** Largest file {@link readFileFromImage} returns by default: it is held in memory whole. */
export const DEFAULT_READ_FILE_MAX_BYTES = 8 * 1024 * 1024;

export interface ReadFileOptions {
  /** Default {@link DEFAULT_READ_FILE_MAX_BYTES}; larger files fail with `file_too_large`. */
  readonly maxBytes?: number;
  readonly signal?: AbortSignal;
}

/**
 * The content of one regular file of an analysed image, fetched on demand: symlinks are
 * followed in the merged file system, the top-most layer that wrote the file's content is
 * found, and only that layer is streamed, up to the file's tar entry (the stream stops there).
 * Files the analysis kept (os-release, dpkg status…) need no fetch. The bytes are verified
 * against the content hash the analysis recorded.
 *
 * Fails with `file_not_found` (absent, or not a regular file), `file_too_large`, or the
 * source's errors.
 *
 * @example
 * const motd = await readFileFromImage(source, analysis, '/etc/motd');
 */
export async function readFileFromImage(
  source: ImageSource,
  analysis: ImageAnalysis,
  path: string,
  options: ReadFileOptions = {},
): Promise<Buffer> {
  const maxBytes = options.maxBytes ?? DEFAULT_READ_FILE_MAX_BYTES;
  const clean = cleanPath(path);
  const found = analysis.fileSystem.resolve(clean, { follow: true });
  if (!found) throw new AnalysisError('file_not_found', `/${clean} does not exist in the image`);
  const { node } = found;
  if (node.type !== 'file' || !node.inode) {
    throw new AnalysisError(
      'file_not_found',
      `/${clean} is a ${node.type === 'dir' ? 'directory' : node.type}, not a regular file`,
    );
  }
  const { inode } = node;
  if (inode.size > maxBytes) {
    throw new AnalysisError(
      'file_too_large',
      `/${clean} has ${inode.size} bytes, more than the ${maxBytes} bytes a file view reads`,
    );
  }
  if (inode.content && !inode.truncated) return inode.content;
  if (inode.size === 0) return Buffer.alloc(0);

  const layer = analysis.layers[inode.layerIndex];
  const entries = layer?.result?.entries ?? [];
  // The entry that carried the content: any regular file of that layer with the same hash has
  // the same bytes. Prefer the path itself; a hardlink or a symlinked parent may name it otherwise.
  const candidates = entries.filter(
    (e) => e.type === 'file' && e.sha256 === inode.sha256 && e.size === inode.size,
  );
  const entryPath = (candidates.find((e) => e.path === found.path) ?? candidates[0])?.path;
  if (!layer || entryPath === undefined) {
    throw new AnalysisError(
      'file_not_found',
      `/${clean}: layer ${inode.layerIndex} holds no entry with its content (${inode.sha256})`,
    );
  }
  const content = await extractEntry(source, layer.descriptor, entryPath, inode.sha256, options.signal);
  if (!content) {
    throw new AnalysisError(
      'invalid_image',
      `layer ${layer.descriptor.digest} no longer holds /${entryPath} with content ${inode.sha256}`,
    );
  }
  return content;
}

/** Streams one layer until the entry `entryPath` with the wanted hash has been read. */
async function extractEntry(
  source: ImageSource,
  descriptor: { digest: string; size: number },
  entryPath: string,
  sha256: string,
  signal: AbortSignal | undefined,
): Promise<Buffer | undefined> {
  const limits = resolveLimits();
  const blob = await source.openBlob(descriptor, signal ? { signal } : {});
  try {
    const visitor = new EntryExtractor(entryPath, sha256);
    const parser = new TarParser(visitor, limits);
    const { chunks } = await decompress(blob as AsyncIterable<Buffer>);
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      parser.write(chunk);
      // Stop reading the layer as soon as the file is complete.
      if (visitor.result) return visitor.result;
    }
    parser.end();
    return visitor.result;
  } finally {
    blob.destroy();
  }
}

class EntryExtractor implements TarVisitor {
  result: Buffer | undefined;
  readonly #path: string;
  readonly #sha256: string;
  #current: { chunks: Buffer[]; hash: Hash } | undefined;

  constructor(path: string, sha256: string) {
    this.#path = path;
    this.#sha256 = sha256;
  }

  entry(header: TarEntryHeader): void {
    this.#current =
      !this.result && header.type === 'file' && header.path === this.#path
        ? { chunks: [], hash: createHash('sha256') }
        : undefined;
  }

  data(chunk: Buffer): void {
    if (!this.#current) return;
    this.#current.chunks.push(Buffer.from(chunk));
    this.#current.hash.update(chunk);
  }

  entryEnd(): void {
    const current = this.#current;
    this.#current = undefined;
    // A layer may hold the same path twice; the copy with the recorded hash is the one.
    if (current && `sha256:${current.hash.digest('hex')}` === this.#sha256) {
      this.result = Buffer.concat(current.chunks);
    }
  }
}

/** Either side of a file view: where to fetch from, and the analysis that maps the file. */
export interface DiffFileSide {
  readonly source: ImageSource;
  readonly analysis: ImageAnalysis;
}

export interface FileContentDiff {
  /** Absolute path. */
  readonly path: string;
  readonly binary: boolean;
  readonly leftSize: number;
  readonly rightSize: number;
  /** Unified diff (`''` when equal) or `Binary files … differ`. */
  readonly diff: string;
}

/**
 * The unified diff of one file present in both images (`GET /diffs/:id/file?path=`). A path
 * missing on one side fails with `file_not_found` naming the side (`left`/`right`).
 *
 * @example
 * const { diff } = await diffImageFile({ source, analysis: a }, { source, analysis: b }, '/etc/os-release');
 */
export async function diffImageFile(
  left: DiffFileSide,
  right: DiffFileSide,
  path: string,
  options: ReadFileOptions = {},
): Promise<FileContentDiff> {
  const read = async (s: DiffFileSide, name: 'left' | 'right'): Promise<Buffer> => {
    try {
      return await readFileFromImage(s.source, s.analysis, path, options);
    } catch (error) {
      if (
        error instanceof AnalysisError &&
        (error.code === 'file_not_found' || error.code === 'file_too_large')
      ) {
        throw new AnalysisError(error.code, `${name} image: ${error.message}`, { cause: error });
      }
      throw error;
    }
  };
  const [a, b] = await Promise.all([read(left, 'left'), read(right, 'right')]);
  const clean = `/${cleanPath(path)}`;
  return {
    path: clean,
    binary: isBinaryContent(a) || isBinaryContent(b),
    leftSize: a.length,
    rightSize: b.length,
    diff: unifiedTextDiff(a, b, clean),
  };
}

function cleanPath(path: string): string {
  try {
    return normaliseEntryPath(path, 'file');
  } catch (cause) {
    throw new AnalysisError('invalid_argument', `invalid path ${JSON.stringify(path)}`, { cause });
  }
}
