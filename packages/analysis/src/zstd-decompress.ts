import { createRequire } from 'node:module';
import { AnalysisError } from './analysis-error.js';

interface ZstdDCtx {
  decompressStream(dstBuf: Uint8Array, srcBuf: Uint8Array): [number, number, number];
}

// zstd-napi's low-level binding: its DecompressStream pushes all the output of an input chunk
// at once, ignoring backpressure, so a small zstd bomb chunk could expand into gigabytes before
// any cap is checked. Driving ZSTD_decompressStream ourselves yields one bounded buffer at a
// time and lets the consumer (with its byte cap) pull.
// Loaded on the first zstd layer: most images have none, and a native addon costs start-up
// time to every one-shot `berth profile`.
let binding: { DCtx: new () => ZstdDCtx } | undefined;
const loadBinding = (): { DCtx: new () => ZstdDCtx } =>
  (binding ??= createRequire(import.meta.url)('zstd-napi/binding') as { DCtx: new () => ZstdDCtx });

const OUT_CHUNK = 128 * 1024;

/**
 * Decompresses a zstd stream (one or more frames) pull-style: at most one 128 KiB output
 * buffer exists at a time, whatever the compression ratio.
 *
 * @example
 * for await (const chunk of zstdDecompress(blobStream)) tar.write(chunk);
 */
export async function* zstdDecompress(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const dctx = new (loadBinding().DCtx)();
  let inFrame = false;
  for await (const chunk of source) {
    let src: Buffer = chunk;
    for (;;) {
      const dst = Buffer.allocUnsafe(OUT_CHUNK);
      let result: [number, number, number];
      try {
        result = dctx.decompressStream(dst, src);
      } catch (cause) {
        throw new AnalysisError('decompression_failed', `corrupt zstd data: ${(cause as Error).message}`, {
          cause,
        });
      }
      const [ret, produced, consumed] = result;
      src = src.subarray(consumed);
      if (produced > 0) yield dst.subarray(0, produced);
      if (src.length === 0 && (produced < dst.length || ret === 0)) {
        inFrame = ret !== 0;
        break;
      }
    }
  }
  if (inFrame)
    throw new AnalysisError('decompression_failed', 'the zstd stream ends in the middle of a frame');
}
