// Layer analysis on a worker thread (layer-worker-pool.ts): the same results and the same
// errors as on the calling thread, through the shared byte ring, for every compression.
import { randomBytes } from 'node:crypto';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compress as zstdCompress } from 'zstd-napi';
import { createLayout, encodeTar, type BuiltImage, type OciLayout, type TarEntry } from '@berth/testkit';
import { OciError, isOciError, ociLayoutSource, resolveImage, type Descriptor } from '@berth/oci';
import { analyzeLayer, analyzeTarStream, DEFAULT_DETECTORS, isAnalysisError } from '../src/index.js';
import { ByteRingReader, ByteRingWriter, createByteRing } from '../src/byte-ring.js';
import { analyzeTarStreamInWorker } from '../src/layer-worker-pool.js';

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 0 };
const file = (name: string, content: string | Buffer, extra: Partial<TarEntry> = {}): TarEntry => ({
  ...base,
  name,
  type: 'file',
  content: typeof content === 'string' ? Buffer.from(content) : content,
  ...extra,
});

async function* chunks(buffer: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < buffer.length; i += size) {
    await Promise.resolve();
    yield buffer.subarray(i, i + size);
  }
}

// Larger than the 4 MiB ring, so that the writer waits for the worker and the ring wraps.
const TAR = encodeTar([
  { ...base, name: 'etc/', type: 'dir', mode: 0o755 },
  file('etc/os-release', 'ID=debian\nVERSION_ID="12"\n'),
  file('etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n'),
  file('var/lib/dpkg/status', 'Package: base-files\nStatus: install ok installed\nVersion: 12.4\n\n'),
  file('opt/random.bin', randomBytes(6 * 1024 * 1024), { mode: 0o755 }),
  file('opt/text.txt', 'compressible text, line after line\n'.repeat(200_000)),
  file(
    'root/.ssh/id_ed25519',
    '-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n',
  ),
  { ...base, name: 'bin/sh', type: 'symlink', linkname: 'dash', mode: 0o777 },
  file('usr/bin/passwd', 'elf', {
    mode: 0o4755,
    xattrs: { 'security.capability': Buffer.from([1, 0, 0, 2]) },
  }),
  file('etc/.wh.motd', ''),
]);

describe('analyzeTarStreamInWorker', () => {
  it.each([
    ['gzip', gzipSync(TAR)],
    ['zstd', zstdCompress(TAR)],
    ['none', TAR],
  ])('gives the same result as analyzeTarStream for a %s layer', async (_name, blob) => {
    const here = await analyzeTarStream(chunks(blob));
    const there = await analyzeTarStreamInWorker(chunks(blob, 50_000));
    expect(there).toEqual(here);
    expect(there.entries.length).toBeGreaterThan(8);
    expect(there.files.map((f) => f.path)).toContain('var/lib/dpkg/status');
  });

  it('keeps the verified digest as the diff ID of an uncompressed layer', async () => {
    const verifiedDigest = `sha256:${'0'.repeat(64)}`;
    expect((await analyzeTarStreamInWorker(chunks(TAR), { verifiedDigest })).diffId).toBe(verifiedDigest);
  });

  it('fails with the same precise errors', async () => {
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    const cases: [Buffer, object, string][] = [
      [bomb, { limits: { maxLayerBytes: 4 * 1024 * 1024 } }, 'layer_too_large'],
      [gzipSync(TAR), { limits: { maxEntries: 3 } }, 'too_many_entries'],
      [gzipSync(TAR).subarray(0, 200_000), {}, 'decompression_failed'],
      [TAR.subarray(0, 100_000), {}, 'truncated_tar'],
      [gzipSync(encodeTar([file('../escape', 'x')])), {}, 'hostile_path'],
      [Buffer.from('BZh91AY&SY'), {}, 'unsupported_compression'],
    ];
    for (const [blob, options, code] of cases) {
      const here = await analyzeTarStream(chunks(blob), options).catch((e: unknown) => e);
      const there = await analyzeTarStreamInWorker(chunks(blob), options).catch((e: unknown) => e);
      expect(isAnalysisError(there, code as never), `${code}: ${String(there)}`).toBe(true);
      expect((there as Error).message).toBe((here as Error).message);
    }
  });

  it('fails with the source error when the source fails, and the worker serves the next layer', async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      yield* chunks(gzipSync(TAR).subarray(0, 1024 * 1024));
      throw new OciError('digest_mismatch', 'blob content does not match its digest');
    }
    await expect(analyzeTarStreamInWorker(failing())).rejects.toMatchObject({ code: 'digest_mismatch' });
    const again = await analyzeTarStreamInWorker(chunks(gzipSync(TAR)));
    expect(again.entries.some((e) => e.path === 'opt/text.txt')).toBe(true);
  });

  it('stops on abort', async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      const blob = gzipSync(TAR);
      yield blob.subarray(0, 100_000);
      controller.abort();
      await new Promise((resolve) => setTimeout(resolve, 50));
      yield blob.subarray(100_000);
    }
    const error = await analyzeTarStreamInWorker(slow(), { signal: controller.signal }).catch(
      (e: unknown) => e,
    );
    expect(isAnalysisError(error, 'aborted')).toBe(true);
  });

  it('runs detectors that are not default ones on this thread, with the same result', async () => {
    const detector = {
      id: 'custom',
      wants: (path: string) => (path === 'opt/text.txt' ? { maxBytes: 10, prefix: true } : undefined),
    };
    const detectors = [...DEFAULT_DETECTORS, detector];
    const result = await analyzeTarStreamInWorker(chunks(gzipSync(TAR)), { detectors });
    expect(result).toEqual(await analyzeTarStream(chunks(gzipSync(TAR)), { detectors }));
    expect(result.files.find((f) => f.path === 'opt/text.txt')).toMatchObject({ truncated: true });
  });
});

