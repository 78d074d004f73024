import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decompress, INFLATE_CHUNK_BYTES } from './compression.js';

/** ~7 MiB that compresses well but not uniformly: lines with a counter. */
function sample(): Buffer {
  const lines: string[] = [];
  for (let i = 0; lines.length < 250_000; i++) lines.push(`line ${i} ${(i * 7919) % 10007} of the sample\n`);
  return Buffer.from(lines.join(''));
}

function pieces(data: Buffer, size: number): AsyncIterable<Buffer> {
  const all: Buffer[] = [];
  for (let i = 0; i < data.length; i += size) all.push(data.subarray(i, i + size));
  return Readable.from(all);
}

describe('decompress (gzip)', () => {
  it('hands out each byte once and in order while reusing the output buffers it is done with', async () => {
    const data = sample();
    expect(data.length).toBeGreaterThan(4 * INFLATE_CHUNK_BYTES);
    const { compression, chunks } = await decompress(pieces(gzipSync(data), 16 * 1024));
    expect(compression).toBe('gzip');
    const hash = createHash('sha256');
    const seen = new Set<ArrayBufferLike>();
    let reused = 0;
    let total = 0;
    let previous: ArrayBufferLike | undefined;
    for await (const chunk of chunks) {
      // Consumed before the next chunk is asked for, as the contract says.
      hash.update(chunk);
      total += chunk.length;
      if (chunk.buffer !== previous && seen.has(chunk.buffer)) reused++;
      seen.add(chunk.buffer);
      previous = chunk.buffer;
    }
    expect(total).toBe(data.length);
    expect(hash.digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));
    expect(reused).toBeGreaterThan(0);
  });

  it('gives copies the consumer keeps their bytes', async () => {
    const data = sample();
    const { chunks } = await decompress(pieces(gzipSync(data), 64 * 1024));
    const kept: Buffer[] = [];
    for await (const chunk of chunks) kept.push(Buffer.from(chunk));
    expect(Buffer.concat(kept).equals(data)).toBe(true);
  });
});
