import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants as zlibConstants, createGzip } from 'node:zlib';
import type { LayerCompression } from './image-spec.js';
import { MEDIA_TYPES } from './media-types.js';
import { TestkitError } from './testkit-error.js';

/** zstd level 3 is the CLI's default and what BuildKit uses. Single-threaded keeps the output stable. */
export const ZSTD_ARGS: readonly string[] = ['-3', '-T1', '-q', '-c', '--no-progress'];

export interface WrittenLayer {
  digest: string;
  diffId: string;
  size: number;
  uncompressedSize: number;
  mediaType: string;
}

export const LAYER_MEDIA_TYPES: Record<LayerCompression, string> = {
  none: MEDIA_TYPES.ociLayer,
  gzip: MEDIA_TYPES.ociLayerGzip,
  zstd: MEDIA_TYPES.ociLayerZstd,
};

/**
 * Streams an uncompressed tar through the compressor into `blobsDir` (`…/blobs/sha256`),
 * hashing both sides on the way: the diff ID and the blob digest. gzip comes from node:zlib
 * with a fixed level (its header has mtime 0 and no file name, so equal input gives equal
 * bytes); zstd from the `zstd` CLI.
 *
 * @example
 * const layer = await writeLayerBlob(join(layout, 'blobs/sha256'), createReadStream(tarPath), 'zstd');
 */
export async function writeLayerBlob(
  blobsDir: string,
  source: Readable,
  compression: LayerCompression,
): Promise<WrittenLayer> {
  const uncompressed = hashingTap();
  const compressed = hashingTap();
  const tmp = join(blobsDir, `.tmp-${randomBytes(8).toString('hex')}`);
  try {
    if (compression === 'none') {
      await pipeline(source, uncompressed.stream, createWriteStream(tmp));
    } else if (compression === 'gzip') {
      const gzip = createGzip({ level: zlibConstants.Z_DEFAULT_COMPRESSION });
      await pipeline(source, uncompressed.stream, gzip, compressed.stream, createWriteStream(tmp));
    } else {
      await compressWithZstdCli(source, uncompressed.stream, compressed.stream, tmp);
    }
    const diffId = uncompressed.digest();
    const digest = compression === 'none' ? diffId : compressed.digest();
    await rename(tmp, join(blobsDir, digest.slice('sha256:'.length)));
    return {
      digest,
      diffId,
      size: compression === 'none' ? uncompressed.size() : compressed.size(),
      uncompressedSize: uncompressed.size(),
      mediaType: LAYER_MEDIA_TYPES[compression],
    };
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

async function compressWithZstdCli(
  source: Readable,
  uncompressedTap: Transform,
  compressedTap: Transform,
  outFile: string,
): Promise<void> {
  const child = spawn('zstd', [...ZSTD_ARGS], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const exited = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) =>
      code === 0
        ? resolve()
        : reject(new TestkitError('command_failed', `zstd exited with ${code}: ${stderr}`)),
    );
  });
  await Promise.all([
    pipeline(source, uncompressedTap, child.stdin),
    pipeline(child.stdout, compressedTap, createWriteStream(outFile)),
    exited,
  ]);
}

function hashingTap(): { stream: Transform; digest(): string; size(): number } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      size += chunk.byteLength;
      callback(null, chunk);
    },
  });
  let digest: string | undefined;
  return { stream, digest: () => (digest ??= `sha256:${hash.digest('hex')}`), size: () => size };
}
