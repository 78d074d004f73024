import { Readable, pipeline } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { AnalysisError } from './analysis-error.js';
import { zstdDecompress } from './zstd-decompress.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const MAGIC_BYTES = 6;
/**
 * Output chunk of the inflater. zlib's default (16 KiB) costs a thread-pool round trip per
 * 16 KiB: inflating the 121 MB Debian layer took ~1.0 s that way and ~0.28 s with 256 KiB
 * chunks on the bench machine (bench/run.ts); more than that gains little and costs memory.
 */
export const INFLATE_CHUNK_BYTES = 256 * 1024;

/**
 * The compression of a layer blob, from its first bytes (not its media type, which registries
 * and tools get wrong: Docker's "tar.gzip" media type on uncompressed layers is common).
 * gzip: RFC 1952 `1f 8b`; zstd: RFC 8878 frame magic `28 b5 2f fd` or a skippable frame
 * `5? 2a 4d 18`. bzip2 and xz layers are named and refused.
 */
export function detectCompression(head: Uint8Array): Compression {
  const [b0, b1, b2, b3, b4, b5] = head;
  if (b0 === 0x1f && b1 === 0x8b) return 'gzip';
  if (b0 === 0x28 && b1 === 0xb5 && b2 === 0x2f && b3 === 0xfd) return 'zstd';
  if (b0 !== undefined && (b0 & 0xf0) === 0x50 && b1 === 0x2a && b2 === 0x4d && b3 === 0x18) return 'zstd';
  if (b0 === 0x42 && b1 === 0x5a && b2 === 0x68) {
    throw new AnalysisError(
      'unsupported_compression',
      'the layer is bzip2-compressed; OCI layers are gzip, zstd or plain tar',
    );
  }
  if (b0 === 0xfd && b1 === 0x37 && b2 === 0x7a && b3 === 0x58 && b4 === 0x5a && b5 === 0x00) {
    throw new AnalysisError(
      'unsupported_compression',
      'the layer is xz-compressed; OCI layers are gzip, zstd or plain tar',
    );
  }
  return 'none';
}

export interface DecompressedStream {
  readonly compression: Compression;
  /** The uncompressed bytes, pulled on demand; errors of the source surface here. */
  readonly chunks: AsyncIterable<Buffer>;
}

/**
 * Peeks at the first bytes of `source`, detects the compression and returns the uncompressed
 * stream. Nothing is buffered beyond the peeked head and the decompressor's own window.
 */
export async function decompress(source: AsyncIterable<Buffer>): Promise<DecompressedStream> {
  const iterator = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let headLength = 0;
  let done = false;
  while (headLength < MAGIC_BYTES) {
    const next = await iterator.next();
    if (next.done) {
      done = true;
      break;
    }
    head.push(next.value);
    headLength += next.value.length;
  }
  const compression = detectCompression(Buffer.concat(head, headLength).subarray(0, MAGIC_BYTES));
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      yield* head;
      head.length = 0;
      if (done) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    } finally {
      // Stop the source when the consumer stops early (error, abort).
      await iterator.return?.();
    }
  }
  switch (compression) {
    case 'none':
      return { compression, chunks: replay() };
    case 'zstd':
      return { compression, chunks: zstdDecompress(replay()) };
    case 'gzip':
      return { compression, chunks: gunzip(replay()) };
  }
}

async function* gunzip(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  // node:zlib honours backpressure: it inflates one output chunk at a time as the consumer pulls.
  // Concatenated gzip members (pigz, some layer writers) are read as one stream.
  const out = pipeline(
    Readable.from(source, { objectMode: false }),
    createGunzip({ chunkSize: INFLATE_CHUNK_BYTES }),
    () => undefined,
  );
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) yield chunk;
  } catch (cause) {
    if (cause instanceof Error && 'errno' in cause && (cause as { code?: string }).code?.startsWith('Z_')) {
      throw new AnalysisError('decompression_failed', `corrupt gzip data: ${cause.message}`, { cause });
    }
    throw cause;
  } finally {
    out.destroy();
  }
}
