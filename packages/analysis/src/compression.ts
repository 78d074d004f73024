import { Readable, pipeline, type TransformOptions } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { AnalysisError } from './analysis-error.js';
import { zstdDecompress } from './zstd-decompress.js';

export type Compression = 'gzip' | 'zstd' | 'none';

const MAGIC_BYTES = 6;
/**
 * Output chunk of the inflater. zlib's default (16 KiB) costs a thread-pool round trip per
 * 16 KiB: inflating the 121 MB Debian layer took ~1.0 s that way and ~0.28 s with 256 KiB
 * chunks on the bench machine (bench/run.ts). 1 MiB chunks took another ~0.15 s of CPU and
 * ~10 MB of freshly touched pages off a whole `berth profile` there (each output chunk is a new
 * buffer; fewer, larger ones are reused better); 4 MiB ones touched more pages again.
 */
export const INFLATE_CHUNK_BYTES = 1024 * 1024;
/**
 * Compressed bytes handed to the inflater at a time. Network reads arrive in ≤ 64 KiB pieces,
 * and each piece written to zlib is one thread-pool job and one callback on this thread, which
 * waits behind whatever this thread is busy with; gathered into 1 MiB (in reused buffers, so the
 * copy touches no new memory) a `berth profile` of the Debian image took ~0.1 s less.
 */
const INFLATE_INPUT_BYTES = 1024 * 1024;
/**
 * Inflated bytes zlib may produce ahead of the consumer. With Node's default (16 KiB) the
 * thread pool waited for each 1 MiB chunk to be consumed before inflating the next, so
 * inflating and analysing took turns; two chunks ahead they overlap (~0.15 s less for the
 * Debian image on 2 cores).
 */
const INFLATE_AHEAD_BYTES = 2 * INFLATE_CHUNK_BYTES;

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

export interface DecompressOptions {
  /**
   * For a source whose buffers are reused once consumed (a shared ring): called with the size
   * of each source chunk, in order, once nothing refers to its bytes any more. Uncompressed
   * chunks are then copied before they are passed on.
   */
  readonly release?: (bytes: number) => void;
}

export interface DecompressedStream {
  readonly compression: Compression;
  /**
   * The uncompressed bytes, pulled on demand; errors of the source surface here. A chunk is
   * valid until the next one is asked for (gzip output buffers are reused): copy what you keep.
   */
  readonly chunks: AsyncIterable<Buffer>;
}

/**
 * Peeks at the first bytes of `source`, detects the compression and returns the uncompressed
 * stream. Nothing is buffered beyond the peeked head and the decompressor's own window.
 */
export async function decompress(
  source: AsyncIterable<Buffer>,
  options: DecompressOptions = {},
): Promise<DecompressedStream> {
  const { release } = options;
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
      return { compression, chunks: release ? copied(replay(), release) : replay() };
    case 'zstd':
      // zstdDecompress asks for the next input chunk only once it is done with the last one.
      return { compression, chunks: zstdDecompress(release ? releasedOnNext(replay(), release) : replay()) };
    case 'gzip':
      return { compression, chunks: gunzip(replay(), release) };
  }
}

async function* copied(
  source: AsyncIterable<Buffer>,
  release: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const copy = Buffer.from(chunk);
    release(chunk.length);
    yield copy;
  }
}

async function* releasedOnNext(
  source: AsyncIterable<Buffer>,
  release: (bytes: number) => void,
): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    yield chunk;
    release(chunk.length);
  }
}

