import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { BlobOptions, ImageSource } from '@berth/oci';
import { BlobPrefetch } from './blob-prefetch.js';

/** A source that counts its blob requests; `missing` digests fail like a 404. */
function countingSource(missing: readonly string[] = []) {
  const opened: { digest: string; options: BlobOptions | undefined; stream: Readable }[] = [];
  const source: ImageSource = {
    name: 'test',
    getManifest: () => Promise.reject(new Error('not used')),
    readBlob: () => Promise.reject(new Error('not used')),
    openBlob: (descriptor, options) => {
      if (missing.includes(descriptor.digest)) {
        return Promise.reject(new Error(`blob ${descriptor.digest} not found`));
      }
      const stream = Readable.from([Buffer.from(descriptor.digest)]);
      opened.push({ digest: descriptor.digest, options, stream });
      return Promise.resolve(stream);
    },
  };
  return { source, opened };
}

const layer = (n: number) => ({ digest: `sha256:${String(n).repeat(64)}`, size: 10 });

describe('BlobPrefetch', () => {
  it('hands each prefetched blob out once, then asks the source again', async () => {
    const { source, opened } = countingSource();
    const prefetch = new BlobPrefetch(source, undefined);
    prefetch.start([layer(1), layer(2), layer(1)]);
    expect(opened.map((o) => o.digest)).toEqual([layer(1).digest, layer(2).digest]);
    const first = await prefetch.source.openBlob(layer(1));
    expect(first).toBe(opened[0]?.stream);
    expect(opened).toHaveLength(2);
    const again = await prefetch.source.openBlob(layer(1));
    expect(again).not.toBe(first);
    expect(opened).toHaveLength(3);
  });

  it('never serves a byte range from a prefetched whole blob', async () => {
    const { source, opened } = countingSource();
    const prefetch = new BlobPrefetch(source, undefined);
    prefetch.start([layer(1)]);
    const ranged = await prefetch.source.openBlob(layer(1), { range: { start: 5 } });
    expect(ranged).toBe(opened[1]?.stream);
    expect(opened[1]?.options).toEqual({ range: { start: 5 } });
  });

  it('closes the blobs nobody claimed', async () => {
    const { source, opened } = countingSource();
    const prefetch = new BlobPrefetch(source, undefined);
    prefetch.start([layer(1), layer(2)]);
    await prefetch.source.openBlob(layer(1));
    prefetch.discard();
    await new Promise((resolve) => setImmediate(resolve));
    expect(opened.map((o) => o.stream.destroyed)).toEqual([false, true]);
  });

  it('reports a failed prefetch to whoever claims it, and only then', async () => {
    const { source } = countingSource([layer(3).digest]);
    const prefetch = new BlobPrefetch(source, undefined);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      prefetch.start([layer(3)]);
      await new Promise((resolve) => setImmediate(resolve));
      await expect(prefetch.source.openBlob(layer(3))).rejects.toThrow(/not found/);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('passes the signal given at the start to the prefetch requests', () => {
    const { source, opened } = countingSource();
    const controller = new AbortController();
    new BlobPrefetch(source, controller.signal).start([layer(1)]);
    expect(opened[0]?.options?.signal).toBe(controller.signal);
  });
});
