import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { compress as zstdCompress } from 'zstd-napi';
import { encodeTar, type TarEntry } from '@berth/testkit';
import { analyzeTarStream } from './analyze-layer.js';
import type { Detector } from './detectors.js';

const base = { mode: 0o644, uid: 0, gid: 0, mtime: 0 };
const file = (name: string, content: string | Buffer, extra: Partial<TarEntry> = {}): TarEntry => ({
  ...base,
  name,
  type: 'file',
  content: typeof content === 'string' ? Buffer.from(content) : content,
  ...extra,
});

/** The buffer as an async stream of `size`-byte chunks, like a blob arriving from the network. */
async function* chunks(buffer: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let i = 0; i < buffer.length; i += size) {
    await Promise.resolve();
    yield buffer.subarray(i, i + size);
  }
}

const TAR = encodeTar([
  { ...base, name: './', type: 'dir', mode: 0o755 },
  { ...base, name: './etc/', type: 'dir', mode: 0o755 },
  file('./etc/os-release', 'ID=test\n'),
  file('etc/.wh.motd', ''),
  file('opt/.wh..wh..opq', ''),
  file('.wh.gone', ''),
  file('.wh..wh.plnk/12.34', ''),
  file('.prefetch.landmark', 'x'),
  file('stargz.index.json', '{}'),
  file('usr/bin/which', 'not a whiteout'),
  file('home/u/.ssh/id_rsa', '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n', {
    mode: 0o600,
  }),
  file('certs/ca.pem', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n'),
]);

describe('analyzeTarStream', () => {
  it.each([
    ['none', TAR],
    ['gzip', gzipSync(TAR)],
    ['zstd', zstdCompress(TAR)],
  ] as const)('detects %s by magic bytes and yields the same entries', async (compression, blob) => {
    const result = await analyzeTarStream(chunks(blob, 1000));
    expect(result.compression).toBe(compression);
    expect(result.sizeUncompressed).toBe(TAR.length);
    expect(result.entries.map((e) => [e.path, e.type])).toEqual([
      ['etc', 'dir'],
      ['etc/os-release', 'file'],
      ['etc/motd', 'whiteout'],
      ['opt', 'opaque'],
      ['gone', 'whiteout'],
      ['usr/bin/which', 'file'],
      ['home/u/.ssh/id_rsa', 'file'],
      ['certs/ca.pem', 'file'],
    ]);
    expect(result.skipped).toEqual(['.wh..wh.plnk/12.34', '.prefetch.landmark', 'stargz.index.json']);
    expect(result.files).toEqual([
      { path: 'etc/os-release', entryIndex: 1, content: Buffer.from('ID=test\n').toString('base64') },
      // The certificate detector keeps `*.pem` files.
      {
        path: 'certs/ca.pem',
        entryIndex: 7,
        content: Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString(
          'base64',
        ),
      },
    ]);
    expect(result.entries.filter((e) => e.privateKey).map((e) => e.path)).toEqual(['home/u/.ssh/id_rsa']);
  });

  it('takes the verified blob digest as the diff ID of an uncompressed layer, and hashes otherwise', async () => {
    const { createHash } = await import('node:crypto');
    const verifiedDigest = `sha256:${'f'.repeat(64)}`;
    // Uncompressed: the blob bytes are the tar, so the digest the source verifies them
    // against is the diff ID; it is not computed a second time.
    expect((await analyzeTarStream(chunks(TAR, 1000), { verifiedDigest })).diffId).toBe(verifiedDigest);
    const real = `sha256:${createHash('sha256').update(TAR).digest('hex')}`;
    expect((await analyzeTarStream(chunks(gzipSync(TAR), 1000), { verifiedDigest })).diffId).toBe(real);
    expect((await analyzeTarStream(chunks(TAR, 1000))).diffId).toBe(real);
  });

  it('hashes regular file content (sha256) and the whole stream (diff ID)', async () => {
    const { createHash } = await import('node:crypto');
    const result = await analyzeTarStream(chunks(gzipSync(TAR), 7));
    expect(result.diffId).toBe(`sha256:${createHash('sha256').update(TAR).digest('hex')}`);
    expect(result.entries.find((e) => e.path === 'usr/bin/which')?.sha256).toBe(
      `sha256:${createHash('sha256').update('not a whiteout').digest('hex')}`,
    );
  });

  it('flags files with a NUL in their first 8000 bytes as binary, across chunk boundaries', async () => {
    const late = Buffer.alloc(9000, 0x61);
    late[7999] = 0;
    const tooLate = Buffer.alloc(9000, 0x61);
    tooLate[8000] = 0;
    const tar = encodeTar([
      file('text', 'plain\ntext\n'),
      file('empty', ''),
      file('elf', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00])),
      file('late', late),
      file('too-late', tooLate),
      { ...base, name: 'link', type: 'symlink', linkname: 'elf' },
    ]);
    // 7-byte chunks: the NUL of `late` arrives in a chunk that straddles byte 8000.
    const result = await analyzeTarStream(chunks(gzipSync(tar), 7));
    expect(result.entries.map((e) => [e.path, e.binary])).toEqual([
      ['text', false],
      ['empty', false],
      ['elf', true],
      ['late', true],
      ['too-late', false],
      ['link', undefined],
    ]);
    const { createHash } = await import('node:crypto');
    expect(result.entries[3]?.sha256).toBe(`sha256:${createHash('sha256').update(late).digest('hex')}`);
  });

  it('keeps detector files only up to their cap, or their prefix when asked', async () => {
    const detector: Detector = {
      id: 'test',
      wants: (path) =>
        path === 'small' ? { maxBytes: 4 } : path === 'head' ? { maxBytes: 4, prefix: true } : undefined,
    };
    const tar = encodeTar([file('small', 'too large'), file('head', 'abcdefgh'), file('fits', 'x')]);
    const result = await analyzeTarStream(chunks(tar), { detectors: [detector] });
    expect(result.files).toEqual([
      { path: 'head', entryIndex: 1, content: Buffer.from('abcd').toString('base64'), truncated: true },
    ]);
  });

  it('stops a gzip bomb at limits.maxLayerBytes with layer_too_large', async () => {
    const bomb = gzipSync(encodeTar([file('zeros', Buffer.alloc(64 * 1024 * 1024))]));
    expect(bomb.length).toBeLessThan(200 * 1024);
    await expect(
      analyzeTarStream(chunks(bomb), { limits: { maxLayerBytes: 8 * 1024 * 1024 } }),
    ).rejects.toMatchObject({
      code: 'layer_too_large',
    });
  });

  it('stops a zstd bomb at limits.maxLayerBytes with layer_too_large, pulling bounded chunks', async () => {
    const bomb = zstdCompress(encodeTar([file('zeros', Buffer.alloc(64 * 1024 * 1024))]));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const before = process.memoryUsage().rss;
    // The whole bomb arrives as a single chunk: the decompressor must still not expand it at once.
    await expect(
      analyzeTarStream(chunks(bomb, bomb.length), { limits: { maxLayerBytes: 4 * 1024 * 1024 } }),
    ).rejects.toMatchObject({
      code: 'layer_too_large',
    });
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('caps entries with too_many_entries', async () => {
    const tar = encodeTar(Array.from({ length: 50 }, (_, i) => file(`f${i}`, '')));
    await expect(analyzeTarStream(chunks(tar), { limits: { maxEntries: 49 } })).rejects.toMatchObject({
      code: 'too_many_entries',
    });
  });

  it('refuses hostile names with hostile_path', async () => {
    for (const name of ['../../etc/passwd', `${'a/'.repeat(60)}${'../'.repeat(61)}x`]) {
      await expect(analyzeTarStream(chunks(gzipSync(encodeTar([file(name, 'x')]))))).rejects.toMatchObject({
        code: 'hostile_path',
      });
    }
  });

  it('reports corrupt compressed data with decompression_failed, and bzip2/xz as unsupported', async () => {
    const gz = gzipSync(TAR);
    gz.fill(0x55, 20, gz.length - 8);
    await expect(analyzeTarStream(chunks(gz))).rejects.toMatchObject({ code: 'decompression_failed' });
    const zst = zstdCompress(TAR);
    await expect(analyzeTarStream(chunks(zst.subarray(0, zst.length - 10)))).rejects.toMatchObject({
      code: 'decompression_failed',
    });
    await expect(analyzeTarStream(chunks(gz.subarray(0, gz.length / 2)))).rejects.toMatchObject({
      code: 'decompression_failed',
    });
    await expect(analyzeTarStream(chunks(Buffer.from('BZh91AY&SY')))).rejects.toMatchObject({
      code: 'unsupported_compression',
    });
    await expect(
      analyzeTarStream(chunks(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 1]))),
    ).rejects.toMatchObject({
      code: 'unsupported_compression',
    });
  });

  it('reads an empty layer (zero bytes or two zero blocks)', async () => {
    for (const blob of [Buffer.alloc(0), Buffer.alloc(1024), gzipSync(Buffer.alloc(1024))]) {
      const result = await analyzeTarStream(chunks(blob));
      expect(result.entries).toEqual([]);
    }
  });

  it('honours an aborted signal', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(analyzeTarStream(chunks(TAR), { signal: controller.signal })).rejects.toBeDefined();
  });
});
