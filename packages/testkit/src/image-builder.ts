import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { tarDirectory } from './directory-tar.js';
import type {
  BuiltImage,
  BuiltLayer,
  Descriptor,
  ImageConfigSpec,
  ImageSpec,
  LayerSpec,
  PlatformSpec,
} from './image-spec.js';
import { toTarEntries } from './layer-entries.js';
import { writeLayerBlob } from './layer-blob.js';
import { MEDIA_TYPES } from './media-types.js';
import { encodeTar } from './tar-writer.js';
import { TestkitError } from './testkit-error.js';

export const DEFAULT_CREATED = '2024-01-01T00:00:00Z';
export const DEFAULT_PLATFORM: Readonly<PlatformSpec> = { os: 'linux', architecture: 'amd64' };

/** Where the builder puts blobs: an OCI layout's `blobs/sha256`. */
export interface BlobSink {
  /** `…/blobs/sha256`, for streamed layers. */
  readonly blobsDir: string;
  /** A scratch directory on the same filesystem. */
  readonly scratchDir: string;
  writeBlob(content: string | Uint8Array): Promise<{ digest: string; size: number }>;
}

/**
 * Writes an image's layers, config and manifest as blobs and returns what was built plus the
 * manifest's descriptor (with platform) for an index or index.json. Same spec, same bytes.
 *
 * @example
 * const { image, descriptor } = await buildImage(sink, { layers: [{ entries: [{ type: 'dir', path: 'etc' }] }] });
 */
export async function buildImage(
  sink: BlobSink,
  spec: ImageSpec,
): Promise<{ image: BuiltImage; descriptor: Descriptor }> {
  const layers: BuiltLayer[] = [];
  for (const layer of spec.layers) layers.push(await buildLayer(sink, layer));

  const created = spec.created ?? DEFAULT_CREATED;
  const platform: Readonly<PlatformSpec> = spec.platform ?? DEFAULT_PLATFORM;
  const history: NonNullable<ImageSpec['history']> =
    spec.history ??
    spec.layers.map((layer, index) => ({ createdBy: layer.createdBy ?? `berth-testkit layer ${index}` }));
  const config = {
    created,
    architecture: platform.architecture,
    os: platform.os,
    ...(platform.variant ? { variant: platform.variant } : {}),
    config: containerConfig(spec.config ?? {}),
    rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    history: history.map((entry) => ({
      created,
      created_by: entry.createdBy,
      ...(entry.emptyLayer ? { empty_layer: true } : {}),
    })),
  };
  const configBlob = await sink.writeBlob(JSON.stringify(config));

  const manifest = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociManifest,
    config: { mediaType: MEDIA_TYPES.ociConfig, digest: configBlob.digest, size: configBlob.size },
    layers: layers.map((layer) => ({ mediaType: layer.mediaType, digest: layer.digest, size: layer.size })),
    ...(spec.annotations ? { annotations: spec.annotations } : {}),
  };
  const manifestBlob = await sink.writeBlob(JSON.stringify(manifest));
  return {
    image: {
      manifestDigest: manifestBlob.digest,
      manifestSize: manifestBlob.size,
      configDigest: configBlob.digest,
      mediaType: MEDIA_TYPES.ociManifest,
      layers,
    },
    descriptor: {
      mediaType: MEDIA_TYPES.ociManifest,
      digest: manifestBlob.digest,
      size: manifestBlob.size,
      platform: {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
      },
    },
  };
}

async function buildLayer(sink: BlobSink, layer: LayerSpec): Promise<BuiltLayer> {
  const sources = [layer.entries, layer.fromDir, layer.fromTar].filter((source) => source !== undefined);
  if (sources.length !== 1) {
    throw new TestkitError('invalid_argument', 'a layer needs exactly one of entries, fromDir or fromTar');
  }
  const compression = layer.compression ?? 'gzip';
  if (layer.entries) {
    return writeLayerBlob(
      sink.blobsDir,
      Readable.from([encodeTar(toTarEntries(layer.entries))]),
      compression,
    );
  }
  if (layer.fromTar !== undefined) {
    return writeLayerBlob(sink.blobsDir, createReadStream(layer.fromTar), compression);
  }
  const tarFile = join(sink.scratchDir, `.tmp-${randomBytes(8).toString('hex')}.tar`);
  try {
    await tarDirectory(layer.fromDir ?? '', tarFile);
    return await writeLayerBlob(sink.blobsDir, createReadStream(tarFile), compression);
  } finally {
    await rm(tarFile, { force: true });
  }
}

/** The `config` object of an OCI image config (image-spec config.md), only with the fields given. */
function containerConfig(spec: ImageConfigSpec): Record<string, unknown> {
  return {
    ...(spec.user !== undefined ? { User: spec.user } : {}),
    ...(spec.exposedPorts
      ? { ExposedPorts: Object.fromEntries(spec.exposedPorts.map((port) => [port, {}])) }
      : {}),
    ...(spec.env ? { Env: spec.env } : {}),
    ...(spec.entrypoint ? { Entrypoint: spec.entrypoint } : {}),
    ...(spec.cmd ? { Cmd: spec.cmd } : {}),
    ...(spec.volumes ? { Volumes: Object.fromEntries(spec.volumes.map((volume) => [volume, {}])) } : {}),
    ...(spec.workingDir !== undefined ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.labels ? { Labels: spec.labels } : {}),
    ...(spec.stopSignal !== undefined ? { StopSignal: spec.stopSignal } : {}),
  };
}
