import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream';
import { computeDigest, isDigest, parseDigest } from './digest.js';
import { OciError } from './errors.js';
import type { ImageSource } from './image-source.js';
import { Limits } from './limits.js';
import { parseManifest, type Descriptor } from './manifest.js';
import { readLimited } from './read-body.js';
import type { FetchedManifest } from './registry-client.js';
import { VerifyingStream } from './verified-stream.js';

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * An {@link ImageSource} over an OCI image layout directory (image-spec `image-layout.md`):
 * `oci-layout`, `index.json` and `blobs/<alg>/<hex>`. Tags are the `ref.name` annotations of
 * `index.json`; an empty reference picks the only image when there is exactly one.
 */
export async function ociLayoutSource(directory: string): Promise<ImageSource> {
  const dir = resolve(directory);
  let layout: unknown;
  try {
    layout = JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8'));
  } catch (cause) {
    throw new OciError(
      'invalid_argument',
      `${dir} is not an OCI image layout (no readable oci-layout file)`,
      { cause },
    );
  }
  if (
    typeof layout !== 'object' ||
    layout === null ||
    (layout as { imageLayoutVersion?: unknown }).imageLayoutVersion !== '1.0.0'
  ) {
    throw new OciError('invalid_argument', `${dir}/oci-layout does not declare imageLayoutVersion 1.0.0`);
  }
  const blobPath = (digest: string): string => {
    const { algorithm, encoded } = parseDigest(digest);
    return join(dir, 'blobs', algorithm, encoded);
  };
  const readIndex = async () => {
    const raw = await readLimited(
      createReadStream(join(dir, 'index.json')),
      Limits.manifestBytes,
      'index.json',
    );
    const index = parseManifest(raw);
    if (index.kind !== 'index')
      throw new OciError('invalid_manifest', `${dir}/index.json is not an image index`);
    return index;
  };
  const readManifestBlob = async (
    descriptor: Pick<Descriptor, 'digest'> & { size?: number; mediaType?: string },
  ): Promise<FetchedManifest> => {
    const path = blobPath(descriptor.digest);
    const size = (
      await stat(path).catch((cause: unknown) => {
        throw new OciError('not_found', `manifest ${descriptor.digest} is not in the layout ${dir}`, {
          cause,
        });
      })
    ).size;
    if (size > Limits.manifestBytes)
      throw new OciError('manifest_too_large', `manifest ${descriptor.digest} is over the limit`);
    const raw = await readFile(path);
    const digest = computeDigest(raw, parseDigest(descriptor.digest).algorithm);
    if (digest !== descriptor.digest) {
      throw new OciError(
        'digest_mismatch',
        `manifest blob ${descriptor.digest} in ${dir} has digest ${digest}`,
      );
    }
    const manifest = parseManifest(raw, descriptor.mediaType);
    return { raw, digest: computeDigest(raw), mediaType: manifest.mediaType, size: raw.byteLength, manifest };
  };
  const openBlob: ImageSource['openBlob'] = async (descriptor, options = {}) => {
    const path = blobPath(descriptor.digest);
    const handle = await open(path, 'r').catch((cause: unknown) => {
      throw new OciError('not_found', `blob ${descriptor.digest} is not in the layout ${dir}`, { cause });
    });
    const range = options.range;
    const file = handle.createReadStream({
      ...(range ? { start: range.start, ...(range.end === undefined ? {} : { end: range.end }) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const verifier = range
      ? new VerifyingStream({})
      : new VerifyingStream({ digest: descriptor.digest, size: descriptor.size });
    return pipeline(file, verifier, () => undefined);
  };

  return {
    name: `oci-layout:${dir}`,
    async getManifest(reference) {
      if (isDigest(reference)) return readManifestBlob({ digest: reference });
      const index = await readIndex();
      const matches =
        reference === ''
          ? index.manifests
          : index.manifests.filter((d) => d.annotations?.[REF_NAME] === reference);
      if (matches.length === 0)
        throw new OciError('not_found', `tag "${reference}" is not in the layout ${dir}`);
      if (matches.length > 1) {
        throw new OciError(
          'invalid_argument',
          reference === ''
            ? `the layout ${dir} holds several images: name one`
            : `tag "${reference}" is ambiguous in ${dir}`,
        );
      }
      return readManifestBlob(matches[0] as Descriptor);
    },
    openBlob,
    async readBlob(descriptor) {
      if (descriptor.size > Limits.configBytes)
        throw new OciError('response_too_large', `blob ${descriptor.digest} is over the limit`);
      return readLimited(await openBlob(descriptor), Limits.configBytes, `blob ${descriptor.digest}`);
    },
  };
}