describe('ByteRing', () => {
  it('passes bytes in order across the ring end, the writer waiting for released space', async () => {
    const ring = createByteRing(16);
    const writer = new ByteRingWriter(ring);
    const reader = new ByteRingReader(ring);
    const input = randomBytes(1000);
    const writing = (async () => {
      for (let i = 0; i < input.length; i += 7) await writer.write(input.subarray(i, i + 7));
      writer.end();
    })();
    const got: Buffer[] = [];
    for await (const piece of reader.chunks(5)) {
      expect(piece.length).toBeLessThanOrEqual(5);
      got.push(Buffer.from(piece));
      reader.release(piece.length);
    }
    await writing;
    expect(Buffer.concat(got).equals(input)).toBe(true);
  });

  it('refuses a size that is not a power of two', () => {
    expect(() => createByteRing(1000)).toThrow(RangeError);
  });
});

describe('analyzeLayer with worker: true', () => {
  let layout: OciLayout;
  const images: Record<string, BuiltImage> = {};

  beforeAll(async () => {
    layout = await createLayout();
    for (const compression of ['gzip', 'zstd', 'none'] as const) {
      images[compression] = await layout.addImage(compression, {
        layers: [
          {
            compression,
            entries: [
              { type: 'file', path: 'etc/os-release', content: 'ID=alpine\n' },
              { type: 'file', path: 'data.bin', content: randomBytes(5 * 1024 * 1024) },
            ],
          },
        ],
      });
    }
  });
  afterAll(() => layout?.remove());

  async function layerOf(tag: string): Promise<{ descriptor: Descriptor; diffId: string }> {
    const image = await resolveImage(await ociLayoutSource(layout.dir), tag);
    const descriptor = image.manifest.layers[0];
    const diffId = image.config.diffIds[0];
    if (!descriptor || !diffId) throw new Error('fixture');
    return { descriptor, diffId };
  }

  it.each(['gzip', 'zstd', 'none'])('gives the same layer result as on this thread (%s)', async (tag) => {
    const source = await ociLayoutSource(layout.dir);
    const { descriptor, diffId } = await layerOf(tag);
    const there = await analyzeLayer(source, descriptor, diffId, { worker: true });
    expect(there).toEqual(await analyzeLayer(source, descriptor, diffId, { worker: false }));
    expect(there.compression).toBe(tag);
  });

  it('fails with diff_id_mismatch when the config lies', async () => {
    const { descriptor } = await layerOf('gzip');
    const error = await analyzeLayer(
      await ociLayoutSource(layout.dir),
      descriptor,
      `sha256:${'1'.repeat(64)}`,
      {
        worker: true,
      },
    ).catch((e: unknown) => e);
    expect(isAnalysisError(error, 'diff_id_mismatch')).toBe(true);
  });

  it('fails a corrupt gzip blob with digest_mismatch, not a zlib error', async () => {
    const { descriptor, diffId } = await layerOf('gzip');
    const path = `${layout.dir}/blobs/sha256/${descriptor.digest.slice('sha256:'.length)}`;
    const bytes = await readFile(path);
    bytes.fill(0x55, 20, (await stat(path)).size - 8);
    await writeFile(path, bytes);
    const error = await analyzeLayer(await ociLayoutSource(layout.dir), descriptor, diffId, {
      worker: true,
    }).catch((e: unknown) => e);
    expect(isOciError(error, 'digest_mismatch')).toBe(true);
  });
});