async function* gunzip(
  source: AsyncIterable<Buffer>,
  release: ((bytes: number) => void) | undefined,
): AsyncGenerator<Buffer> {
  // node:zlib honours backpressure: it inflates at most INFLATE_AHEAD_BYTES ahead of the consumer.
  // Concatenated gzip members (pigz, some layer writers) are read as one stream.
  // Node's zlib passes stream options on to its Transform (the types leave them out).
  const options: ZlibOptions & TransformOptions = {
    chunkSize: INFLATE_CHUNK_BYTES,
    readableHighWaterMark: INFLATE_AHEAD_BYTES,
  };
  const inflater = createGunzip(options);
  const input = new InputPool(INFLATE_INPUT_BYTES);
  // A Transform calls back from _transform once it has consumed the whole input chunk (zlib
  // inflates from the chunk's memory until then, on the thread pool): its buffer is free again.
  const transform = inflater._transform.bind(inflater);
  inflater._transform = (chunk: Buffer, encoding, callback) =>
    transform(chunk, encoding, (error, data) => {
      input.free(chunk);
      callback(error, data);
    });
  const consumed = reuseOutputBuffers(inflater);
  const out = pipeline(
    Readable.from(input.gather(source, release), { objectMode: false }),
    inflater,
    () => undefined,
  );
  try {
    for await (const chunk of out as AsyncIterable<Buffer>) {
      yield chunk;
      consumed?.(chunk);
    }
  } catch (cause) {
    if (cause instanceof Error && 'errno' in cause && (cause as { code?: string }).code?.startsWith('Z_')) {
      throw new AnalysisError('decompression_failed', `corrupt gzip data: ${cause.message}`, { cause });
    }
    throw cause;
  } finally {
    out.destroy();
  }
}

/**
 * Gathers small source chunks into buffers of `size` bytes, reusing the buffers the inflater
 * has consumed ({@link free}) so that copying touches no new memory. Each source chunk is
 * copied at once, so it is released (`release`) as soon as it is read.
 */
class InputPool {
  readonly #size: number;
  readonly #spare: Buffer[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** Hands a buffer (or a view of one) that the inflater is done with back to the pool. */
  free(chunk: Buffer): void {
    if (chunk.byteOffset === 0 && chunk.buffer.byteLength === this.#size && this.#spare.length < 4) {
      this.#spare.push(Buffer.from(chunk.buffer, 0, this.#size));
    }
  }

  async *gather(
    source: AsyncIterable<Buffer>,
    release: ((bytes: number) => void) | undefined,
  ): AsyncGenerator<Buffer> {
    let target: Buffer | undefined;
    let filled = 0;
    for await (const chunk of source) {
      let offset = 0;
      while (offset < chunk.length) {
        target ??= this.#spare.pop() ?? Buffer.allocUnsafeSlow(this.#size);
        const copied = chunk.copy(target, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === this.#size) {
          const full = target;
          target = undefined;
          filled = 0;
          yield full;
        }
      }
      release?.(chunk.length);
    }
    if (target && filled > 0) yield target.subarray(0, filled);
  }
}

/**
 * Lets the inflater write into output buffers the consumer is done with instead of a new one
 * each time. node:zlib allocates a fresh `_outBuffer` whenever one fills up (the slices it
 * pushed still point into the old one); fresh memory is slow to touch on small VMs, and this
 * stream is the largest of a profile (the whole uncompressed layer). The assignment is
 * intercepted and served from the buffers whose slices have all been consumed and that zlib
 * no longer writes into. Returns the callback to call with each chunk once it is consumed, or
 * undefined (no reuse) if this Node's zlib does not keep its output buffer where expected.
 */
function reuseOutputBuffers(inflater: object): ((chunk: Buffer) => void) | undefined {
  const zlib = inflater as { _outBuffer?: unknown };
  if (!Buffer.isBuffer(zlib._outBuffer) || zlib._outBuffer.byteLength !== INFLATE_CHUNK_BYTES)
    return undefined;
  let current: Buffer = zlib._outBuffer;
  const free: Buffer[] = [];
  Object.defineProperty(inflater, '_outBuffer', {
    configurable: true,
    enumerable: true,
    get: () => current,
    set: (fresh: Buffer) => {
      current = free.pop() ?? fresh;
    },
  });
  // Slices arrive in order: once a chunk from another buffer is consumed, every slice of the
  // previous one has been, and that buffer is free unless zlib is still filling it.
  let previous: ArrayBufferLike | undefined;
  return (chunk) => {
    if (previous !== undefined && previous !== chunk.buffer && previous !== current.buffer) {
      free.push(Buffer.from(previous, 0, INFLATE_CHUNK_BYTES));
    }
    previous = chunk.buffer;
  };
}
